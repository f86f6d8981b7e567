// `trainsim sweep` as scripts see it: CSV with the varied paths first and one line per point,
// one JSON object, byte-identical reruns, and exit status 2 naming --vary for a bad variation.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"

namespace {

using trainsim::test::CliRun;
using trainsim::test::trainsim;

TEST(SweepCli, CsvHasTheVariedPathsFirstAndOneLinePerPoint) {
  const CliRun r =
      trainsim("sweep --vary cluster.nodes=64..256*2 --vary training.micro_batch=1,2 --format csv");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("cluster.nodes,training.micro_batch,status,step_time_s,", 0), 0u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1 + 3 * 2) << r.out;
  EXPECT_NE(r.out.find("\n256,2,ok,"), std::string::npos) << r.out;
}

TEST(SweepCli, JsonIsOneObjectWithAPointPerCombination) {
  const CliRun r = trainsim("sweep --vary parallel.tp=8,7 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["points"].size(), 2u);
  EXPECT_EQ(j["points"][0]["status"], "ok");
  EXPECT_TRUE(j["points"][0]["prediction"].contains("step_time_s"));
  EXPECT_EQ(j["points"][1]["status"], "invalid");
  EXPECT_EQ(trainsim("sweep --vary parallel.tp=8,7 --format json").out, r.out);
}

TEST(SweepCli, SearchAtEachPointShowsTheStrategy) {
  const CliRun r = trainsim(
      "sweep --vary cluster.nodes=1,2 --set model=gpt3-1.3b --set training.global_batch=64 "
      "--search");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("tp "), std::string::npos) << r.out;
}

TEST(SweepCli, BadVariationsExitTwoNamingTheOption) {
  for (const char* bad : {"sweep --vary cluster.nodes=", "sweep --vary cluster.nodes=9..3",
                          "sweep --vary nonsense", "sweep"}) {
    const CliRun r = trainsim(bad);
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_NE(r.err.find("--vary"), std::string::npos) << bad << ": " << r.err;
  }
}

}  // namespace
