// `trainsim search` as users and scripts see it: the table, one JSON object, one CSV row per
// strategy, byte-identical reruns, and exit statuses 2 (bad option, naming it) and 3 (nothing
// fits, naming the closest strategy).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "cli_run.hpp"

namespace {

using trainsim::test::CliRun;
using trainsim::test::trainsim;

const std::string kEightGpus =
    std::string(TRAINSIM_TEST_DATA_DIR) + "/../../scenarios/llama3.1-8b-single-node.json";

TEST(SearchCli, PrintsTheBestStrategiesAsOneJsonObject) {
  const CliRun r = trainsim("search " + kEightGpus + " --top 3 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 3u);
  double previous = 0;
  for (const auto& result : j["results"]) {
    for (const char* field : {"step_time_s", "tokens_per_s", "mfu", "breakdown", "memory",
                              "parallel", "training", "largest_loss"})
      EXPECT_TRUE(result.contains(field)) << field;
    EXPECT_GE(result["step_time_s"].get<double>(), previous) << "best first";
    previous = result["step_time_s"].get<double>();
    EXPECT_LE(result["memory"]["peak_bytes"].get<double>(),
              0.95 * result["memory"]["capacity_bytes"].get<double>());
    const auto& p = result["parallel"];
    EXPECT_EQ(p["tp"].get<int>() * p["pp"].get<int>() * p["dp"].get<int>() * p["cp"].get<int>(), 8);
  }
  const auto& n = j["counts"];
  EXPECT_EQ(n["redundant"].get<std::uint64_t>() + n["rejected_divisibility"].get<std::uint64_t>() +
                n["rejected_memory"].get<std::uint64_t>() +
                n["rejected_bound"].get<std::uint64_t>() + n["simulated"].get<std::uint64_t>(),
            n["considered"].get<std::uint64_t>());
  EXPECT_NE(j["why"].get<std::string>().find("faster than #2"), std::string::npos) << j["why"];
  EXPECT_TRUE(j["scenario_strategy"].contains("step_time_s"));
}

TEST(SearchCli, TableAndCsvShowTheSameStrategies) {
  const CliRun table = trainsim("search " + kEightGpus + " --top 2");
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("strategies considered"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("why: #1"), std::string::npos) << table.out;
  const CliRun csv = trainsim("search " + kEightGpus + " --top 2 --format csv");
  ASSERT_EQ(csv.status, 0) << csv.err;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3) << csv.out;
  EXPECT_EQ(csv.out.rfind("rank,tp,pp,dp,", 0), 0u) << csv.out;
}

TEST(SearchCli, SameInputGivesByteIdenticalOutput) {
  const std::string args = "search " + kEightGpus + " --top 4 --format json";
  EXPECT_EQ(trainsim(args).out, trainsim(args).out);
}

TEST(SearchCli, ASettingGivenWithSetOrPinIsNotSearched) {
  const CliRun r = trainsim("search " + kEightGpus +
                            " --top 5 --format json --set parallel.cp=2 --pin training.recompute");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const auto& result : j["results"]) {
    EXPECT_EQ(result["parallel"]["cp"], 2);
    EXPECT_EQ(result["training"]["recompute"], "none");  // the scenario's
  }
}

TEST(SearchCli, BadOptionsExitTwoNamingTheOption) {
  const CliRun pin = trainsim("search " + kEightGpus + " --pin parallel.colour");
  EXPECT_EQ(pin.status, 2);
  EXPECT_NE(pin.err.find("--pin"), std::string::npos) << pin.err;
  EXPECT_NE(pin.err.find("parallel.tp"), std::string::npos) << "lists what is allowed";
  const CliRun objective = trainsim("search " + kEightGpus + " --objective speed");
  EXPECT_EQ(objective.status, 2);
  EXPECT_NE(objective.err.find("--objective"), std::string::npos) << objective.err;
  EXPECT_EQ(trainsim("search " + kEightGpus + " --top 0").status, 2);
  EXPECT_EQ(trainsim("search " + kEightGpus + " --memory-headroom 1.5").status, 2);
}

TEST(SearchCli, NothingFittingExitsThreeNamingTheClosestStrategy) {
  const CliRun r = trainsim("search --set cluster.nodes=1 --set cluster.gpu=a100-sxm4-40gb");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("smallest peak"), std::string::npos) << r.err;
}

}  // namespace
