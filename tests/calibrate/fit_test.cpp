// `trainsim-calibrate fit`: the directory `run` writes → hardware profile (through the
// microbenchmark importer) + NCCL fit, with residuals; then `check` on the fitted profile. Runs on
// the synthetic run-synthetic/ fixture of tests/calibrate/data.
#include <set>
#include <tuple>

#include <gtest/gtest.h>

#include "calibrate/fit/gpu_peaks.hpp"
#include "calibrate/fit/microbench_import.hpp"
#include "cli_runner.hpp"
#include "hardware/profile.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim::calibrate {
namespace {

namespace fs = std::filesystem;
using testing::fresh_dir;
using testing::read_text;
using testing::run_calibrate;
using testing::test_data;

const fs::path kRun = test_data() / "run-synthetic";

GpuPeaks h100_preset() {
  return load_gpu_peaks(gpu_preset_path("h100-sxm5-80gb"));
}

// Distinct (dtype, m, n, k) of a gemm.jsonl.
std::size_t distinct_shapes(const fs::path& file) {
  std::set<std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t>> shapes;
  for (const JsonlRow& row : read_jsonl(file))
    shapes.emplace(row.value["dtype"].get<std::string>(), row.value["m"].get<std::int64_t>(),
                   row.value["n"].get<std::int64_t>(), row.value["k"].get<std::int64_t>());
  return shapes.size();
}

TEST(FitImport, ReadsEverythingRunWrites) {
  const MicrobenchImport result = import_microbench(kRun, h100_preset());
  const HardwareProfile& p = result.profile;
  for (const Precision precision :
       {Precision::bf16, Precision::fp16, Precision::tf32, Precision::fp8})
    EXPECT_FALSE(p.gemm_tables[index_of(precision)].empty()) << name_of(precision);
  EXPECT_EQ(result.gemm_shape_residuals.size(), distinct_shapes(kRun / "gemm.jsonl"));
  EXPECT_DOUBLE_EQ(p.kernel_launch_overhead_s, 2.5e-6);
  EXPECT_EQ(p.memory_bandwidth.size(), 3u);       // d2d_copy sizes
  EXPECT_EQ(result.memory_validation.count, 6u);  // d2d_read / d2d_write, not fitted
  EXPECT_EQ(result.norm_by_op.size(), 5u);
  EXPECT_GT(p.host_to_device_Bps, 40e9);
  // In sample, the table reproduces each shape's mean time.
  EXPECT_LT(result.gemm_shapes.max_abs_rel_err, 0.01);
  // Leave-one-out errors are known for the bf16 shapes only.
  for (const GemmShapeResidual& r : result.gemm_shape_residuals)
    EXPECT_EQ(r.leave_one_out_s > 0, r.precision == Precision::bf16) << r.label;
  // The run's tool is named in the provenance instead of torch.
  EXPECT_NE(p.source.find("trainsim-calibrate run"), std::string::npos) << p.source;
  EXPECT_EQ(p.source.find("torch"), std::string::npos) << p.source;
}

TEST(FitImport, ShapesWithinOneLaunchOfThePeakAreLeftOutNotRejected) {
  // Raw cuBLASLt timings of tiny products can come within one launch overhead of the peak time:
  // their efficiency is not measurable, but they are no reason to reject the run.
  const fs::path dir = fresh_dir("fit_within_launch");
  std::ofstream(dir / "copy.jsonl")
      << R"({"op": "launch_100_tiny", "s_med": 2.5e-4, "s_per_launch": 2.5e-6})"
      << "\n"
      << R"({"op": "d2d_copy", "bytes": 1048576, "s_med": 2.6e-6})"
      << "\n"
      << R"({"op": "d2d_copy", "bytes": 268435456, "s_med": 1.8e-4})"
      << "\n";
  std::ofstream(dir / "gemm.jsonl")
      << R"({"m": 512, "n": 512, "k": 512, "dtype": "bf16", "s_med": 2.6e-6})"
      << "\n"
      << R"({"m": 4096, "n": 4096, "k": 4096, "dtype": "bf16", "s_med": 2.0e-4})"
      << "\n";
  const MicrobenchImport result = import_microbench(dir, h100_preset());
  ASSERT_EQ(result.profile.gemm_tables[index_of(Precision::bf16)].size(), 1u);
  EXPECT_EQ(result.profile.gemm_tables[index_of(Precision::bf16)][0].m, 4096);
  ASSERT_EQ(result.profile.memory_bandwidth.size(), 1u);
  std::string notes;
  for (const auto& n : result.notes) notes += n + "\n";
  EXPECT_NE(notes.find("512x512x512 bf16"), std::string::npos) << notes;
  EXPECT_NE(notes.find("left out of the bandwidth curve"), std::string::npos) << notes;
}

TEST(FitCli, WritesTheProfileTheNcclFitAndResiduals) {
  const fs::path dir = fresh_dir("fit_cli");
  const auto result = run_calibrate("fit " + kRun.string() + " --gpu h100-sxm5-80gb -o " +
                                    (dir / "profile.json").string());
  ASSERT_EQ(result.status, 0) << result.output;
  // Residual summary per precision and the worst shapes.
  for (const char* text :
       {"GEMM fit residuals per precision", "  bf16 ", "  fp8 ", "  tf32 ", "leave-one-out",
        "worst 20", "NCCL latency-bandwidth fit", "all_reduce (8 ranks)"})
    EXPECT_NE(result.output.find(text), std::string::npos) << text << "\n" << result.output;

  const HardwareProfile profile = load_profile(dir / "profile.json");
  EXPECT_EQ(profile.gpu, "h100-sxm5-80gb");
  EXPECT_FALSE(profile.gemm_tables[index_of(Precision::fp8)].empty());

  // The NCCL fit lands beside the profile.
  const Json nccl = load_json_file(dir / "profile.nccl_fit.json");
  ASSERT_EQ(nccl["collectives"].size(), 2u);
  const Json& ar = nccl["collectives"][0];
  EXPECT_EQ(ar["collective"], "all_reduce");
  EXPECT_NEAR(ar["regimes"][2]["alpha_us"].get<double>(), 45, 1.5);
  EXPECT_NEAR(ar["regimes"][2]["busbw_GBps"].get<double>(), 180 * 1.75, 6);
}

TEST(FitCli, AllShapesAndExplicitNcclOutput) {
  const fs::path dir = fresh_dir("fit_cli_all");
  const auto result = run_calibrate("fit " + kRun.string() + " --gpu h100-sxm5-80gb -o " +
                                    (dir / "p.json").string() + " --nccl-output " +
                                    (dir / "n.json").string() + " --all-shapes");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("GEMM shapes:"), std::string::npos);
  std::size_t shape_lines = 0;
  for (std::size_t at = result.output.find(" us "); at != std::string::npos;
       at = result.output.find(" us ", at + 1))
    ++shape_lines;
  // Every shape is listed (2 " us " per line), more than the default 20.
  EXPECT_GE(shape_lines / 2, distinct_shapes(kRun / "gemm.jsonl")) << result.output;
  EXPECT_TRUE(fs::exists(dir / "n.json"));
  EXPECT_FALSE(fs::exists(dir / "p.nccl_fit.json"));
}

