// hardware/profile.hpp: the hardware profile JSON format (hardware/profiles/README.md), its
// errors, and the defaults for GPUs without a calibrated profile.
#include "hardware/profile.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

namespace fs = std::filesystem;

HardwareProfile full_profile() {
  HardwareProfile p;
  p.name = "test-gpu (hand-written)";
  p.gpu = "test-gpu";
  p.source = "written by profile_test";
  p.source_details = Json{{"description", p.source}, {"kind", "test"}, {"runs", 3}};
  p.gemm_tables[index_of(Precision::bf16)] = {{1024, 2048, 4096, 0.61}, {8192, 8192, 8192, 0.78}};
  p.gemm_tables[index_of(Precision::fp32)] = {{4096, 4096, 4096, 0.75}};
  p.gemm_max_efficiency_frac = 0.78;
  p.gemm_max_efficiency_frac_by_precision[index_of(Precision::fp8)] = 0.7;
  p.attention = {{2048, 128, 0.47, 0.32}, {8192, 128, 0.6, 0.49}};
  p.attention_max_efficiency_frac = 0.6;
  p.attention_backward_max_efficiency_frac = 0.49;
  p.memory_bandwidth = {{2097152, 0.035}, {8589934592, 0.89}};
  p.memory_bandwidth_efficiency_frac = 0.89;
  p.kernel_launch_overhead_s = 7.5e-6;
  p.host_to_device_Bps = 55e9;
  return p;
}

Json minimal_profile_json() {
  return Json::parse(R"({
    "name": "minimal", "gpu": "test-gpu", "source": "hand-written",
    "kernel_launch_overhead_us": 4,
    "gemm": {"max_efficiency_frac": 0.8},
    "attention": {"max_efficiency_frac": 0.5},
    "memory_bandwidth": {"efficiency_frac": 0.85}
  })");
}

std::string error_path_of(const Json& json) {
  try {
    parse_profile(json, "");
  } catch (const InputError& e) {
    return e.json_path();
  }
  return "(no error)";
}

// Sets TRAINSIM_DATA_DIR for one test and restores it afterwards.
class ScopedDataDir {
 public:
  explicit ScopedDataDir(const fs::path& dir) {
    if (const char* old = std::getenv("TRAINSIM_DATA_DIR")) old_ = old;
    setenv("TRAINSIM_DATA_DIR", dir.c_str(), 1);
  }
  ~ScopedDataDir() {
    if (old_)
      setenv("TRAINSIM_DATA_DIR", old_->c_str(), 1);
    else
      unsetenv("TRAINSIM_DATA_DIR");
  }

 private:
  std::optional<std::string> old_;
};

fs::path fresh_temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("trainsim_profile_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(ProfileJson, RoundTripKeepsEveryField) {
  const HardwareProfile in = full_profile();
  const HardwareProfile out = parse_profile(profile_to_json(in), "");

  EXPECT_EQ(out.name, in.name);
  EXPECT_EQ(out.gpu, in.gpu);
  EXPECT_EQ(out.source, in.source);
  EXPECT_EQ(out.source_details, in.source_details);
  for (std::size_t p = 0; p < kPrecisionCount; ++p) {
    ASSERT_EQ(out.gemm_tables[p].size(), in.gemm_tables[p].size()) << kPrecisionNames[p];
    for (std::size_t i = 0; i < in.gemm_tables[p].size(); ++i) {
      EXPECT_EQ(out.gemm_tables[p][i].m, in.gemm_tables[p][i].m);
      EXPECT_EQ(out.gemm_tables[p][i].n, in.gemm_tables[p][i].n);
      EXPECT_EQ(out.gemm_tables[p][i].k, in.gemm_tables[p][i].k);
      EXPECT_DOUBLE_EQ(out.gemm_tables[p][i].efficiency_frac, in.gemm_tables[p][i].efficiency_frac);
    }
    EXPECT_DOUBLE_EQ(out.gemm_max_efficiency_frac_by_precision[p],
                     in.gemm_max_efficiency_frac_by_precision[p]);
  }
  EXPECT_DOUBLE_EQ(out.gemm_max_efficiency_frac, in.gemm_max_efficiency_frac);
  ASSERT_EQ(out.attention.size(), in.attention.size());
  for (std::size_t i = 0; i < in.attention.size(); ++i) {
    EXPECT_EQ(out.attention[i].seq_len, in.attention[i].seq_len);
    EXPECT_EQ(out.attention[i].head_dim, in.attention[i].head_dim);
    EXPECT_DOUBLE_EQ(out.attention[i].forward_frac, in.attention[i].forward_frac);
    EXPECT_DOUBLE_EQ(out.attention[i].backward_frac, in.attention[i].backward_frac);
  }
  EXPECT_DOUBLE_EQ(out.attention_max_efficiency_frac, in.attention_max_efficiency_frac);
  EXPECT_DOUBLE_EQ(out.attention_backward_max_efficiency_frac,
                   in.attention_backward_max_efficiency_frac);
  ASSERT_EQ(out.memory_bandwidth.size(), in.memory_bandwidth.size());
  for (std::size_t i = 0; i < in.memory_bandwidth.size(); ++i) {
    EXPECT_DOUBLE_EQ(out.memory_bandwidth[i].bytes, in.memory_bandwidth[i].bytes);
    EXPECT_DOUBLE_EQ(out.memory_bandwidth[i].efficiency_frac,
                     in.memory_bandwidth[i].efficiency_frac);
  }
  EXPECT_DOUBLE_EQ(out.memory_bandwidth_efficiency_frac, in.memory_bandwidth_efficiency_frac);
  EXPECT_DOUBLE_EQ(out.kernel_launch_overhead_s, in.kernel_launch_overhead_s);
  EXPECT_DOUBLE_EQ(out.host_to_device_Bps, in.host_to_device_Bps);

  // Serialising again gives the same document.
  EXPECT_EQ(profile_to_json(out), profile_to_json(in));
}

