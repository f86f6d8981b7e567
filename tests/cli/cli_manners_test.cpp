// The CLI as a new user meets it (issue 20): --version, a mistyped command, presets to inspect,
// a scenario from standard input, and a malformed file's position said once.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_run.hpp"
#include "sim/core/json_fields.hpp"

namespace {

using trainsim::test::CliRun;
using trainsim::test::trainsim;

const std::string kRoot = std::string(TRAINSIM_TEST_DATA_DIR) + "/../..";

TEST(CliManners, VersionPrintsTheProgramAndItsVersion) {
  const CliRun r = trainsim("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("trainsim 0.", 0), 0U) << r.out;
}

TEST(CliManners, AMistypedCommandSuggestsTheNearestOne) {
  const CliRun r = trainsim("predikt scenarios/default.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command 'predikt'; did you mean 'predict'?"), std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CliManners, PresetsListsTheKindsThenAKindThenShowsOne) {
  const CliRun kinds = trainsim("presets");
  EXPECT_EQ(kinds.status, 0) << kinds.err;
  for (const char* kind : {"models", "gpus", "nodes", "networks"})
    EXPECT_NE(kinds.out.find(kind), std::string::npos) << kinds.out;

  const CliRun gpus = trainsim("presets gpus");
  EXPECT_NE(gpus.out.find("h100-sxm5-80gb"), std::string::npos) << gpus.out;

  const CliRun table = trainsim("presets gpus h100-sxm5-80gb");
  EXPECT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("dense_peak_TFLOPs.bf16"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("989.4"), std::string::npos) << table.out;

  // The JSON is the preset file itself: the object a scenario may give inline.
  const CliRun json = trainsim("presets gpus h100-sxm5-80gb --format json");
  EXPECT_EQ(::trainsim::parse_json_text(json.out, "output"),
            ::trainsim::load_json_file(kRoot + "/hardware/presets/gpus/h100-sxm5-80gb.json"));
  const CliRun model = trainsim("presets models llama3.1-8b --format json");
  EXPECT_EQ(::trainsim::parse_json_text(model.out, "output")["layers"], 32);

  const CliRun unknown = trainsim("presets gpus h100");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("h100-sxm5-80gb"), std::string::npos) << unknown.err;
  EXPECT_EQ(trainsim("presets accelerators").status, 2);
}

TEST(CliManners, ADashReadsTheScenarioFromStandardInput) {
  const CliRun from_file = trainsim("predict " + kRoot + "/scenarios/default.json --format json");
  const CliRun from_stdin =
      trainsim("predict - --format json < " + kRoot + "/scenarios/default.json");
  EXPECT_EQ(from_stdin.status, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, from_file.out);
  const CliRun empty = trainsim("predict - < /dev/null");
  EXPECT_EQ(empty.status, 2);
  EXPECT_NE(empty.err.find("standard input is empty"), std::string::npos) << empty.err;
}

TEST(CliManners, MalformedJsonIsReportedAtOnePosition) {
  const auto file = std::filesystem::temp_directory_path() / "trainsim_malformed_once.json";
  std::ofstream(file) << R"({"model": "gpt3-125m",, })";
  const CliRun r = trainsim("predict " + file.string());
  std::filesystem::remove(file);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("line 1, column 23"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("parse error at line"), std::string::npos) << r.err;
  const CliRun at_end = trainsim("predict " + std::string(TRAINSIM_TEST_DATA_DIR) +
                                 "/bad_scenarios/malformed_json.json");
  EXPECT_NE(at_end.err.find("at the end of the input"), std::string::npos) << at_end.err;
}

TEST(CliManners, PredictHelpTeachesTheScenarioSections) {
  const CliRun r = trainsim("predict --help");
  EXPECT_EQ(r.status, 0);
  for (const char* section : {"model", "cluster", "parallel", "training", "strict_memory",
                              "Example:"})
    EXPECT_NE(r.out.find(section), std::string::npos) << section;
}

}  // namespace
