// `trainsim explain` and `trainsim compare` as users run them: the same content as table and
// JSON, compare's part differences summing to the step difference, and bad input refused with
// exit 2 naming what to fix.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/core/json_fields.hpp"
#include "tests/cli/cli_run.hpp"

namespace trainsim {
namespace {

using test::trainsim;

TEST(ExplainCli, TableAndJsonSayTheSame) {
  const auto table = trainsim("explain");
  ASSERT_EQ(table.status, 0) << table.err;
  const auto json_run = trainsim("explain --format json");
  ASSERT_EQ(json_run.status, 0) << json_run.err;
  const Json j = Json::parse(json_run.out);
  EXPECT_NE(table.out.find("Where the time goes"), std::string::npos);
  for (const Json& e : j["communication"]) {
    const std::string sentence = e["sentence"].get<std::string>();
    EXPECT_NE(table.out.find(sentence), std::string::npos) << sentence;
  }
  ASSERT_FALSE(j["suggestions"].empty());
  for (const Json& s : j["suggestions"]) {
    const std::string sentence = s["sentence"].get<std::string>();
    EXPECT_NE(table.out.find(sentence), std::string::npos) << sentence;
    double sum = 0;
    for (const auto& [part, delta] : s["differences_s"].items()) sum += delta.get<double>();
    EXPECT_NEAR(-sum, s["gain_s"].get<double>(), 1e-9);
  }
  EXPECT_EQ(trainsim("explain").out, table.out) << "byte-identical on the same input";
}

TEST(ExplainCli, ATransferExposedWholeIsNotCalledLongerThanItself) {
  // DeepSpeed 2021's ZeRO-3 on one pipeline stage: every gather blocks, so all of the data
  // parallel time is exposed, and none of it is waiting for another stage.
  const auto run = trainsim(
      "explain --set model=gpt3-1.3b --set cluster.nodes=2 --set parallel.tp=1 "
      "--set parallel.pp=1 --set parallel.dp=16 --set parallel.zero=3 "
      "--set parallel.zero3_prefetch=false --set parallel.zero3_gather=per_tensor "
      "--set parallel.zero3_grad_reduce=all_reduce --set training.recompute=full "
      "--set training.framework=deepspeed "
      "--set training.precision=fp16 --set training.global_batch=16 "
      "--set training.micro_batch=1 --format json");
  ASSERT_EQ(run.status, 0) << run.err;
  const Json j = Json::parse(run.out);
  bool found = false;
  for (const Json& e : j["communication"]) {
    const std::string sentence = e["sentence"].get<std::string>();
    if (sentence.rfind("dp communication", 0) != 0) continue;
    found = true;
    EXPECT_EQ(sentence.find("more than"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("(0.0 us hidden behind other work)"), std::string::npos) << sentence;
  }
  EXPECT_TRUE(found);
}

TEST(ExplainCli, BadInputExitsTwoNamingTheField) {
  const auto run = trainsim("explain --set parallel.tp=7");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("parallel.tp"), std::string::npos) << run.err;
  EXPECT_EQ(trainsim("explain --suggestions -1").status, 2);
}

TEST(CompareCli, TheDifferenceIsTheSumOfThePartsThatMoved) {
  const auto run =
      trainsim("compare --set parallel.schedule=interleaved --set parallel.vpp=6 --format json");
  ASSERT_EQ(run.status, 0) << run.err;
  const Json j = Json::parse(run.out);
  double sum = 0;
  for (const auto& [part, delta] : j["difference"]["parts_s"].items()) sum += delta.get<double>();
  const double step_difference = j["difference"]["step_time_s"].get<double>();
  EXPECT_LT(step_difference, 0);  // interleaving shrinks the bubble
  EXPECT_NEAR(sum, step_difference,
              1e-9 * std::abs(j["a"]["prediction"]["step_time_s"].get<double>()));
  EXPECT_LT(j["difference"]["parts_s"]["bubble"].get<double>(), 0);
  EXPECT_EQ(j["a"]["label"], "scenarios/default.json");
  EXPECT_NE(j["sentence"].get<std::string>().find("B is"), std::string::npos);
}

TEST(CompareCli, TwoFilesOrOneWithChangesElseExitTwo) {
  const std::string dir = std::string(TRAINSIM_TEST_DATA_DIR) + "/../../scenarios/";
  const auto two = trainsim("compare " + dir + "default.json " + dir + "llama3.1-70b-h100.json");
  EXPECT_EQ(two.status, 0) << two.err;
  EXPECT_NE(two.out.find("faster than A"), std::string::npos) << two.out;
  const auto alone = trainsim("compare");
  EXPECT_EQ(alone.status, 2);
  EXPECT_NE(alone.err.find("--set"), std::string::npos) << alone.err;
  EXPECT_EQ(trainsim("compare a.json b.json c.json").status, 2);
  EXPECT_EQ(trainsim("compare --set parallel.tp=7").status, 2);
}

}  // namespace
}  // namespace trainsim