TEST(ProfileJson, CarriesUnitsInKeyNamesAtTheEdge) {
  const Json json = profile_to_json(full_profile());
  EXPECT_DOUBLE_EQ(json.at("kernel_launch_overhead_us").get<double>(), 7.5);
  EXPECT_DOUBLE_EQ(json.at("host_to_device_GBps").get<double>(), 55);
  EXPECT_EQ(json.at("format_version"), 1);
  const Json& row = json.at("gemm").at("tables").at("bf16").at(0);
  EXPECT_EQ(row, Json::parse(R"({"m": 1024, "n": 2048, "k": 4096, "efficiency": 0.61})"));
  EXPECT_EQ(json.at("attention").at("points").at(0),
            Json::parse(R"({"seq_len": 2048, "head_dim": 128, "forward_efficiency": 0.47,
                            "backward_efficiency": 0.32})"));
  EXPECT_EQ(json.at("memory_bandwidth").at("points").at(0),
            Json::parse(R"({"bytes": 2097152.0, "efficiency": 0.035})"));
  EXPECT_EQ(json.at("source").at("kind"), "test");
}

TEST(ProfileJson, MinimalProfileNeedsOnlyTheScalars) {
  const HardwareProfile p = parse_profile(minimal_profile_json(), "");
  EXPECT_EQ(p.source, "hand-written");  // a plain string is accepted as the description
  EXPECT_DOUBLE_EQ(p.kernel_launch_overhead_s, 4e-6);
  EXPECT_DOUBLE_EQ(p.gemm_max_efficiency_frac, 0.8);
  EXPECT_DOUBLE_EQ(p.attention_backward_max_efficiency(), 0.5);  // defaults to the forward value
  EXPECT_DOUBLE_EQ(p.memory_bandwidth_efficiency_frac, 0.85);
  EXPECT_DOUBLE_EQ(p.host_to_device_Bps, 0);
  for (const auto& table : p.gemm_tables) EXPECT_TRUE(table.empty());
  EXPECT_TRUE(p.attention.empty());
  EXPECT_TRUE(p.memory_bandwidth.empty());
  EXPECT_DOUBLE_EQ(p.gemm_max_efficiency_for(Precision::fp8), 0.8);
}

struct BadProfileCase {
  const char* what;
  const char* json_pointer;  // where to put the bad value (RFC 6901)
  const char* value;         // JSON text; "DELETE" removes the field
  const char* expected_path;
};

class ProfileErrors : public ::testing::TestWithParam<BadProfileCase> {};

