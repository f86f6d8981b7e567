// The installed interface (include/trainsim/trainsim.hpp): what a program linking libtrainsim
// gets is what the CLI prints, from a file, from JSON text, with --set, and its errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "trainsim/trainsim.hpp"

namespace trainsim {
namespace {

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::filesystem::path golden_dir =
    std::filesystem::path(TRAINSIM_TEST_DATA_DIR).parent_path() / "golden";

TEST(PredictScenario, TheDefaultScenarioGivesWhatPredictPrints) {
  const Prediction p = predict_scenario({});
  EXPECT_EQ(p.json, read_file(golden_dir / "default.json"));
  EXPECT_EQ(p.table, read_file(golden_dir / "default.txt"));
  EXPECT_EQ(p.csv, read_file(golden_dir / "default.csv"));
  EXPECT_EQ(p.gpus, 1024);
  EXPECT_EQ(p.engine, "analytic");
  EXPECT_GT(p.step_time_s, 0);
  EXPECT_GT(p.mfu, 0);
  EXPECT_LT(p.mfu, 1);
}

TEST(PredictScenario, TheNumbersAddUpToTheStep) {
  const Prediction p = predict_scenario({});
  double parts_s = p.compute_s + p.optimizer_s + p.bubble_s;
  for (const auto& [kind, seconds] : p.exposed_communication_s) parts_s += seconds;
  EXPECT_NEAR(parts_s, p.step_time_s, 1e-6 * p.step_time_s);
  EXPECT_EQ(p.exposed_communication_s.size(), 5U);
  EXPECT_TRUE(p.exposed_communication_s.contains("dp"));
  EXPECT_GT(p.peak_memory_bytes, 0);
  EXPECT_EQ(p.memory_capacity_bytes, 80.0 * (1 << 30));  // A100 80GB: 80 GiB
}

TEST(PredictScenario, JsonTextAndSetsAreTheFileAndItsOverrides) {
  PredictRequest from_file;
  from_file.scenario_file =
      (std::filesystem::path(data_directory()) / "scenarios" / "default.json").string();
  from_file.sets = {"parallel.pp=8", "parallel.dp=16"};
  PredictRequest from_text;
  from_text.scenario_json = read_file(from_file.scenario_file);
  from_text.sets = from_file.sets;
  const Prediction a = predict_scenario(from_file);
  const Prediction b = predict_scenario(from_text);
  EXPECT_EQ(a.json, b.json);
  EXPECT_NE(a.step_time_s, predict_scenario({}).step_time_s);
}

TEST(PredictScenario, AWrongFieldIsAnInputErrorNamingIt) {
  PredictRequest request;
  request.sets = {"parallel.schedule=foo"};
  try {
    predict_scenario(request);
    FAIL() << "there is no schedule foo";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "parallel.schedule");
    EXPECT_NE(std::string(e.what()).find("allowed: gpipe, 1f1b"), std::string::npos);
  }
  request = {};
  request.scenario_json = "{ not json";
  EXPECT_THROW(predict_scenario(request), InputError);
}

TEST(PredictScenario, StrictMemoryThatDoesNotFitIsInfeasible) {
  PredictRequest request;
  request.sets = {"parallel.tp=1", "parallel.pp=1", "parallel.dp=1024",
                  "training.global_batch=2048", "strict_memory=true"};
  EXPECT_THROW(predict_scenario(request), InfeasibleError);
}

TEST(PredictScenario, WritesTheTraceWhereAsked) {
  const std::filesystem::path trace =
      std::filesystem::temp_directory_path() / "trainsim_library_test_trace.json";
  PredictRequest request;
  request.sets = {"training.global_batch=64"};
  request.trace_file = trace.string();
  predict_scenario(request);
  EXPECT_NE(read_file(trace).find("traceEvents"), std::string::npos);
  std::filesystem::remove(trace);
  request.trace_file = "/nonexistent-folder/trace.json";
  try {
    predict_scenario(request);
    FAIL() << "the folder does not exist";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "trace_file");
  }
}

}  // namespace
}  // namespace trainsim

namespace trainsim {
namespace {

TEST(PredictScenario, EveryOutputSaysWhatWasSimulatedAndWhatWasChanged) {
  PredictRequest request;
  request.scenario_json = R"({"model": "llama3.1-8b",
      "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "gpus": 16,
                  "network": "ib-ndr400-rail-fattree"},
      "parallel": {"tp": 2}, "training": {"global_batch": 64, "seq_len": 4096}})";
  request.sets = {"parallel.pp=2", "parallel.schedule=interleaved", "parallel.vpp=2"};
  const Prediction p = predict_scenario(request);
  const auto json = nlohmann::json::parse(p.json);
  const auto& setup = json["setup"];
  EXPECT_EQ(setup["dp"], 4);  // derived: 16 / (2 x 2)
  EXPECT_EQ(setup["schedule"], "interleaved");
  EXPECT_EQ(setup["vpp"], 2);
  EXPECT_EQ(setup["micro_batches_per_pipeline"], 16);  // 64 / (1 x 4)
  EXPECT_EQ(setup["network"], "ib-ndr400-rail-fattree");
  EXPECT_EQ(json["scenario"],
            "unnamed scenario with parallel.pp=2, parallel.schedule=interleaved, parallel.vpp=2")
      << "the title names the changes";
  EXPECT_NE(p.table.find("tp 2 · pp 2 · dp 4 · cp 1 · interleaved (vpp 2)"), std::string::npos)
      << p.table;
  EXPECT_NE(p.csv.find(",2,2,4,1,1,2,2,interleaved,"), std::string::npos) << p.csv;
}

}  // namespace
}  // namespace trainsim
