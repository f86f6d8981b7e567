// The `trainsim` program as users and scripts see it: exit statuses, one-line errors naming the
// JSON path, output formats, determinism and traces.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"

namespace {

using trainsim::test::CliRun;
using trainsim::test::slurp;
using trainsim::test::trainsim;

const std::string kData = TRAINSIM_TEST_DATA_DIR;

TEST(Cli, PredictsTheDefaultScenarioAsJsonWithTheContractFields) {
  const CliRun r = trainsim("predict --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"scenario", "gpus", "step_time_s", "tokens_per_s", "model_flops_per_step",
                          "mfu", "breakdown", "memory", "warnings"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"compute_s", "bubble_s", "optimizer_s", "exposed_comm_s"})
    EXPECT_TRUE(j["breakdown"].contains(key)) << key;
  for (const char* key : {"tp", "pp", "dp", "cp", "ep"})
    EXPECT_TRUE(j["breakdown"]["exposed_comm_s"].contains(key)) << key;
  for (const char* key : {"peak_bytes", "capacity_bytes", "fits", "params_bytes", "grads_bytes",
                          "optimizer_bytes", "activations_bytes"})
    EXPECT_TRUE(j["memory"].contains(key)) << key;
  EXPECT_EQ(j["gpus"], 1024);
  double sum = j["breakdown"]["compute_s"].get<double>() +
               j["breakdown"]["bubble_s"].get<double>() +
               j["breakdown"]["optimizer_s"].get<double>();
  for (const auto& [k, v] : j["breakdown"]["exposed_comm_s"].items()) sum += v.get<double>();
  EXPECT_NEAR(sum, j["step_time_s"].get<double>(), 0.01 * j["step_time_s"].get<double>());
}

// Whether each fits is its comment's claim (tests/sim/api/scenario_claims_test.cpp).
TEST(Cli, EveryBundledScenarioPredicts) {
  const auto dir = std::filesystem::path(kData) / ".." / ".." / "scenarios";
#ifdef TRAINSIM_SANITIZED_BUILD
  // The 8,192-GPU flow scenario takes half a minute under the sanitizers; Release builds run it.
  const std::string engine = " --set engine.network=analytic";
#else
  const std::string engine;
#endif
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const CliRun r = trainsim("predict " + entry.path().string() + " --format json" + engine);
    ASSERT_EQ(r.status, 0) << entry.path() << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_LE(j["memory"]["peak_bytes"].get<double>(), j["memory"]["capacity_bytes"].get<double>())
        << entry.path();
    EXPECT_GT(j["mfu"].get<double>(), 0.1) << entry.path();
    EXPECT_LT(j["mfu"].get<double>(), 0.8) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 5u);
}

TEST(Cli, SameInputGivesByteIdenticalJson) {
  const CliRun a = trainsim("predict --format json --set parallel.pp=8 --set parallel.dp=16");
  const CliRun b = trainsim("predict --format json --set parallel.pp=8 --set parallel.dp=16");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

TEST(Cli, SetOverridesFieldsByJsonPath) {
  const CliRun r = trainsim(
      "predict --format json --set cluster.nodes=64 --set parallel.dp=4 --set name=halved");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["gpus"], 512);
  EXPECT_EQ(j["scenario"], "halved");
}

TEST(Cli, CsvHasAHeaderAndOneRow) {
  const CliRun r = trainsim("predict --format csv");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
  EXPECT_EQ(r.out.rfind("scenario,gpus,step_time_s", 0), 0u);
}

TEST(Cli, TableIsTheDefaultFormat) {
  const CliRun r = trainsim("predict");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("step time"), std::string::npos);
  EXPECT_NE(r.out.find("pipeline bubble"), std::string::npos);
}

