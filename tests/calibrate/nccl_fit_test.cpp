// calibrate/fit/nccl_fit.hpp and `trainsim-calibrate import-nccl-tests`: latency-bandwidth
// fits per collective and size regime, on the synthetic logs of tests/calibrate/data (known
// truths, see its README).
#include "calibrate/fit/nccl_fit.hpp"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim::calibrate {
namespace {

namespace fs = std::filesystem;
using testing::fresh_dir;
using testing::run_calibrate;
using testing::test_data;

const RegimeFit* find_regime(const CollectiveFit& fit, const std::string& name) {
  for (const auto& r : fit.regimes)
    if (r.regime.name == name) return &r;
  return nullptr;
}

const CollectiveFit* find_collective(const std::vector<CollectiveFit>& fits,
                                     const std::string& name) {
  for (const auto& f : fits)
    if (f.collective == name) return &f;
  return nullptr;
}

// alpha (us) and algbw (GB/s) within `tol` (relative) of the truth.
void expect_line(const CollectiveFit& fit, const std::string& regime, double alpha_us,
                 double algbw_GBps, double tol) {
  const RegimeFit* r = find_regime(fit, regime);
  ASSERT_NE(r, nullptr) << fit.collective << " " << regime;
  EXPECT_NEAR(r->line.alpha_s * 1e6, alpha_us, tol * alpha_us) << fit.collective << " " << regime;
  EXPECT_NEAR(r->algbw_Bps / 1e9, algbw_GBps, tol * algbw_GBps) << fit.collective << " " << regime;
}

TEST(LatencyBandwidthFit, RecoversAnExactLine) {
  std::vector<std::pair<double, double>> points;
  for (double s = 1e6; s <= 1e9; s *= 2) points.emplace_back(s, 20e-6 + s / 150e9);
  const auto line = fit_latency_bandwidth(points);
  EXPECT_NEAR(line.alpha_s, 20e-6, 1e-9);
  EXPECT_NEAR(1 / line.s_per_byte, 150e9, 1e3);
}

TEST(LatencyBandwidthFit, IgnoresAnOutlierThatMovesLeastSquares) {
  std::vector<std::pair<double, double>> points;
  for (double s = 1e6; s <= 1e9; s *= 2) points.emplace_back(s, 20e-6 + s / 150e9);
  points[points.size() - 2].second *= 2;  // one slow run
  const auto line = fit_latency_bandwidth(points);
  EXPECT_NEAR(line.alpha_s, 20e-6, 1e-9);
  EXPECT_NEAR(1 / line.s_per_byte, 150e9, 1e3);
}

TEST(LatencyBandwidthFit, KeepsTheLatencyNonNegative) {
  // Points on a line with a negative intercept: the fit goes through the origin instead.
  const std::vector<std::pair<double, double>> points = {{1e6, 1e-5}, {2e6, 3e-5}, {4e6, 7e-5}};
  const auto line = fit_latency_bandwidth(points);
  EXPECT_GE(line.alpha_s, 0);
  EXPECT_GT(line.s_per_byte, 0);
}

TEST(LatencyBandwidthFit, NeedsTwoDistinctSizes) {
  EXPECT_THROW(fit_latency_bandwidth({{1e6, 1e-5}, {1e6, 1.1e-5}}), std::invalid_argument);
  EXPECT_THROW(fit_latency_bandwidth({}), std::invalid_argument);
}

TEST(SizeRegimes, DefaultBoundariesGiveSmallMediumLarge) {
  const auto regimes = make_size_regimes(default_regime_boundaries());
  ASSERT_EQ(regimes.size(), 3u);
  EXPECT_EQ(regimes[0].name, "small");
  EXPECT_EQ(regimes[1].name, "medium");
  EXPECT_EQ(regimes[2].name, "large");
  EXPECT_TRUE(regimes[0].contains(65535));
  EXPECT_TRUE(regimes[1].contains(65536));
  EXPECT_TRUE(regimes[2].contains(16.0 * 1024 * 1024));
  EXPECT_EQ(make_size_regimes({}).front().name, "all");
  EXPECT_EQ(make_size_regimes({1024}).front().name, "below 1 KiB");
}

TEST(SizeRegimes, BoundariesMustIncrease) {
  EXPECT_THROW(make_size_regimes({1e6, 1e3}), InputError);
  EXPECT_THROW(make_size_regimes({0}), InputError);
}

TEST(NcclTestsFit, RecoversTheSyntheticLinesPerRegime) {
  const auto fits =
      fit_nccl_tests_logs({test_data() / "nccl-tests-synthetic" / "all_reduce_perf_8gpu.log",
                           test_data() / "nccl-tests-synthetic" / "all_gather_perf_8gpu.log"},
                          make_size_regimes(default_regime_boundaries()));
  ASSERT_EQ(fits.size(), 2u);
  const CollectiveFit* ar = find_collective(fits, "all_reduce");
  const CollectiveFit* ag = find_collective(fits, "all_gather");
  ASSERT_TRUE(ar && ag);
  EXPECT_EQ(ar->ranks, 8);
  // Logs print times to 0.01 us and carry a 1 % wobble.
  expect_line(*ar, "small", 15, 6, 0.05);
  expect_line(*ar, "medium", 24, 80, 0.03);
  expect_line(*ar, "large", 50, 175, 0.03);  // despite the +50 % row at 128 MiB
  expect_line(*ag, "small", 11, 9, 0.1);
  expect_line(*ag, "medium", 18, 110, 0.03);
  expect_line(*ag, "large", 35, 320, 0.03);
  EXPECT_NEAR(find_regime(*ar, "large")->bus_factor, 1.75, 0.01);
  EXPECT_NEAR(find_regime(*ag, "small")->bus_factor, 0.875, 0.01);  // not from rounded rows
  EXPECT_NEAR(find_regime(*ar, "large")->busbw_Bps / 1e9, 175 * 1.75, 0.03 * 175 * 1.75);
  // The outlier shows in the residuals, not in the line.
  const RegimeFit* large = find_regime(*ar, "large");
  EXPECT_GT(large->max_abs_rel_err, 0.25);
  EXPECT_LT(large->mape, 0.08);
}

TEST(NcclTestsFit, NamesAnUnnamedLogAfterItsFileOrRefusesIt) {
  const auto regimes = make_size_regimes(default_regime_boundaries());
  const auto fits = fit_nccl_tests_logs(
      {test_data() / "nccl-tests-unnamed" / "h100_allgather_run3.log"}, regimes);
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(fits[0].collective, "all_gather");
  try {
    fit_nccl_tests_logs({test_data() / "nccl-tests-unnamed" / "run3.log"}, regimes);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("run3.log"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("collective"), std::string::npos) << e.what();
  }
}

TEST(NcclTestsFit, RegimesWithOneSizeAreReportedNotFitted) {
  std::vector<CollectiveSample> samples = {
      {1024, 1e-5, 1, "a"}, {1e6, 2e-5, 1, "b"}, {2e6, 3e-5, 1, "c"}};
  const auto fit = fit_collective("all_reduce", 2, {"x"}, samples,
                                  make_size_regimes(default_regime_boundaries()));
  ASSERT_EQ(fit.regimes.size(), 1u);
  EXPECT_EQ(fit.regimes[0].regime.name, "medium");
  ASSERT_EQ(fit.notes.size(), 1u);
  EXPECT_NE(fit.notes[0].find("small"), std::string::npos);
}

TEST(NcclJsonlFit, FitsWhatRunWrites) {
  const auto fits = fit_nccl_jsonl(test_data() / "run-synthetic" / "nccl.jsonl",
                                   make_size_regimes(default_regime_boundaries()));
  const CollectiveFit* ar = find_collective(fits, "all_reduce");
  const CollectiveFit* ag = find_collective(fits, "all_gather");
  ASSERT_TRUE(ar && ag);
  expect_line(*ar, "small", 12, 8, 0.03);
  expect_line(*ar, "medium", 20, 90, 0.03);
  expect_line(*ar, "large", 45, 180, 0.03);  // despite the +40 % row at 256 MiB
  expect_line(*ag, "large", 30, 330, 0.03);
}

TEST(NcclJsonlFit, AMalformedRowNamesFileAndLine) {
  const fs::path dir = fresh_dir("nccl_jsonl_bad");
  std::ofstream(dir / "nccl.jsonl")
      << R"({"op": "all_reduce", "ranks": 8, "bytes": 1024, "s_med": 1e-5})"
      << "\n"
      << R"({"op": "all_reduce", "ranks": 8, "bytes": 2048})"
      << "\n";
  try {
    fit_nccl_jsonl(dir / "nccl.jsonl", make_size_regimes(default_regime_boundaries()));
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nccl.jsonl:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("s_med"), std::string::npos) << e.what();
  }
}

