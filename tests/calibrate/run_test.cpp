// `trainsim-calibrate run` without a GPU: built without CUDA it says so; built with CUDA it finds
// no device (CUDA_VISIBLE_DEVICES is emptied so that the test behaves the same on a GPU
// machine). Either way it exits with status 2 and writes no measurements.
#include <gtest/gtest.h>

#include "cli_runner.hpp"

namespace trainsim::calibrate {
namespace {

namespace fs = std::filesystem;
using testing::fresh_dir;
using testing::run_calibrate;

TEST(RunCli, WithoutAGpuExitsWith2) {
  const fs::path dir = fresh_dir("run_no_gpu");
  const auto result =
      run_calibrate("run --quick -o " + (dir / "out").string(), "CUDA_VISIBLE_DEVICES=");
  EXPECT_EQ(result.status, 2) << result.output;
#if TRAINSIM_CALIBRATE_BUILT_WITH_CUDA
  EXPECT_NE(result.output.find("trainsim-calibrate: no CUDA GPU found (no device)"),
            std::string::npos)
      << result.output;
#else
  EXPECT_NE(result.output.find("trainsim-calibrate: no CUDA GPU found (built without CUDA)"),
            std::string::npos)
      << result.output;
#endif
  EXPECT_FALSE(fs::exists(dir / "out" / "gemm.jsonl"));
}

TEST(RunCli, HelpListsTheOptions) {
  const auto result = run_calibrate("run --help");
  EXPECT_EQ(result.status, 0) << result.output;
  for (const char* option : {"--quick", "-o", "--device", "--no-nccl"})
    EXPECT_NE(result.output.find(option), std::string::npos) << option;
}

}  // namespace
}  // namespace trainsim::calibrate
