// A whole training run from one step (training_run.hpp): steps, time and GPU-hours follow from
// the tokens, cost from the price (stated, else prices.json), and energy lies between every GPU
// waiting and every GPU computing, times the PUE.
#include "sim/parallel/training_run.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "scenario_fixture.hpp"
#include "sim/parallel/predict.hpp"

namespace trainsim {
namespace {

using testing::refusal;
using testing::scenario_from;
using testing::small_gpt_scenario;

Json with_tokens(double tokens) {
  Json j = small_gpt_scenario();
  j["training"]["tokens"] = tokens;
  return j;
}

TEST(TrainingRun, NoTokensNoRun) {
  EXPECT_FALSE(predict_step(scenario_from(small_gpt_scenario())).run.has_value());
}

TEST(TrainingRun, StepsTimeAndGpuHoursFollowFromTheTokens) {
  const Scenario s = scenario_from(with_tokens(1e9));
  const StepPrediction p = predict_step(s);
  ASSERT_TRUE(p.run);
  const double steps = 1e9 / (64.0 * 1024);
  EXPECT_DOUBLE_EQ(p.run->steps, steps);
  EXPECT_DOUBLE_EQ(p.run->time_to_train_s, steps * p.step_time_s);
  EXPECT_DOUBLE_EQ(p.run->gpu_hours, steps * p.step_time_s * 16 / 3600);
}

TEST(TrainingRun, CostUsesTheStatedPriceElseTheGpusDefault) {
  const StepPrediction by_default = predict_step(scenario_from(with_tokens(1e9)));
  ASSERT_TRUE(by_default.run->cost_usd);
  EXPECT_DOUBLE_EQ(*by_default.run->gpu_hour_usd, 1.30);  // prices.json: a100-sxm4-80gb
  Json stated = with_tokens(1e9);
  stated["cluster"]["gpu_hour_usd"] = 2.5;
  const StepPrediction p = predict_step(scenario_from(stated));
  EXPECT_DOUBLE_EQ(*p.run->cost_usd, p.run->gpu_hours * 2.5);
}

TEST(TrainingRun, EnergyLiesBetweenAllWaitingAndAllComputingTimesThePue) {
  Json j = with_tokens(1e9);
  j["cluster"]["pue"] = 1.5;
  const Scenario s = scenario_from(j);
  const StepPrediction p = predict_step(s);
  ASSERT_TRUE(p.run->energy_mwh);
  const double hours = p.run->time_to_train_s / 3600;
  const double rest_of_node_W = 6500 - 8 * 400;  // DGX A100: 6.5 kW max, 8 x 400 W GPUs
  const double low_W = 1.5 * (16 * 400 * kWaitingPowerFractionOfTdp + 2 * rest_of_node_W);
  const double high_W = 1.5 * (16 * 400 + 2 * rest_of_node_W);
  EXPECT_GT(*p.run->energy_mwh, low_W * hours / 1e6);
  EXPECT_LT(*p.run->energy_mwh, high_W * hours / 1e6);
  EXPECT_DOUBLE_EQ(*p.run->energy_mwh, *p.run->average_power_W * hours / 1e6);
}

TEST(TrainingRun, AGpuWithoutPriceOrPowerHasNoCostOrEnergy) {
  Json j = with_tokens(1e9);
  j["cluster"]["gpu"] = "mi300x";
  j["cluster"]["node"] = Json::parse(R"({"gpus_per_node": 8, "nics_per_node": 8,
                                         "nic_Gbps": 400})");
  const StepPrediction p = predict_step(scenario_from(j));
  ASSERT_TRUE(p.run);
  EXPECT_FALSE(p.run->cost_usd);
  EXPECT_TRUE(p.run->energy_mwh) << "the MI300X preset states its 750 W";
}

TEST(TrainingRun, ImpossibleSettingsAreRefusedNamingTheField) {
  Json pue = with_tokens(1e9);
  pue["cluster"]["pue"] = 0.8;
  EXPECT_NE(refusal(pue).find("cluster.pue"), std::string::npos) << refusal(pue);
  Json price = with_tokens(1e9);
  price["cluster"]["gpu_hour_usd"] = -1;
  EXPECT_NE(refusal(price).find("cluster.gpu_hour_usd"), std::string::npos);
  EXPECT_NE(refusal(with_tokens(0)).find("training.tokens"), std::string::npos);
}

Json with_failures(double tokens, double storage_GBps, double mtbf_hours) {
  Json j = with_tokens(tokens);
  j["cluster"]["storage_GBps"] = storage_GBps;
  j["cluster"]["gpu_mtbf_hours"] = mtbf_hours;
  j["cluster"]["restart_minutes"] = 10;
  return j;
}

TEST(Checkpoints, DalysIntervalMinimisesTheExpectedWallTime) {
  const double write_s = 60, mtbf_s = 36000;
  const double r = write_s / (2 * mtbf_s);  // Daly (2006), eq. 37, for write_s < 2 MTBF
  const double daly = std::sqrt(2 * write_s * mtbf_s) * (1 + std::sqrt(r) / 3 + r / 9) - write_s;
  const double tau = optimal_checkpoint_interval_s(write_s, mtbf_s);
  EXPECT_NEAR(tau, daly, 1e-9 * daly);
  EXPECT_NEAR(tau, std::sqrt(2 * write_s * mtbf_s), 0.05 * tau);  // Young's first order
  const double best = expected_wall_time_s(1e6, tau, write_s, 600, mtbf_s);
  for (double factor : {0.5, 0.8, 0.95, 1.05, 1.25, 2.0})
    EXPECT_GT(expected_wall_time_s(1e6, factor * tau, write_s, 600, mtbf_s), best) << factor;
  EXPECT_DOUBLE_EQ(optimal_checkpoint_interval_s(3 * mtbf_s, mtbf_s), mtbf_s);  // beyond 2 MTBF
}

TEST(Checkpoints, FailuresLengthenTheRunAndHurtMoreOnMoreGpus) {
  const StepPrediction p = predict_step(scenario_from(with_failures(1e11, 50, 5000)));
  ASSERT_TRUE(p.run && p.run->resilience);
  const Resilience& r = *p.run->resilience;
  EXPECT_DOUBLE_EQ(r.failure_free_s, p.run->steps * p.step_time_s);
  EXPECT_NEAR(p.run->time_to_train_s,
              r.failure_free_s + r.checkpoint_overhead_s + r.failure_overhead_s,
              1e-9 * p.run->time_to_train_s);
  EXPECT_DOUBLE_EQ(r.goodput, r.failure_free_s / p.run->time_to_train_s);
  EXPECT_DOUBLE_EQ(r.job_mtbf_s, 5000 * 3600 / 16.0);
  EXPECT_DOUBLE_EQ(r.restart_s, 600 + r.checkpoint_write_s);
  EXPECT_DOUBLE_EQ(p.run->gpu_hours, p.run->time_to_train_s * 16 / 3600);
  // 1.0e9-ish parameters at 14 bytes (16-bit weights, fp32 master weights, Adam m and v).
  const Scenario s = scenario_from(small_gpt_scenario());
  EXPECT_DOUBLE_EQ(r.checkpoint_bytes, s.model.total_params() * 14);
  EXPECT_DOUBLE_EQ(r.checkpoint_write_s, r.checkpoint_bytes / 50e9);

  Json more_gpus = with_failures(1e11, 50, 5000);
  more_gpus["cluster"]["nodes"] = 8;
  const StepPrediction wide = predict_step(scenario_from(more_gpus));
  EXPECT_LT(wide.run->resilience->goodput, r.goodput);
  const StepPrediction reliable = predict_step(scenario_from(with_failures(1e11, 50, 5e9)));
  EXPECT_GT(reliable.run->resilience->goodput, r.goodput);
  EXPECT_GT(reliable.run->resilience->goodput, 0.99);
}

TEST(Checkpoints, AJobFailingFasterThanItCheckpointsIsInfeasibleNotInfinite) {
  // 16 GPUs failing every 0.36 s between them, with checkpoints of about a minute: Daly's
  // expected time overflows; the run is refused, naming what to raise.
  try {
    predict_step(scenario_from(with_failures(1e11, 0.1, 0.0016)));
    FAIL() << "no progress is possible";
  } catch (const InfeasibleError& e) {
    EXPECT_NE(std::string(e.what()).find("cluster.gpu_mtbf_hours"), std::string::npos);
  }
}

TEST(Checkpoints, TheFailureModelNeedsBothStorageAndMtbf) {
  Json storage_only = with_tokens(1e9);
  storage_only["cluster"]["storage_GBps"] = 100;
  EXPECT_NE(refusal(storage_only).find("cluster.gpu_mtbf_hours"), std::string::npos);
  Json mtbf_only = with_tokens(1e9);
  mtbf_only["cluster"]["gpu_mtbf_hours"] = 50000;
  EXPECT_NE(refusal(mtbf_only).find("cluster.storage_GBps"), std::string::npos);
  Json restart_only = with_tokens(1e9);
  restart_only["cluster"]["restart_minutes"] = 5;
  EXPECT_NE(refusal(restart_only).find("cluster.restart_minutes"), std::string::npos);
  Json negative = with_failures(1e9, 100, 50000);
  negative["cluster"]["restart_minutes"] = -1;
  EXPECT_NE(refusal(negative).find("cluster.restart_minutes"), std::string::npos);
  EXPECT_FALSE(predict_step(scenario_from(with_tokens(1e9))).run->resilience.has_value());
}

}  // namespace
}  // namespace trainsim