TEST(Cli, TraceHasOneProcessPerSimulatedGpuAndSlicesWithArgs) {
  const auto trace = std::filesystem::temp_directory_path() /
                     ("trainsim_trace_" + std::to_string(::getpid()) + ".json");
  const std::string scenario = kData + "/../../scenarios/gpt3-13b-gpipe-vs-1f1b.json";
  const CliRun run = trainsim("predict " + scenario + " --format json --trace " + trace.string());
  ASSERT_EQ(run.status, 0) << run.err;
  const auto j = nlohmann::json::parse(slurp(trace));
  std::set<int> pids;
  std::size_t slices = 0, with_flops = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "process_name") pids.insert(e["pid"].get<int>());
    if (e["ph"] == "X") {
      ++slices;
      if (e["args"].contains("flops")) ++with_flops;
    }
  }
  EXPECT_EQ(pids.size(), 8u);  // pp = 8 stages
  EXPECT_GT(slices, 100u);
  EXPECT_GT(with_flops, 0u);
  // The traced (per-layer) simulation predicts the same step as the fast one.
  const CliRun fast = trainsim("predict " + scenario + " --format json");
  EXPECT_NEAR(nlohmann::json::parse(run.out)["step_time_s"].get<double>(),
              nlohmann::json::parse(fast.out)["step_time_s"].get<double>(), 1e-9);
  std::filesystem::remove(trace);
}

TEST(Cli, FlowEngineSimulatesEveryGpuAndReportsSharedLinks) {
  const std::string scenario = kData + "/../../scenarios/contention-shared-nics.json";
  const CliRun flow = trainsim("predict " + scenario + " --format json");
  ASSERT_EQ(flow.status, 0) << flow.err;
  const auto f = nlohmann::json::parse(flow.out);
  EXPECT_EQ(f["simulation"]["engine"], "flow");
  EXPECT_GT(f["simulation"]["flows"].get<double>(), 0);
  EXPECT_GT(f["simulation"]["worst_sharing_slowdown"]["pp"].get<double>(), 4.0);
  EXPECT_NE(f["explanation"].get<std::string>().find("links shared"), std::string::npos);
  const CliRun fast =
      trainsim("predict " + scenario + " --format json --set engine.network=analytic");
  ASSERT_EQ(fast.status, 0) << fast.err;
  const auto a = nlohmann::json::parse(fast.out);
  EXPECT_EQ(a["simulation"]["engine"], "analytic");
  EXPECT_GT(f["step_time_s"].get<double>(), 1.1 * a["step_time_s"].get<double>());
}

TEST(Cli, EveryBadScenarioFailsWithExitTwoAndOneLineNamingTheField) {
  const auto expected = nlohmann::json::parse(slurp(kData + "/bad_scenarios/expected.json"));
  std::size_t checked = 0;
  for (const auto& [file, path] : expected.items()) {
    if (file == "_comment") continue;
    const CliRun r = trainsim("predict " + kData + "/bad_scenarios/" + file);
    EXPECT_EQ(r.status, 2) << file << ": " << r.err << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << file << ": " << r.err;
    EXPECT_NE(r.err.find(path.get<std::string>()), std::string::npos)
        << file << " should name " << path << ": " << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << file;
    ++checked;
  }
  EXPECT_GE(checked, 20u);
}

TEST(Cli, AnOverrideBeyondDoubleRangeIsInvalidInputNamingTheAssignment) {
  const CliRun r = trainsim("predict --set parallel.pp=1e400");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--set parallel.pp=1e400"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

TEST(Cli, ATraceTooLargeToHoldIsRefusedBeforeSimulating) {
  // 64 micro-batches x 9600 layers x 2 passes: 1.2 million layer tasks.
  const CliRun r = trainsim(
      "predict --set 'model={\"layers\":9600,\"hidden\":1024,\"heads\":16,\"vocab\":32000}' "
      "--set parallel.tp=1 --set parallel.pp=16 --set parallel.dp=64 "
      "--set training.global_batch=4096 --trace /dev/null");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--trace"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, UnknownPresetSuggestsTheNearestNames) {
  const CliRun r = trainsim("predict --set cluster.gpu=h100");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("h100-sxm5-80gb"), std::string::npos) << r.err;
}

TEST(Cli, InfeasibleUnderStrictMemoryExitsThree) {
  const CliRun r =
      trainsim("predict --set parallel.pp=1 --set parallel.dp=128 --set strict_memory=true");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("memory"), std::string::npos);
}

TEST(Cli, BadArgumentsExitTwo) {
  EXPECT_EQ(trainsim("predict --format yaml").status, 2);
  EXPECT_EQ(trainsim("predict --set nonsense").status, 2);
  EXPECT_EQ(trainsim("predict no/such/file.json").status, 2);
  EXPECT_EQ(trainsim("presets colours").status, 2);
}