TEST_P(ProfileErrors, NameTheJsonPath) {
  const BadProfileCase& c = GetParam();
  Json json = profile_to_json(full_profile());
  const Json::json_pointer where(c.json_pointer);
  if (std::string(c.value) == "DELETE") {
    json[where.parent_pointer()].erase(where.back());
  } else {
    json[where] = Json::parse(c.value);
  }
  EXPECT_EQ(error_path_of(json), c.expected_path) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Profile, ProfileErrors,
    ::testing::Values(
        BadProfileCase{"efficiency above 1", "/gemm/tables/bf16/1/efficiency", "1.5",
                       "gemm.tables.bf16[1].efficiency"},
        BadProfileCase{"zero efficiency", "/gemm/tables/fp32/0/efficiency", "0",
                       "gemm.tables.fp32[0].efficiency"},
        BadProfileCase{"non-integer m", "/gemm/tables/bf16/0/m", "10.5", "gemm.tables.bf16[0].m"},
        BadProfileCase{"unknown precision", "/gemm/tables/fp4", "[]", "gemm.tables.fp4"},
        BadProfileCase{"misspelt key", "/gemm/tabels", "{}", "gemm.tabels"},
        BadProfileCase{"missing scalar", "/gemm/max_efficiency_frac", "DELETE",
                       "gemm.max_efficiency_frac"},
        BadProfileCase{"missing point field", "/attention/points/1/seq_len", "DELETE",
                       "attention.points[1].seq_len"},
        BadProfileCase{"points not an array", "/attention/points", "{}", "attention.points"},
        BadProfileCase{"zero bytes", "/memory_bandwidth/points/0/bytes", "0",
                       "memory_bandwidth.points[0].bytes"},
        BadProfileCase{"negative launch overhead", "/kernel_launch_overhead_us", "-1",
                       "kernel_launch_overhead_us"},
        BadProfileCase{"source without description", "/source/description", "DELETE",
                       "source.description"},
        BadProfileCase{"future format", "/format_version", "2", "format_version"},
        BadProfileCase{"fp8 max efficiency above 1", "/gemm/max_efficiency_frac_by_precision/fp8",
                       "1.2", "gemm.max_efficiency_frac_by_precision.fp8"}));

TEST(LoadProfile, ErrorsNameTheFileAndTheJsonPath) {
  const fs::path dir = fresh_temp_dir("load_errors");
  const fs::path file = dir / "bad.json";
  Json json = profile_to_json(full_profile());
  json["attention"]["points"][0]["forward_efficiency"] = 7;
  std::ofstream(file) << json.dump(2);
  try {
    load_profile(file);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "attention.points[0].forward_efficiency");
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(0, 1]"), std::string::npos) << e.what();
  }
}

TEST(LoadProfile, SyntaxErrorsNameTheFile) {
  const fs::path dir = fresh_temp_dir("syntax");
  const fs::path file = dir / "broken.json";
  std::ofstream(file) << "{\n  \"name\": \"x\",\n  oops\n}\n";
  try {
    load_profile(file);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), file.string());
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

TEST(LoadProfile, ReadsWhatProfileToJsonWrote) {
  const fs::path dir = fresh_temp_dir("write_read");
  const fs::path file = dir / "p.json";
  std::ofstream(file) << profile_to_json(full_profile()).dump(2);
  EXPECT_EQ(profile_to_json(load_profile(file)), profile_to_json(full_profile()));
}

GpuSpec gpu_named(std::string name, std::string vendor, int compute_capability) {
  GpuSpec gpu;
  gpu.name = std::move(name);
  gpu.vendor = std::move(vendor);
  gpu.compute_capability = compute_capability;
  gpu.pcie_Bps = 64e9;
  return gpu;
}

