// A whole training run from one step (training_run.hpp): steps, time and GPU-hours follow from
// the tokens, cost from the price (stated, else prices.json), and energy lies between every GPU
// waiting and every GPU computing, times the PUE.
#include "sim/parallel/training_run.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace trainsim