TEST(Cli, PresetsListTheContractNames) {
  const CliRun models = trainsim("presets models");
  ASSERT_EQ(models.status, 0);
  for (const char* name : {"gpt3-175b", "llama3.1-405b", "mixtral-8x7b", "nemotron4-340b",
                           "bloom-176b", "gpt-neox-20b"})
    EXPECT_NE(models.out.find(name), std::string::npos) << name;
  EXPECT_NE(trainsim("presets gpus").out.find("h200-sxm-141gb"), std::string::npos);
  EXPECT_NE(trainsim("presets nodes").out.find("dgx-b200"), std::string::npos);
  EXPECT_NE(trainsim("presets networks").out.find("roce400-rail-fattree"), std::string::npos);
}

TEST(Cli, ValidateReportsPerRecordErrorsAndGroupMape) {
  const CliRun r = trainsim("validate " + kData + "/validation/published-dev.json --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["records"].size(), 20u);
  EXPECT_TRUE(j["groups"].contains("Megatron SC'21 Table 1 (A100)"));
  EXPECT_FALSE(j["skipped"].empty());
  for (const auto& s : j["skipped"]) EXPECT_FALSE(s["reason"].get<std::string>().empty());
}

TEST(Cli, ValidateLeavesUnstatedSettingsToTheSearchAndSaysWhatItChose) {
  // The people who ran those jobs tuned them: by default, "the fastest that fits".
  const std::string records = "validate " + kData + "/validation/published-dev.json";
  const CliRun r = trainsim(records + " --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, trainsim(records + " --unstated auto --format json").out);
  const auto chosen_in = [](const std::string& out) {
    int chosen = 0;
    const auto j = nlohmann::json::parse(out);
    for (const auto& record : j["records"])
      for (const auto& a : record["assumptions"])
        chosen += a.get<std::string>().rfind("chosen ", 0) == 0;
    return chosen;
  };
  EXPECT_GT(chosen_in(r.out), 10);
  // The frameworks' fixed defaults stay available, and then nothing is chosen.
  const CliRun fixed = trainsim(records + " --unstated default --format json");
  ASSERT_EQ(fixed.status, 0) << fixed.err;
  EXPECT_EQ(chosen_in(fixed.out), 0);
  EXPECT_NE(fixed.out.find("recompute unstated: none"), std::string::npos);
  EXPECT_EQ(
      trainsim("validate " + kData + "/validation/published-dev.json --unstated guess").status, 2);
}

TEST(Cli, ValidateFillsOnlyUnstatedFieldsFromTheSupplementAndSaysWhere) {
  // A records file and its supplement: the supplement's micro-batch 2 fills the record that
  // leaves it null and loses to the one that states 4; both get the supplement's vpp.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("trainsim_supplement_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto records = nlohmann::json::parse(slurp(kData + "/validation/published-dev.json"));
  nlohmann::json picked = nlohmann::json::array();
  for (auto& r : records) {
    if (r["id"] != "mlm-sc21-t1-145.6B") continue;
    r["batch"]["micro"] = nullptr;
    picked.push_back(r);
    r["id"] = "stated-micro-batch";
    r["batch"]["micro"] = 4;
    picked.push_back(r);
  }
  ASSERT_EQ(picked.size(), 2u);
  std::ofstream(dir / "mine.json") << picked.dump();
  std::ofstream(dir / "mine.supplement.json") << R"({
    "sources": {"script": {"cite": "the run script", "detail": "where the settings come from"}},
    "records": {
      "mlm-sc21-t1-145.6B": {"source": "script", "batch": {"micro": 2}, "parallel": {"vpp": 2}},
      "stated-micro-batch": {"source": "script", "batch": {"micro": 2}, "parallel": {"vpp": 2}}
    }})";
  const CliRun r = trainsim("validate " + (dir / "mine.json").string() + " --format json");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["records"].size(), 2u);
  const std::string filled = j["records"][0]["assumptions"].dump();
  const std::string stated = j["records"][1]["assumptions"].dump();
  EXPECT_NE(filled.find("batch.micro = 2 from the run script"), std::string::npos) << filled;
  EXPECT_NE(filled.find("parallel.vpp = 2 from the run script"), std::string::npos) << filled;
  EXPECT_EQ(stated.find("batch.micro"), std::string::npos) << stated;
  EXPECT_NE(stated.find("parallel.vpp = 2 from the run script"), std::string::npos) << stated;
  EXPECT_NE(j["records"][0]["predicted_s"], j["records"][1]["predicted_s"]);
}

