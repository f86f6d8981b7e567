// calibrate/fit/microbench_import.hpp: a hardware profile derived from the recorded H100
// microbenchmarks (calibrate/data/h100-microbench) reproduces them through ComputeCost.
#include "calibrate/fit/microbench_import.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "calibrate/fit/gpu_peaks.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::calibrate {
namespace {

namespace fs = std::filesystem;

const fs::path kMicrobench = fs::path(TRAINSIM_CALIBRATE_DATA_DIR) / "h100-microbench";

// The H100 SXM5 datasheet numbers, written out so that the test does not depend on the preset.
GpuPeaks h100_peaks() {
  GpuPeaks peaks;
  peaks.gpu = "h100-sxm5-80gb";
  peaks.vendor = "nvidia";
  peaks.compute_capability = 90;
  peaks.sm_count = 132;
  peaks.dense_peak_flops_per_s[index_of(Precision::fp32)] = 66.9e12;
  peaks.dense_peak_flops_per_s[index_of(Precision::tf32)] = 494.7e12;
  peaks.dense_peak_flops_per_s[index_of(Precision::bf16)] = 989.4e12;
  peaks.dense_peak_flops_per_s[index_of(Precision::fp16)] = 989.4e12;
  peaks.dense_peak_flops_per_s[index_of(Precision::fp8)] = 1978.9e12;
  peaks.hbm_Bps = 3350e9;
  peaks.origin = "microbench_import_test";
  return peaks;
}

const MicrobenchImport& h100_import() {
  static const MicrobenchImport result = import_microbench(kMicrobench, h100_peaks());
  return result;
}

// The profile as a reader of the written file sees it (JSON round trip).
ComputeCost h100_cost_from_json() {
  const HardwareProfile profile = parse_profile(profile_to_json(h100_import().profile), "");
  return ComputeCost(to_gpu_spec(h100_peaks()), profile);
}

Precision dtype_precision(const std::string& dtype) {
  if (dtype == "bf16" || dtype == "bfloat16") return Precision::bf16;
  if (dtype == "float16") return Precision::fp16;
  if (dtype == "float32") return Precision::fp32;
  ADD_FAILURE() << "unexpected dtype " << dtype;
  return Precision::bf16;
}

Op gemm_op(Precision p, std::int64_t m, std::int64_t n, std::int64_t k) {
  Op op;
  op.kind = OpKind::gemm;
  op.precision = p;
  op.gemm = {m, n, k, 1};
  op.flops = 2.0 * m * n * k;
  return op;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("trainsim_import_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A copy of the recorded microbench with `file` replaced by `text`.
fs::path microbench_with(const std::string& name, const std::string& file,
                         const std::string& text) {
  const fs::path dir = fresh_dir(name);
  for (const auto& entry : fs::directory_iterator(kMicrobench))
    fs::copy_file(entry.path(), dir / entry.path().filename());
  std::ofstream(dir / file, std::ios::trunc) << text;
  return dir;
}

InputError import_error(const fs::path& dir) {
  try {
    import_microbench(dir, h100_peaks());
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an InputError importing " << dir;
  return InputError("", "");
}

// ---- reproduction ---------------------------------------------------------------------------

TEST(MicrobenchImport, ReproducesEveryGemmShapeWithinOnePercent) {
  // Read gemm.jsonl independently of the importer; a shape measured several times (fwd / dgrad /
  // wgrad layouts, square runs) is compared with its mean time.
  std::map<std::tuple<Precision, std::int64_t, std::int64_t, std::int64_t>, std::pair<double, int>>
      measured;
  for (const JsonlRow& row : read_jsonl(kMicrobench / "gemm.jsonl")) {
    const Json& v = row.value;
    auto& [sum, count] = measured[{dtype_precision(v.at("dtype")), v.at("m").get<std::int64_t>(),
                                   v.at("n").get<std::int64_t>(), v.at("k").get<std::int64_t>()}];
    sum += v.at("s_med").get<double>();
    ++count;
  }
  ASSERT_GT(measured.size(), 190u);

  const ComputeCost cost = h100_cost_from_json();
  double worst = 0;
  for (const auto& [shape, time] : measured) {
    const auto& [p, m, n, k] = shape;
    const double measured_s = time.first / time.second;
    const double predicted_s = cost.estimate_s(gemm_op(p, m, n, k));
    EXPECT_NEAR(predicted_s / measured_s, 1.0, 0.01)
        << m << "x" << n << "x" << k << " " << name_of(p);
    worst = std::max(worst, std::fabs(predicted_s / measured_s - 1));
  }
  RecordProperty("gemm_shapes_max_rel_err", std::to_string(worst));
}

TEST(MicrobenchImport, ReproducesFlashAttentionForwardAndBackward) {
  const ComputeCost cost = h100_cost_from_json();
  for (const JsonlRow& row : read_jsonl(kMicrobench / "sdpa.jsonl")) {
    const Json& v = row.value;
    const std::int64_t b = v.at("b"), heads = v.at("heads"), s = v.at("s"), d = v.at("d");
    Op op;
    op.kind = OpKind::attention;
    op.attention = {b, heads, heads, s, s, d, true};
    // models/op.hpp's convention: executed FLOPs, causal counts half the score matrix...
    const double forward_flops = 4.0 * b * heads * static_cast<double>(s) * s * d / 2;
    // ...which is what sdpa.jsonl's tflops_fwd counted.
    EXPECT_NEAR(v.at("tflops_fwd").get<double>() * 1e12 * v.at("s_fwd").get<double>(),
                forward_flops, 1e-6 * forward_flops);
    op.pass = Pass::forward;
    op.flops = forward_flops;
    const double fwd_s = cost.estimate_s(op);
    op.pass = Pass::backward;
    op.flops = 2.5 * forward_flops;  // FlashAttention convention: backward = 2.5 x forward
    const double bwd_s = cost.estimate_s(op);

    EXPECT_NEAR(fwd_s / v.at("s_fwd").get<double>(), 1.0, 0.01) << "line " << row.line;
    EXPECT_NEAR((fwd_s + bwd_s) / v.at("s_fwd_bwd").get<double>(), 1.0, 0.01)
        << "line " << row.line;
  }
}

TEST(MicrobenchImport, ReproducesLargeCopiesAndTakesTheLaunchOverhead) {
  const MicrobenchImport& result = h100_import();
  EXPECT_NEAR(result.profile.kernel_launch_overhead_s, 7.11184e-6, 1e-11);
  EXPECT_NEAR(result.profile.host_to_device_Bps, 55.0932e9, 1e5);  // 1 GiB pinned h2d
  const ComputeCost cost = h100_cost_from_json();
  // 4 GiB device-to-device copy: 8 GiB of traffic in 2.876 ms (copy) / 2.888 ms (add).
  Op copy;
  copy.kind = OpKind::memory_bound;
  copy.bytes = 2.0 * 4294967296.0;
  EXPECT_NEAR(cost.estimate_s(copy) / ((0.0028761599063873294 + 0.002887935996055603) / 2), 1.0,
              1e-3);
  EXPECT_LT(result.copy.mean_abs_rel_err, 0.03);
  EXPECT_NEAR(result.profile.memory_bandwidth_efficiency_frac, 0.89, 0.01);
}

TEST(MicrobenchImport, RecordsItsConventionsAndAgreementInTheSourceBlock) {
  const MicrobenchImport& result = h100_import();
  const Json& source = result.profile.source_details;
  EXPECT_EQ(source.at("kind"), "microbenchmark-import");
  EXPECT_EQ(source.at("peaks").at("dense_peak_TFLOPs").at("bf16"), 989.4);
  EXPECT_EQ(source.at("inputs").at("rows").at("gemm.jsonl"), 309);
  EXPECT_EQ(source.at("environment").at("gpu"), "NVIDIA H100 80GB HBM3");
  EXPECT_NE(source.at("conventions").dump().find("causal masking already halved"),
            std::string::npos);
  EXPECT_LT(source.at("agreement").at("gemm_shapes").at("max_abs_rel_err").get<double>(), 0.01);
  EXPECT_TRUE(source.at("agreement").contains("gemm_bf16_leave_one_out"));
  EXPECT_TRUE(source.at("agreement").contains("norm_validation"));
  EXPECT_NE(source.at("external").dump().find("MAMF"), std::string::npos);
}

TEST(MicrobenchImport, TablesCoverEveryMeasuredPrecisionAndFp8ComesFromItsSource) {
  const HardwareProfile& p = h100_import().profile;
  EXPECT_EQ(p.gemm_tables[index_of(Precision::fp16)].size(), 7u);  // square runs
  EXPECT_EQ(p.gemm_tables[index_of(Precision::fp32)].size(), 7u);
  EXPECT_GT(p.gemm_tables[index_of(Precision::bf16)].size(), 180u);
  EXPECT_TRUE(p.gemm_tables[index_of(Precision::fp8)].empty());
  EXPECT_TRUE(p.gemm_tables[index_of(Precision::tf32)].empty());
  EXPECT_DOUBLE_EQ(p.gemm_max_efficiency_for(Precision::fp8), 0.709);
  // fp32 matmuls ran without TF32 (PyTorch's default): ~53 of 66.9 TFLOP/s.
  EXPECT_NEAR(p.gemm_max_efficiency_for(Precision::fp32), 0.79, 0.02);
  EXPECT_NEAR(p.gemm_max_efficiency_frac, 0.788, 0.005);  // 782 TFLOP/s best bf16
  for (const auto& point : p.attention) {
    EXPECT_GT(point.forward_frac, 0.2);
    EXPECT_LT(point.forward_frac, 0.65);
  }
}

TEST(MicrobenchImport, InterpolationGeneralisesToUnmeasuredShapes) {
  // Each bf16 shape predicted from a table without it: the interpolation's out-of-sample error.
  const Agreement& loo = h100_import().gemm_bf16_leave_one_out;
  EXPECT_GT(loo.count, 180u);
  EXPECT_LT(loo.mean_abs_rel_err, 0.10);
}

TEST(MicrobenchImport, WithoutOptionalFilesKeepsTheDatasheetDefaultsForThoseParts) {
  const fs::path dir = fresh_dir("gemm_only");
  fs::copy_file(kMicrobench / "gemm.jsonl", dir / "gemm.jsonl");
  const MicrobenchImport result = import_microbench(dir, h100_peaks());
  EXPECT_TRUE(result.profile.attention.empty());
  EXPECT_TRUE(result.profile.memory_bandwidth.empty());
  EXPECT_DOUBLE_EQ(result.profile.memory_bandwidth_efficiency_frac, 0.89);  // Hopper default
  EXPECT_FALSE(result.profile.gemm_tables[index_of(Precision::bf16)].empty());
}

// ---- errors ---------------------------------------------------------------------------------

TEST(MicrobenchImportErrors, AMalformedLineNamesTheFileAndLine) {
  const fs::path dir = microbench_with(
      "malformed", "gemm.jsonl",
      "{\"m\": 2048, \"n\": 2048, \"k\": 2048, \"dtype\": \"bf16\", \"s_med\": 4e-05}\n"
      "\n"
      "{\"m\": 2048, \"n\": 2048, \"k\": 2048, \"dtype\": \"bf16\", \"s_med\": }\n");
  const InputError e = import_error(dir);
  EXPECT_EQ(e.json_path(), (dir / "gemm.jsonl").string() + ":3");
  EXPECT_NE(std::string(e.what()).find("malformed JSON"), std::string::npos) << e.what();
}

TEST(MicrobenchImportErrors, AMissingFieldNamesTheFileLineAndField) {
  const fs::path dir = microbench_with(
      "missing_field", "sdpa.jsonl",
      "{\"b\": 1, \"heads\": 16, \"s\": 16384, \"d\": 128, \"s_fwd\": 0.0018, \"s_fwd_bwd\": "
      "0.0068}\n"
      "{\"b\": 1, \"heads\": 16, \"d\": 128, \"s_fwd\": 0.0018, \"s_fwd_bwd\": 0.0068}\n");
  const InputError e = import_error(dir);
  EXPECT_EQ(e.json_path(), (dir / "sdpa.jsonl").string() + ":2");
  EXPECT_NE(std::string(e.what()).find("s: required field is missing"), std::string::npos)
      << e.what();
}

TEST(MicrobenchImportErrors, WrongValuesNameTheFileAndLine) {
  struct Case {
    const char* file;
    const char* line;
    const char* message;
  };
  for (const Case& c : {
           Case{"gemm.jsonl", R"({"m": 64, "n": 64, "k": 64, "dtype": "int4", "s_med": 1e-5})",
                "unknown dtype 'int4'"},
           Case{"gemm.jsonl", R"({"m": -64, "n": 64, "k": 64, "dtype": "bf16", "s_med": 1e-5})",
                "m: must be a positive integer"},
           Case{"copy.jsonl", R"({"op": "d2d_copi", "bytes": 1048576, "s_med": 2e-5})",
                "did you mean: d2d_copy"},
           Case{"copy.jsonl", R"([1, 2, 3])", "one JSON object per line"},
           Case{"sdpa.jsonl",
                R"({"b": 1, "heads": 16, "s": 1024, "d": 128, "s_fwd": 2e-4, "s_fwd_bwd": 1e-4})",
                "must exceed s_fwd"},
           // 2 TFLOP in 10 us: faster than the 989 TFLOP/s peak.
           Case{"gemm.jsonl",
                R"({"m": 10000, "n": 10000, "k": 10000, "dtype": "bf16", "s_med": 1e-5})",
                "faster than the dense peak"},
       }) {
    const fs::path dir = microbench_with("bad_value", c.file, std::string(c.line) + "\n");
    const InputError e = import_error(dir);
    EXPECT_EQ(e.json_path(), (dir / c.file).string() + ":1") << c.line;
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
        << "expected '" << c.message << "' in: " << e.what();
  }
}

TEST(MicrobenchImportErrors, GemmFileIsRequired) {
  const fs::path dir = fresh_dir("empty");
  const InputError e = import_error(dir);
  EXPECT_EQ(e.json_path(), (dir / "gemm.jsonl").string());
}

// ---- GPU peaks ------------------------------------------------------------------------------

TEST(GpuPeaks, ReadsTheNumbersACalibrationNeedsFromAPreset) {
  const Json preset = Json::parse(R"({
    "vendor": "nvidia", "compute_capability": 90, "sm_count": 132,
    "dense_peak_TFLOPs": {"fp32": 66.9, "bf16": 989.4, "fp8": 1978.9},
    "hbm_GBps": 3350, "nvlink_GBps_per_direction": 450
  })");
  const GpuPeaks peaks = parse_gpu_peaks(preset, "h100-sxm5-80gb", "preset");
  EXPECT_EQ(peaks.gpu, "h100-sxm5-80gb");
  EXPECT_EQ(peaks.sm_count, 132);
  EXPECT_DOUBLE_EQ(peaks.dense_peak_flops_per_s[index_of(Precision::bf16)], 989.4e12);
  EXPECT_DOUBLE_EQ(peaks.dense_peak_flops_per_s[index_of(Precision::tf32)], 0);
  EXPECT_DOUBLE_EQ(peaks.hbm_Bps, 3350e9);
  const GpuSpec spec = to_gpu_spec(peaks);
  EXPECT_DOUBLE_EQ(spec.peak_flops_per_s(Precision::fp8), 1978.9e12);
}

TEST(GpuPeaks, ErrorsNameTheField) {
  const Json preset = Json::parse(R"({"dense_peak_TFLOPs": {"bf61": 989.4}, "hbm_GBps": 3350})");
  try {
    parse_gpu_peaks(preset, "x", "preset");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "preset.dense_peak_TFLOPs.bf61");
  }
  EXPECT_THROW(parse_gpu_peaks(Json::parse(R"({"dense_peak_TFLOPs": {}})"), "x", "preset"),
               InputError);
}

// ---- the program ----------------------------------------------------------------------------

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(TrainsimCalibrate, RegeneratesTheShippedH100Profile) {
  const fs::path out = fresh_dir("cli") / "h100.json";
  ASSERT_EQ(run(std::string(TRAINSIM_CALIBRATE_CLI) + " import-microbench " + kMicrobench.string() +
                " --gpu h100-sxm5-80gb -o " + out.string() + " 2>/dev/null"),
            0);
  Json produced = load_json_file(out);
  Json shipped = load_json_file(data_root() / "hardware" / "profiles" / "h100-sxm5-80gb.json");
  // Only the command line and the input directory as typed may differ.
  for (Json* j : {&produced, &shipped}) {
    (*j)["source"].erase("command");
    (*j)["source"]["inputs"].erase("directory");
  }
  EXPECT_EQ(produced, shipped) << "hardware/profiles/h100-sxm5-80gb.json is stale: regenerate it "
                                  "with the command in hardware/profiles/README.md";
}

TEST(TrainsimCalibrate, InvalidInputExitsWithStatus2) {
  const fs::path dir = microbench_with("cli_bad", "copy.jsonl", "{\"op\": 3}\n");
  EXPECT_EQ(run(std::string(TRAINSIM_CALIBRATE_CLI) + " import-microbench " + dir.string() +
                " --gpu h100-sxm5-80gb -o " + (dir / "out.json").string() + " 2>/dev/null"),
            2);
  EXPECT_EQ(run(std::string(TRAINSIM_CALIBRATE_CLI) + " import-microbench " + dir.string() +
                " --gpu no-such-gpu -o " + (dir / "out.json").string() + " 2>/dev/null"),
            2);
}

}  // namespace
}  // namespace trainsim::calibrate
