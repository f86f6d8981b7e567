// Every input size that could exhaust memory or time is refused up front, naming the field and
// the bound (and why the bound is where it is), or is handled within that bound: one test per
// limit, each on the bundled default scenario changed the way a user would (--set).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/api/trainsim.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/search/search.hpp"

namespace trainsim {
namespace {

// The field the refusal names, or "" when the default scenario with `sets` is predicted.
std::string refused_at(const std::vector<std::string>& sets) {
  try {
    predict(load_scenario(default_scenario_file(), sets));
  } catch (const InputError& e) {
    return e.json_path();
  }
  return "";
}

TEST(ResourceLimits, AModelBeyondEveryPublishedOneIsRefusedNamingItsField) {
  EXPECT_EQ(refused_at({"model.layers=20000"}), "model.layers");
  EXPECT_EQ(refused_at({"model.hidden=300000"}), "model.hidden");
  EXPECT_EQ(refused_at({"model.ffn_hidden=2000000"}), "model.ffn_hidden");
  EXPECT_EQ(refused_at({"model.vocab=5000000"}), "model.vocab");
  EXPECT_EQ(refused_at({"model.heads=20000"}), "model.heads");
}

TEST(ResourceLimits, ASequenceBeyondSixteenMillionTokensIsRefused) {
  EXPECT_EQ(refused_at({"training.seq_len=20000000"}), "training.seq_len");
}

TEST(ResourceLimits, ParallelDegreesAndGpuCountsBeyondAMillionAreRefused) {
  EXPECT_EQ(refused_at({"parallel.tp=2000000"}), "parallel.tp");
  EXPECT_EQ(refused_at({"parallel.pp=2000000"}), "parallel.pp");
  EXPECT_EQ(refused_at({"cluster.nodes=2000000", "cluster.gpus=16000000"}), "cluster");
  // Within the limits, a cluster beyond what its network's switches connect is refused too.
  EXPECT_EQ(
      refused_at({"cluster.nodes=1000000", "parallel.dp=62500", "training.global_batch=62500"}),
      "cluster.nodes");
}

TEST(ResourceLimits, ABatchOfMoreMicroBatchesThanAStepCanHoldIsRefusedBeforeSimulating) {
  // 125 M micro-batches per pipeline would be 4 G tasks: refused naming the batch, not built.
  EXPECT_EQ(refused_at({"training.global_batch=1000000000"}), "training.global_batch");
}

TEST(ResourceLimits, TheDeepestAndLongestModelsWithinTheLimitsArePredicted) {
  // At the limits, a prediction's cost does not grow with layers or sequence (one task per pass).
  EXPECT_EQ(refused_at({"model.layers=10000", "parallel.pp=16"}), "");
  EXPECT_EQ(
      refused_at({"training.seq_len=16777216", "training.global_batch=64", "training.micro_batch=1",
                  "parallel.dp=1", "parallel.tp=8", "parallel.pp=16", "parallel.cp=8"}),
      "");
}

TEST(ResourceLimits, ASweepOfMoreThanAHundredThousandPointsIsRefusedNamingVary) {
  SweepOptions options;
  options.vary.push_back(parse_variation("training.micro_batch=1..1000+1"));
  options.vary.push_back(parse_variation("parallel.vpp=1..1000+1"));
  try {
    sweep(default_scenario_file(), options);
    FAIL() << "a million-point sweep ran";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "--vary");
  }
}

TEST(ResourceLimits, ASearchSpaceTooLargeToFinishIsRefusedNamingTheSettingToPin) {
  // 13,440 GPUs and a batch of ten million sequences: about 10^12 strategies to enumerate.
  const Scenario s = load_scenario(
      default_scenario_file(),
      {"cluster.nodes=1680", "training.global_batch=10080000", "cluster.network.switch_ports=128"});
  try {
    search(s, SearchOptions{});
    FAIL() << "a search of 10^12 strategies ran";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "training.micro_batch");
    EXPECT_NE(std::string(e.what()).find("pin training.micro_batch"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace trainsim