TEST(Cli, ValidateSkipsMalformedRecordsSayingWhyAndPredictsTheRest) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("trainsim_malformed_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto records = nlohmann::json::parse(slurp(kData + "/validation/published-dev.json"));
  nlohmann::json picked = nlohmann::json::array();
  for (const auto& r : records)
    if (r["id"] == "mlm-sc21-t2-ptdp-174B-384") picked.push_back(r);
  ASSERT_EQ(picked.size(), 1u);
  nlohmann::json broken = picked[0];
  broken["id"] = "no-model";
  broken.erase("model");
  picked.push_back(broken);
  broken = picked[0];
  broken["id"] = "text-tp";
  broken["parallel"]["tp"] = "eight";
  picked.push_back(broken);
  broken = picked[0];
  broken["id"] = "negative-time";
  broken["measured"] = {{"iter_time_s", -1}};
  picked.push_back(broken);
  broken = picked[0];
  broken["id"] = "moe-not-object";
  broken["model"]["moe"] = 8;
  picked.push_back(broken);
  picked.push_back(5);
  std::ofstream(dir / "records.json") << picked.dump();
  const CliRun r = trainsim("validate " + (dir / "records.json").string() + " --format json");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["records"].size(), 1u);
  std::map<std::string, std::string> reasons;
  for (const auto& s : j["skipped"]) reasons[s["id"]] = s["reason"];
  EXPECT_EQ(reasons["no-model"], "model is missing or not an object");
  EXPECT_EQ(reasons["text-tp"], "parallel.tp is not a number");
  EXPECT_EQ(reasons["negative-time"], "measured.iter_time_s = -1 is not positive");
  EXPECT_EQ(reasons["moe-not-object"], "model.moe is not an object");
  EXPECT_EQ(reasons["[5] (no id)"], "not a JSON object");
}

TEST(Cli, ValidateUsesTheInterNodeFabricARecordStates) {
  // BLOOM trained on Jean Zay's Omni-Path: 4 links of 100 Gb/s per node, not a DGX's 8 x HDR.
  const CliRun r = trainsim("validate " + kData + "/validation/published-dev.json --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& rec : j["records"]) {
    if (rec["id"] != "bloom-176b-384a100") continue;
    found = true;
    const std::string assumptions = rec["assumptions"].dump();
    EXPECT_NE(assumptions.find("Omni-Path as stated: 4 x 100 Gb/s"), std::string::npos)
        << assumptions;
  }
  EXPECT_TRUE(found);
}

TEST(Cli, ValidateWritesEachGeneratedScenarioSoPredictReproducesTheRow) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("trainsim_validate_scenarios_" + std::to_string(::getpid()));
  const CliRun v = trainsim("validate " + kData + "/validation/published-dev.json --format json " +
                            "--write-scenarios " + dir.string());
  ASSERT_EQ(v.status, 0) << v.err;
  const auto rows = nlohmann::json::parse(v.out)["records"];
  int checked = 0;
  for (const auto& row : rows) {
    const std::string id = row["id"].get<std::string>();
    if (id != "bloom-176b-384a100" && id != "mcore-mixtral-8x7b-64h100") continue;
    const auto file = dir / (id + ".json");
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_NE(slurp(file).find("generated by trainsim validate; assumptions:"), std::string::npos);
    const CliRun p = trainsim("predict " + file.string() + " --format json");
    ASSERT_EQ(p.status, 0) << p.err;
    EXPECT_EQ(nlohmann::json::parse(p.out)["step_time_s"].get<double>(),
              row["predicted_s"].get<double>())
        << id;
    ++checked;
  }
  std::filesystem::remove_all(dir);
  EXPECT_EQ(checked, 2);
}

}  // namespace