TEST(FitCli, FittedProfileGoesThroughCheck) {
  const fs::path dir = fresh_dir("fit_then_check");
  ASSERT_EQ(run_calibrate("fit " + kRun.string() + " --gpu h100-sxm5-80gb -o " +
                          (dir / "profile.json").string())
                .status,
            0);
  const auto check =
      run_calibrate("check " + kRun.string() + " --profile " + (dir / "profile.json").string());
  EXPECT_EQ(check.status, 0) << check.output;
  EXPECT_NE(check.output.find("gemm"), std::string::npos) << check.output;
}

TEST(FitCli, InvalidInputExitsWith2) {
  const fs::path dir = fresh_dir("fit_invalid");
  EXPECT_EQ(
      run_calibrate("fit " + dir.string() + " --gpu h100-sxm5-80gb -o " + (dir / "p.json").string())
          .status,
      2);  // no gemm.jsonl
  std::ofstream(dir / "gemm.jsonl") << read_text(kRun / "gemm.jsonl");
  std::ofstream(dir / "nccl.jsonl") << "{\"op\": \"all_reduce\"}\n";
  const auto bad = run_calibrate("fit " + dir.string() + " --gpu h100-sxm5-80gb -o " +
                                 (dir / "p.json").string());
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("nccl.jsonl:1"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace trainsim::calibrate