TEST(DefaultProfile, GpuWithoutAFileGetsItsGenerationsDatasheetDefaults) {
  const fs::path empty_root = fresh_temp_dir("empty_root");
  ScopedDataDir data_dir(empty_root);

  const HardwareProfile ampere =
      default_profile_for(gpu_named("a100-without-profile", "nvidia", 80));
  EXPECT_EQ(ampere.gpu, "a100-without-profile");
  EXPECT_NE(ampere.source.find("datasheet"), std::string::npos);
  EXPECT_NE(ampere.source.find("MAMF"), std::string::npos) << "numbers name their source";
  // MAMF best 271.2 of 312 TFLOP/s, times the share transformer-layer GEMMs reach (0.85)
  EXPECT_DOUBLE_EQ(ampere.gemm_max_efficiency_frac, 0.85 * 0.86);
  EXPECT_DOUBLE_EQ(ampere.gemm_max_efficiency_for(Precision::fp8), 0.85 * 0.86);  // no override
  for (const auto& table : ampere.gemm_tables) EXPECT_TRUE(table.empty());
  EXPECT_TRUE(ampere.attention.empty());
  EXPECT_TRUE(ampere.memory_bandwidth.empty());
  EXPECT_GT(ampere.kernel_launch_overhead_s, 2e-6);
  EXPECT_LT(ampere.kernel_launch_overhead_s, 8e-6);
  EXPECT_EQ(ampere.source_details.at("kind"), "datasheet-defaults");

  const HardwareProfile hopper =
      default_profile_for(gpu_named("h200-without-profile", "nvidia", 90));
  EXPECT_DOUBLE_EQ(hopper.gemm_max_efficiency_frac, 0.85 * 0.80);                 // 794.5 of 989
  EXPECT_DOUBLE_EQ(hopper.gemm_max_efficiency_for(Precision::fp8), 0.85 * 0.71);  // 1402.6/1979
  EXPECT_GT(hopper.attention_max_efficiency_frac, hopper.attention_backward_max_efficiency());
  EXPECT_DOUBLE_EQ(hopper.memory_bandwidth_efficiency_frac, 0.89);

  const HardwareProfile unknown = default_profile_for(gpu_named("mystery", "", 0));
  EXPECT_NE(unknown.source.find("assumed"), std::string::npos);
}

TEST(DefaultProfile, DefaultsSurviveTheJsonFormat) {
  const HardwareProfile p = datasheet_default_profile(gpu_named("b200-like", "nvidia", 100));
  EXPECT_EQ(profile_to_json(parse_profile(profile_to_json(p), "")), profile_to_json(p));
}

TEST(DefaultProfile, LoadsTheShippedFileWhenThereIsOne) {
  const fs::path root = fresh_temp_dir("root_with_profile");
  fs::create_directories(root / "hardware" / "profiles");
  HardwareProfile shipped = full_profile();
  shipped.gpu = "my-gpu";
  std::ofstream(root / "hardware" / "profiles" / "my-gpu.json") << profile_to_json(shipped).dump(2);
  ScopedDataDir data_dir(root);

  EXPECT_EQ(shipped_profile_path("my-gpu"), root / "hardware" / "profiles" / "my-gpu.json");
  const HardwareProfile p = default_profile_for(gpu_named("my-gpu", "nvidia", 90));
  EXPECT_EQ(p.name, shipped.name);
  EXPECT_EQ(p.gemm_tables[index_of(Precision::bf16)].size(), 2u);

  // A broken shipped file is an error, not a silent fallback to defaults.
  std::ofstream(root / "hardware" / "profiles" / "my-gpu.json") << "{}";
  EXPECT_THROW(default_profile_for(gpu_named("my-gpu", "nvidia", 90)), InputError);
}

TEST(DefaultProfile, TheShippedH100ProfileIsTheCalibratedOne) {
  const HardwareProfile p = default_profile_for(gpu_named("h100-sxm5-80gb", "nvidia", 90));
  EXPECT_EQ(p.gpu, "h100-sxm5-80gb");
  EXPECT_EQ(p.source_details.at("kind"), "microbenchmark-import");
  EXPECT_GT(p.gemm_tables[index_of(Precision::bf16)].size(), 150u);
  EXPECT_FALSE(p.gemm_tables[index_of(Precision::fp16)].empty());
  EXPECT_FALSE(p.gemm_tables[index_of(Precision::fp32)].empty());
  EXPECT_EQ(p.attention.size(), 12u);
  EXPECT_FALSE(p.memory_bandwidth.empty());
  EXPECT_NEAR(p.kernel_launch_overhead_s, 7.11e-6, 0.01e-6);  // launch_100_tiny
  EXPECT_NEAR(p.host_to_device_Bps, 55.1e9, 0.1e9);           // 1 GiB pinned h2d
  EXPECT_NEAR(p.gemm_max_efficiency_frac, 0.79, 0.01);        // best bf16: 782 of 989 TFLOP/s
  EXPECT_NEAR(p.gemm_max_efficiency_for(Precision::fp8), 0.709, 1e-9);
}

}  // namespace
}  // namespace trainsim