namespace {

// Issue targets, held as a regression guard: MAPE <= 15% per group on the Megatron SC'21
// Table 1 rows and the H100 recipe rows, and no row in those groups off by more than 30%.
TEST(Accuracy, PublishedTrainingStepsWithinTheTargets) {
  const CliRun r = trainsim("validate " + kData + "/validation/published-dev.json --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* group :
       {"Megatron SC'21 Table 1 (A100)", "H100 GPT-3 175B recipes", "H100 Llama 3.1 recipes"}) {
    ASSERT_TRUE(j["groups"].contains(group)) << group;
    EXPECT_LE(j["groups"][group]["mape"].get<double>(), 0.15) << group;
    EXPECT_LE(j["groups"][group]["max_abs_error"].get<double>(), 0.30) << group;
    EXPECT_GE(j["groups"][group]["records"].get<int>(), 10) << group;
  }
  // The parallelism issue's target for the strategy-comparison table: <= 12% per group.
  const char* ptdp = "Megatron SC'21 Table 2 PTD-P (A100)";
  ASSERT_TRUE(j["groups"].contains(ptdp));
  EXPECT_LE(j["groups"][ptdp]["mape"].get<double>(), 0.12);
  EXPECT_EQ(j["groups"][ptdp]["records"].get<int>(), 6);
  const char* zero3 = "Megatron SC'21 Table 2 ZeRO-3 (A100)";
  ASSERT_TRUE(j["groups"].contains(zero3));
  EXPECT_LE(j["groups"][zero3]["mape"].get<double>(), 0.12);
  EXPECT_EQ(j["groups"][zero3]["records"].get<int>(), 6);
  // Each framework is its own group; none of the non-Megatron ones is yet within the frameworks
  // issue's 10%, so they are held where they stand (DeepSpeed 10.9%, JAX 11.7%, FSDP2 18.9%:
  // TorchTitan's 500 W H100s, every run predicted fast) to catch a regression.
  for (const auto& [framework, records, bound] : {std::tuple{"megatron", 62, 0.05},
                                                  {"deepspeed", 7, 0.13},
                                                  {"jax", 1, 0.13},
                                                  {"fsdp2", 6, 0.20}}) {
    ASSERT_TRUE(j["frameworks"].contains(framework)) << framework;
    EXPECT_EQ(j["frameworks"][framework]["records"].get<int>(), records) << framework;
    EXPECT_LE(j["frameworks"][framework]["mape"].get<double>(), bound) << framework;
  }
  // TorchTitan's page reports each run's peak memory: held within 5% (2.5% today).
  const char* titan = "TorchTitan Llama 3.1 8B (H100 500 W)";
  ASSERT_TRUE(j["memory_groups"].contains(titan));
  EXPECT_EQ(j["memory_groups"][titan]["records"].get<int>(), 6);
  EXPECT_LE(j["memory_groups"][titan]["mape"].get<double>(), 0.05);
}

TEST(Accuracy, StrategyComparisonKeepsTheMeasuredRankingAtEveryGpuCount) {
  // SC'21 Table 2 measures ZeRO-3 and PTD-P for the same model on the same GPU count: the
  // prediction must order each such pair as the measurement does.
  const CliRun r = trainsim("validate " + kData + "/validation/published-dev.json --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::map<std::string, std::map<std::string, std::pair<double, double>>> by_case;
  for (const auto& rec : j["records"]) {
    const std::string id = rec["id"].get<std::string>();
    for (const std::string strategy : {"zero3", "ptdp"}) {
      const std::string prefix = "mlm-sc21-t2-" + strategy + "-";
      if (id.rfind(prefix, 0) == 0)
        by_case[id.substr(prefix.size())][strategy] = {rec["predicted_s"].get<double>(),
                                                       rec["measured_s"].get<double>()};
    }
  }
  int compared = 0;
  for (const auto& [model_and_gpus, strategies] : by_case) {
    if (strategies.size() != 2) continue;
    const auto [zero3_predicted, zero3_measured] = strategies.at("zero3");
    const auto [ptdp_predicted, ptdp_measured] = strategies.at("ptdp");
    EXPECT_EQ(zero3_predicted > ptdp_predicted, zero3_measured > ptdp_measured)
        << model_and_gpus << ": predicted ZeRO-3 " << zero3_predicted << " s vs PTD-P "
        << ptdp_predicted << " s; measured " << zero3_measured << " vs " << ptdp_measured;
    ++compared;
  }
  EXPECT_EQ(compared, 5);  // 174B on 384/768/1536 GPUs, 530B on 1120/2240
}

}  // namespace

namespace {

TEST(CollectiveCli, PrintsAnNcclTestsStyleSweep) {
  const CliRun r = trainsim(
      "collective --op all_reduce --gpus 16 --cluster dgx-h100 --min-bytes 8 --max-bytes 8G");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("busbw"), std::string::npos);
  EXPECT_NE(r.out.find("8589934592"), std::string::npos);  // 8 GiB row
  EXPECT_NE(r.out.find("# Avg bus bandwidth"), std::string::npos);
}

TEST(CollectiveCli, ComparesAgainstAnNcclTestsLog) {
  const CliRun r = trainsim(
      "collective --op all_reduce --gpus 8 --cluster dgx-h100 --format json"
      " --compare " +
      kData + "/nccl_tests/eight_rank_rows.log");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), 3u);
  for (const auto& row : j["rows"]) EXPECT_LT(std::fabs(row["error"].get<double>()), 0.10);
}