TEST(ImportNcclTestsCli, WritesAlphaAndBusbwPerCollectiveAndRegime) {
  const fs::path dir = fresh_dir("import_nccl_tests");
  const auto result = run_calibrate(
      "import-nccl-tests " +
      (test_data() / "nccl-tests-synthetic" / "all_reduce_perf_8gpu.log").string() + " " +
      (test_data() / "nccl-tests-synthetic" / "all_gather_perf_8gpu.log").string() + " -o " +
      (dir / "nccl_fit.json").string());
  ASSERT_EQ(result.status, 0) << result.output;
  // Residuals are printed per size.
  EXPECT_NE(result.output.find("all_reduce (8 ranks)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("128 MiB"), std::string::npos) << result.output;
  const Json json = load_json_file(dir / "nccl_fit.json");
  EXPECT_EQ(json["kind"], "nccl-latency-bandwidth-fit");
  ASSERT_EQ(json["collectives"].size(), 2u);
  for (const Json& c : json["collectives"]) {
    EXPECT_EQ(c["ranks"], 8);
    ASSERT_EQ(c["regimes"].size(), 3u);
    for (const Json& r : c["regimes"]) {
      EXPECT_GT(r["alpha_us"].get<double>(), 5.0);
      EXPECT_GT(r["busbw_GBps"].get<double>(), 1.0);
      EXPECT_TRUE(r.contains("min_bytes") && r.contains("max_bytes") && r.contains("mape"));
    }
  }
  EXPECT_EQ(json["regimes"][2]["max_bytes"], nullptr);  // the last regime is open-ended
}

TEST(ImportNcclTestsCli, CustomRegimesAndErrors) {
  const std::string log =
      (test_data() / "nccl-tests-synthetic" / "all_reduce_perf_8gpu.log").string();
  const auto one = run_calibrate("import-nccl-tests " + log + " --regimes 1048576 -q -o -");
  ASSERT_EQ(one.status, 0) << one.output;
  EXPECT_NE(one.output.find("below 1 MiB"), std::string::npos) << one.output;
  EXPECT_NE(one.output.find("from 1 MiB"), std::string::npos) << one.output;

  EXPECT_EQ(run_calibrate("import-nccl-tests " + log + " --regimes 100,10").status, 2);
  EXPECT_EQ(run_calibrate("import-nccl-tests /no/such/file.log").status, 2);
  const auto unnamed = run_calibrate("import-nccl-tests " +
                                     (test_data() / "nccl-tests-unnamed" / "run3.log").string());
  EXPECT_EQ(unnamed.status, 2) << unnamed.output;
}

}  // namespace
}  // namespace trainsim::calibrate