TEST(CollectiveCli, FlowsAgreeWithNcclsModelOnAnUncontendedRing) {
  // 16 DGX H100: the same channels, protocol rates and per-step latency as NCCL's model, so a lone
  // ring on flows takes what the model says, from latency-bound to bandwidth-bound sizes.
  const std::string args =
      "collective --op all_reduce --gpus 128 --cluster dgx-h100 --algorithm ring --format json "
      "--min-bytes 8 --max-bytes 8G --step-factor 1024";
  const CliRun model = trainsim(args);
  const CliRun flow = trainsim(args + " --engine flow");
  ASSERT_EQ(model.status, 0) << model.err;
  ASSERT_EQ(flow.status, 0) << flow.err;
  const auto m = nlohmann::json::parse(model.out)["rows"];
  const auto f = nlohmann::json::parse(flow.out)["rows"];
  ASSERT_EQ(m.size(), f.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    const double a = m[i]["time_us"].get<double>(), b = f[i]["time_us"].get<double>();
    EXPECT_LT(std::fabs(b - a) / a, 0.10) << "size " << m[i]["size"] << ": " << a << " vs " << b;
  }
  EXPECT_LT(
      std::fabs(f.back()["busbw_GBps"].get<double>() / m.back()["busbw_GBps"].get<double>() - 1.0),
      0.02);
}

TEST(CollectiveCli, MalformedLogsAndBadArgumentsExitTwo) {
  for (const char* log : {"random_text.log", "bad_truncated_row.log", "bad_algbw_mismatch.log"}) {
    const CliRun r = trainsim("collective --compare " + kData + "/nccl_tests/" + log);
    EXPECT_EQ(r.status, 2) << log;
    EXPECT_NE(r.err.find(log), std::string::npos) << r.err;
  }
  EXPECT_EQ(trainsim("collective --op allreduce").status, 2);
  EXPECT_EQ(trainsim("collective --max-bytes 8Q").status, 2);
  EXPECT_EQ(trainsim("collective --gpus 12 --cluster dgx-h100").status, 2);
  EXPECT_EQ(trainsim("collective --algorithm nvls --cluster dgx-a100").status, 2);
}

}  // namespace

namespace {

TEST(Cli, ValidateRanksTheStrategiesOfAComparisonSetFile) {
  const std::string sets = kData + "/validation/ranking-dev.json";
  const CliRun r = trainsim("validate " + sets + " --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j["sets"].is_array());
  EXPECT_FALSE(j["sets"].empty());
  EXPECT_TRUE(j["mean_kendall_tau"].is_number());
  const CliRun table = trainsim("validate " + sets);
  EXPECT_NE(table.out.find("mean Kendall tau"), std::string::npos);
  const CliRun with_set = trainsim("validate " + sets + " --set training.micro_batch=2");
  EXPECT_EQ(with_set.status, 2);
  EXPECT_NE(with_set.err.find("--set"), std::string::npos) << with_set.err;
}

}  // namespace
