// The library entry point (sim/api/trainsim.hpp): a strategy built in code predicts exactly as
// the same strategy parsed from JSON, every default has one home, a scenario built in code is
// checked as a parsed one is (all problems at once, each naming its field), and predict is safe
// to call from many threads.
#include "sim/api/trainsim.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "sim/parallel/memory_remedies.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {
namespace {

Scenario default_scenario() {
  return load_scenario(default_scenario_file());
}

// The whole JSON report: equal reports mean equal predictions, field by field.
std::string report_of(const StepPrediction& p) {
  return prediction_to_json(p).dump();
}

std::vector<std::string> paths_of(const std::vector<Diagnostic>& diagnostics, Severity severity) {
  std::vector<std::string> paths;
  for (const Diagnostic& d : diagnostics)
    if (d.severity == severity) paths.push_back(d.path);
  return paths;
}

std::string refusal_path(const Scenario& s) {
  try {
    predict(s);
  } catch (const InputError& e) {
    return e.json_path();
  }
  return "accepted";
}

TEST(PredictFacade, AStrategyBuiltInCodePredictsAsTheSameStrategyParsedFromJson) {
  const Scenario parsed = default_scenario();
  // Only what default.json states, set on a fresh Strategy: every unstated setting takes the
  // same default on both paths (p2p_overlap for 1F1B included: Megatron's blocking sends).
  Scenario built = parsed;
  built.parallel = Strategy{};
  built.parallel.tp = 8;
  built.parallel.pp = 16;
  built.parallel.dp = 8;
  built.parallel.zero = 1;
  built.parallel.schedule = ScheduleKind::one_f_one_b;
  const StepPrediction from_json = predict(parsed), from_code = predict(built);
  EXPECT_EQ(report_of(from_code), report_of(from_json));
  EXPECT_NEAR(from_code.step_time_s, 21.434, 0.001);  // README's figure for this scenario
}

TEST(PredictFacade, ChangingAStrategyInCodeMatchesTheSameChangeMadeWithSet) {
  Scenario in_code = default_scenario();
  in_code.parallel.pp = 8;
  in_code.parallel.dp = 0;  // derive it again, as omitting it in JSON does
  in_code.parallel.schedule = ScheduleKind::interleaved;
  in_code.parallel.vpp = 3;
  in_code.training.micro_batch = 2;
  in_code.training.recompute = RecomputeKind::selective;
  in_code.name = "variant";
  Json json =
      load_scenario_json(default_scenario_file(), {"parallel.pp=8", "parallel.schedule=interleaved",
                                                   "parallel.vpp=3", "training.micro_batch=2",
                                                   "training.recompute=selective", "name=variant"});
  json["parallel"].erase("dp");
  const Scenario from_json = parse_scenario(json, data_root());
  EXPECT_EQ(report_of(predict(in_code)), report_of(predict(from_json)));
}

// "What does 400G instead of 200G buy?": a field of a named preset is set like any other field.
TEST(PredictFacade, SettingOneFieldOfANamedPresetEditsThatPresetOnly) {
  const Json edited = load_scenario_json(
      default_scenario_file(), {"cluster.node.nic_Gbps=100", "cluster.node.nics_per_node=4"});
  const Json& node = edited["cluster"]["node"];
  ASSERT_TRUE(node.is_object());
  EXPECT_EQ(node["nic_Gbps"], 100);
  EXPECT_EQ(node["nics_per_node"], 4);
  EXPECT_EQ(node["gpus_per_node"], 8);  // the rest is dgx-a100's
  EXPECT_EQ(node["name"], "dgx-a100 with nic_Gbps=100, nics_per_node=4");

  const Scenario stated = default_scenario();
  const Scenario unchanged = load_scenario(default_scenario_file(), {"cluster.node.nic_Gbps=200"});
  EXPECT_EQ(predict(unchanged).step_time_s, predict(stated).step_time_s);
  EXPECT_EQ(unchanged.cluster.node.nic_Bps, stated.cluster.node.nic_Bps);
  const Scenario slower_nics =
      load_scenario(default_scenario_file(), {"cluster.node.nic_Gbps=100"});
  EXPECT_GT(predict(slower_nics).step_time_s, predict(stated).step_time_s);

  const Scenario smaller = load_scenario(default_scenario_file(), {"model.layers=48"});
  EXPECT_EQ(smaller.model.layers, 48);
  EXPECT_EQ(smaller.model.hidden, stated.model.hidden);

  try {
    load_scenario_json(default_scenario_file(),
                       {"cluster.network=nope", "cluster.network.tiers=3"});
    ADD_FAILURE() << "an unknown preset was edited";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "cluster.network");
  }
}

TEST(PredictFacade, EveryUnstatedSettingTakesTheDefaultOfACodeBuiltScenario) {
  const Json json = parse_json_text(R"({
    "model": "gpt3-1.3b",
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "nodes": 1},
    "training": {"global_batch": 64}
  })",
                                    "test");
  const Scenario s = parse_scenario(json, data_root());
  EXPECT_EQ(s.parallel, Strategy{});
  TrainingConfig training;
  training.global_batch = 64;
  EXPECT_EQ(s.training, training);
  EXPECT_EQ(s.engine.network, EngineOptions{}.network);
  EXPECT_EQ(s.name, Scenario{}.name);
}

TEST(PredictFacade, ResolvingFillsTheDefaultsThatDependOnOtherSettings) {
  Scenario s = default_scenario();
  s.parallel = Strategy{};
  s.parallel.tp = 8;
  s.parallel.pp = 16;
  s.training.seq_len = 0;
  const Scenario r = resolved(s);
  EXPECT_EQ(r.parallel.dp, 8);                                    // 1024 / (8 x 16)
  EXPECT_EQ(r.parallel.p2p_overlap, Strategy::P2pOverlap::none);  // Megatron's 1F1B
  EXPECT_EQ(r.training.seq_len, s.model.max_seq_len);             // GPT-3's 2048
  EXPECT_EQ(r.parallel.bucket_params, 40e6);                      // Megatron: max(40M, 1M x 8)
  Scenario wide = s;
  wide.parallel.tp = 2;
  wide.parallel.pp = 1;
  EXPECT_EQ(resolved(wide).parallel.bucket_params, 512e6);  // 1M x dp 512
  s.parallel.schedule = ScheduleKind::interleaved;
  s.parallel.vpp = 2;
  EXPECT_EQ(resolved(s).parallel.p2p_overlap, Strategy::P2pOverlap::steady_state);
  s.parallel.schedule = ScheduleKind::zb_h1;
  s.parallel.vpp = 1;
  EXPECT_EQ(resolved(s).parallel.p2p_overlap, Strategy::P2pOverlap::all);
  EXPECT_EQ(resolved(resolved(s)).parallel, resolved(s).parallel);  // idempotent
  EXPECT_EQ(resolved(resolved(s)).training, resolved(s).training);
}

TEST(PredictFacade, TpSevenBuiltInCodeIsRefusedNamingParallelTp) {
  Scenario s = default_scenario();
  s.parallel.tp = 7;
  s.parallel.dp = 0;
  EXPECT_EQ(refusal_path(s), "parallel.tp");
  try {
    predict(s);
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("96 attention heads"), std::string::npos) << e.what();
  }
}

TEST(PredictFacade, TpBeyondTheKvHeadsIsRefusedAsMegatronRefusesItAndWarnedForPyTorch) {
  // Llama 3.1 70B: 64 query heads, 8 KV heads (query groups), tp 16 over two nodes.
  Scenario s = load_scenario(default_scenario_file(),
                             {"model=llama3.1-70b", "parallel.tp=16", "parallel.pp=8",
                              "parallel.dp=8", "training.seq_len=2048"});
  try {
    predict(s);
    FAIL() << "Megatron-Core divides the 8 query groups by tp";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "parallel.tp");
    EXPECT_NE(std::string(e.what()).find("8 key/value heads"), std::string::npos) << e.what();
  }
  s.training.framework = Framework::pytorch;
  const StepPrediction p = predict(s);
  const bool warned = std::any_of(p.warnings.begin(), p.warnings.end(), [](const Diagnostic& d) {
    return d.code == DiagnosticCode::replicated && d.path == "parallel.tp";
  });
  EXPECT_TRUE(warned) << "each KV head replicated on 2 TP ranks is said";
}

TEST(PredictFacade, CheckReportsEveryProblemWithItsPath) {
  Scenario s = default_scenario();
  s.parallel.tp = 7;  // splits no head of 96, and 7 x 16 does not divide 1024
  s.parallel.dp = 0;
  s.training.seq_len = 2048;
  s.parallel.cp = 1;
  s.engine.gpu_speed.push_back({3, 0.5});  // a what-if the analytic engine cannot run
  const std::vector<Diagnostic> found = check_scenario(s);
  const std::vector<std::string> errors = paths_of(found, Severity::error);
  EXPECT_EQ(errors, (std::vector<std::string>{"parallel.tp", "parallel", "engine.gpu_speed"}));
  for (const Diagnostic& d : found) EXPECT_FALSE(d.message.empty());
}

TEST(PredictFacade, OutOfRangeValuesSetInCodeAreRefusedNotCrashed) {
  const Scenario base = default_scenario();
  const auto with = [&](auto change) {
    Scenario s = base;
    change(s);
    return refusal_path(s);
  };
  EXPECT_EQ(with([](Scenario& s) { s.parallel.tp = 0; }), "parallel.tp");
  EXPECT_EQ(with([](Scenario& s) { s.parallel.pp = -2; }), "parallel.pp");
  EXPECT_EQ(with([](Scenario& s) { s.parallel.zero = 4; }), "parallel.zero");
  EXPECT_EQ(with([](Scenario& s) { s.training.micro_batch = 0; }), "training.micro_batch");
  EXPECT_EQ(with([](Scenario& s) { s.training.global_batch = 1001; }), "training.global_batch");
  EXPECT_EQ(with([](Scenario& s) { s.parallel.expert_load_imbalance = 0.5; }),
            "parallel.expert_load_imbalance");
  EXPECT_EQ(with([](Scenario& s) { s.training.precision = Precision::tf32; }),
            "training.precision");
  EXPECT_EQ(with([](Scenario& s) { s.gpus = 2048; }), "cluster.nodes");
  EXPECT_EQ(with([](Scenario& s) { s.parallel.ep = 2; }), "parallel.ep");  // GPT-3 has no experts
}

TEST(PredictFacade, WarningsAreTypedAndLeadThePrediction) {
  Scenario s = default_scenario();
  s.parallel.zero3_prefetch = false;  // only ZeRO-3 gathers parameters
  s.parallel.sequence_parallel = true;
  s.parallel.tp = 1;
  s.parallel.dp = 0;
  const StepPrediction p = predict(s);
  ASSERT_GE(p.warnings.size(), 2u);
  EXPECT_EQ(p.warnings[0].code, DiagnosticCode::no_effect);
  EXPECT_EQ(p.warnings[0].path, "parallel.zero3_prefetch");
  EXPECT_EQ(p.warnings[1].path, "parallel.sequence_parallel");
  for (const Diagnostic& w : p.warnings) EXPECT_EQ(w.severity, Severity::warning);
}

TEST(PredictFacade, AStatedP2pOverlapWithoutPipelineWarnsButTheResolvedDefaultDoesNot) {
  Scenario s = default_scenario();
  s.parallel.pp = 1;
  s.parallel.dp = 0;
  EXPECT_TRUE(warnings_of(check_scenario(s)).empty());
  EXPECT_TRUE(warnings_of(check_scenario(resolved(s))).empty());
  s.parallel.p2p_overlap = Strategy::P2pOverlap::all;
  const auto warnings = warnings_of(check_scenario(s));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].path, "parallel.p2p_overlap");
}

TEST(PredictFacade, PredictIsSafeFromManyThreadsAndGivesTheSerialResults) {
  const Scenario base = default_scenario();
  std::vector<Scenario> variants;
  for (int pp : {4, 8, 16})
    for (int micro_batch : {1, 2})
      for (int zero : {0, 1, 3}) {
        Scenario s = base;
        s.parallel.pp = pp;
        s.parallel.dp = 0;
        s.parallel.zero = zero;
        s.training.micro_batch = micro_batch;
        variants.push_back(s);
      }
  std::vector<std::string> serial;
  for (const Scenario& s : variants) serial.push_back(report_of(predict(s)));

  std::vector<std::string> parallel(variants.size());
  std::vector<std::thread> pool;
  const unsigned threads = 6;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < variants.size(); i += threads)
        parallel[i] = report_of(predict(variants[i]));
    });
  for (std::thread& thread : pool) thread.join();
  EXPECT_EQ(parallel, serial);
}

TEST(PredictFacade, TheEngineIsChosenByTheScenario) {
  Scenario s = load_scenario(data_root() / "scenarios" / "llama3.1-8b-single-node.json");
  EXPECT_EQ(predict(s).engine, NetworkEngineKind::analytic);
  s.engine.network = NetworkEngineKind::flow;
  if (has_flow_engine()) {
    const StepPrediction flow = predict(s);
    EXPECT_EQ(flow.engine, NetworkEngineKind::flow);
    EXPECT_GT(flow.flows, 0u);
  } else {
    EXPECT_EQ(refusal_path(s), "engine.network");
  }
}

TEST(PredictFacade, TheDataRootCanBeSetAndRestored) {
  const std::filesystem::path found = data_root();
  EXPECT_TRUE(std::filesystem::exists(found / "hardware" / "presets"));
  const std::filesystem::path elsewhere = std::filesystem::temp_directory_path() / "no-presets";
  set_data_root(elsewhere);
  EXPECT_EQ(data_root(), elsewhere);
  EXPECT_THROW(load_scenario(found / "scenarios" / "default.json"), InputError);
  set_data_root({});
  EXPECT_EQ(data_root(), found);
  EXPECT_NO_THROW(load_scenario(default_scenario_file()));
}

TEST(PredictFacade, TpCommunicationOverlapNeedsTheTpGroupInsideANode) {
  Scenario s = default_scenario();  // DGX A100: 8 GPUs per node
  s.parallel.sequence_parallel = true;
  s.parallel.tp_comm_overlap = true;
  s.parallel.dp = 0;
  EXPECT_EQ(refusal_path(s), "accepted");
  s.parallel.tp = 16;
  s.parallel.pp = 8;
  EXPECT_EQ(refusal_path(s), "parallel.tp_comm_overlap");
}

TEST(PredictFacade, AutoSettingsAreFilledWithTheFastestStrategyThatFitsAndSaySo) {
  Scenario autos = load_scenario(default_scenario_file(), {"parallel.tp=auto", "parallel.pp=auto",
                                                           "training.micro_batch=auto"});
  autos.parallel.dp = 0;  // derived for each choice
  ASSERT_EQ(autos.auto_settings,
            (std::vector<std::string>{"parallel.tp", "parallel.pp", "training.micro_batch"}));
  const StepPrediction chosen = predict(autos);
  ASSERT_EQ(chosen.assumptions.size(), 3u);
  EXPECT_EQ(chosen.assumptions[0].path, "parallel.tp");
  EXPECT_NE(chosen.assumptions[0].reason.find("fastest"), std::string::npos);

  // The same as stating the chosen values, and no slower than any other value of them.
  Scenario stated = autos;
  stated.auto_settings.clear();
  stated.parallel.tp = chosen.assumptions[0].value.get<int>();
  stated.parallel.pp = chosen.assumptions[1].value.get<int>();
  stated.training.micro_batch = chosen.assumptions[2].value.get<int>();
  EXPECT_EQ(report_of(predict(stated)), report_of([&] {
              StepPrediction p = chosen;
              p.assumptions.clear();
              return p;
            }()));
  for (const auto& [tp, pp] : {std::pair{8, 16}, {4, 32}, {8, 8}}) {
    Scenario other = stated;
    other.parallel.tp = tp;
    other.parallel.pp = pp;
    const StepPrediction p = predict(other);
    if (p.memory.peak_bytes <= 0.95 * p.memory.capacity_bytes) {
      EXPECT_GE(p.step_time_s, chosen.step_time_s) << "tp " << tp << " pp " << pp;
    }
  }
}

TEST(PredictFacade, AStatedDpConstrainsTheAutoSettings) {
  const StepPrediction p =
      predict(load_scenario(default_scenario_file(), {"parallel.tp=auto", "parallel.pp=auto"}));
  ASSERT_EQ(p.assumptions.size(), 2u);
  EXPECT_EQ(p.assumptions[0].value.get<int>() * p.assumptions[1].value.get<int>() * 8, 1024);
}

TEST(PredictFacade, AutoIsRefusedWhereItCannotBeSearched) {
  try {
    load_scenario(default_scenario_file(), {"training.global_batch=auto"});
    FAIL() << "accepted an auto global batch";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "training.global_batch");
    EXPECT_NE(std::string(e.what()).find("parallel.tp"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim

namespace trainsim {
namespace {

TEST(PredictFacade, ClusterBeyondTwoTiersOfItsSwitchesIsSimulatedWithTheCoreLayerAndSaysSo) {
  const Scenario s = default_scenario();  // 128 DGX A100 x 8 HDR NICs on 40-port switches
  ASSERT_EQ(s.cluster.network.tiers, 2);
  EXPECT_EQ(resolved(s).cluster.network.tiers, 3);
  const StepPrediction p = predict(s);
  EXPECT_EQ(p.setup.network_tiers, 3);
  EXPECT_EQ(p.setup.network_tiers_reason,
            "1024 NIC ports exceed the 800 that 2 tiers of 40-port switches connect");
  Scenario small = s;
  small.cluster.nodes = 64;
  small.gpus = small.cluster.total_gpus();
  small.parallel.dp = 0;
  EXPECT_EQ(predict(small).setup.network_tiers, 2);
  EXPECT_EQ(predict(small).setup.network_tiers_reason, "");
}

TEST(PredictFacade, ClusterNoThreeTierFatTreeHoldsIsRefusedNamingTheNodes) {
  Scenario s = default_scenario();
  s.cluster.nodes = 100'000;  // 800,000 NIC ports; 40-port switches hold 16,000 with 3 tiers
  s.gpus = s.cluster.total_gpus();
  const std::vector<Diagnostic> found = check_scenario(s);
  const auto nodes = std::find_if(found.begin(), found.end(), [](const Diagnostic& d) {
    return d.severity == Severity::error && d.path == "cluster.nodes";
  });
  ASSERT_NE(nodes, found.end());
  EXPECT_NE(nodes->message.find("use at most 2000 nodes"), std::string::npos) << nodes->message;
  EXPECT_THROW((void)predict(s), InputError);
}

// The analytic engine simulates one GPU per pipeline stage, whatever the cluster's size: a
// million GPUs (on switches large enough to connect them) cost about what 1024 do.
TEST(PredictFacade, AMillionGpusOnTheAnalyticEngineArePredictedLikeAThousand) {
  Scenario s = default_scenario();
  const StepPrediction thousand = predict(s);
  s.cluster.nodes = 131'072;
  s.cluster.network.switch_ports = 2048;
  s.gpus = s.cluster.total_gpus();
  s.parallel.dp = 0;  // derived: 8192
  s.training.global_batch *= 1024;
  const StepPrediction million = predict(s);
  EXPECT_EQ(million.gpus, 1'048'576);
  EXPECT_LT(static_cast<double>(million.tasks), 1.1 * static_cast<double>(thousand.tasks));
  EXPECT_GT(million.step_time_s, thousand.step_time_s);  // a larger DP ring, same work per GPU
  EXPECT_LT(million.step_time_s, 1.1 * thousand.step_time_s);
}

}  // namespace
}  // namespace trainsim

namespace trainsim {
namespace {

TEST(PredictFacade, AStepLosingMostToStageImbalanceIsToldToBalanceTheStagesNotToAddMicroBatches) {
  Scenario s = load_scenario(data_root() / "scenarios" / "gpt3-13b-gpipe-vs-1f1b.json");
  s.training.global_batch = 256;  // 64 micro-batches: the last stage's LM head sets the pace
  const std::string sentence = explain_bottleneck(predict(s));
  EXPECT_NE(sentence.find("stage imbalance (waiting for stage 7)"), std::string::npos) << sentence;
  EXPECT_NE(sentence.find("parallel.layer_split"), std::string::npos) << sentence;
  EXPECT_EQ(sentence.find("more micro-batches per step"), std::string::npos) << sentence;
}

}  // namespace
}  // namespace trainsim

namespace trainsim {
namespace {

bool warned(const StepPrediction& p, DiagnosticCode code) {
  return std::any_of(p.warnings.begin(), p.warnings.end(),
                     [code](const Diagnostic& d) { return d.code == code; });
}

TEST(PredictFacade, APeakInsideTheHeadroomIsAtRiskNotFitting) {
  // Micro-batch 2 on 8 stages: 77.5 GiB of an 80 GiB A100, above the 76 GiB the 5% leaves.
  Scenario s = parse_scenario(
      load_scenario_json(default_scenario_file(),
                         {"training.micro_batch=2", "parallel.pp=8", "parallel.dp=16"}),
      data_root());
  const StepPrediction p = predict(s);
  EXPECT_LE(p.memory.peak_bytes, p.memory.capacity_bytes);
  EXPECT_GT(p.memory.peak_bytes, p.memory.usable_bytes);
  EXPECT_DOUBLE_EQ(p.memory.usable_bytes, 0.95 * p.memory.capacity_bytes);
  EXPECT_FALSE(p.memory.fits);
  EXPECT_TRUE(warned(p, DiagnosticCode::memory_at_risk));
  EXPECT_FALSE(warned(p, DiagnosticCode::over_memory));
  EXPECT_NE(prediction_to_table(p).find("AT RISK"), std::string::npos);

  s.training.memory_headroom = 0;  // the user's own allocator, say, packs perfectly
  EXPECT_TRUE(predict(s).memory.fits);

  s.training.memory_headroom = 0.05;
  s.strict_memory = true;
  try {
    (void)predict(s);
    FAIL() << "strict memory accepted a peak inside the headroom";
  } catch (const InfeasibleError& e) {
    EXPECT_NE(std::string(e.what()).find("training.memory_headroom"), std::string::npos);
  }
}

TEST(PredictFacade, AHeadroomOutsideZeroToNinetyPercentIsRefused) {
  Scenario s = default_scenario();
  s.training.memory_headroom = 1.0;
  EXPECT_EQ(paths_of(check_scenario(s), Severity::error),
            std::vector<std::string>{"training.memory_headroom"});
}

// Each "would fit" the warning offers, applied with --set as written, fits.
TEST(PredictFacade, AStepThatDoesNotFitSaysByHowMuchAndWhatWouldFitComputed) {
  const std::vector<std::string> too_big = {"training.micro_batch=4"};
  const StepPrediction p =
      predict(parse_scenario(load_scenario_json(default_scenario_file(), too_big), data_root()));
  ASSERT_TRUE(p.memory.over_capacity());
  ASSERT_TRUE(warned(p, DiagnosticCode::over_memory));
  const std::string& message = p.warnings.back().message;
  EXPECT_NE(message.find("GiB over"), std::string::npos) << message;

  const std::vector<MemoryRemedy> remedies = memory_remedies(
      resolved(parse_scenario(load_scenario_json(default_scenario_file(), too_big), data_root())));
  ASSERT_FALSE(remedies.empty());
  for (const MemoryRemedy& remedy : remedies) {
    EXPECT_NE(message.find(remedy.setting), std::string::npos) << remedy.setting;
    std::vector<std::string> sets = too_big;
    const std::size_t dp_note = remedy.setting.find(" (dp ");
    sets.push_back(remedy.setting.substr(0, dp_note));
    if (dp_note != std::string::npos)
      sets.push_back("parallel.dp=" +
                     remedy.setting.substr(dp_note + 5, remedy.setting.size() - dp_note - 6));
    const StepPrediction fixed =
        predict(parse_scenario(load_scenario_json(default_scenario_file(), sets), data_root()));
    EXPECT_TRUE(fixed.memory.fits) << remedy.setting;
    EXPECT_DOUBLE_EQ(fixed.memory.peak_bytes, remedy.peak_bytes) << remedy.setting;
  }
}

}  // namespace
}  // namespace trainsim
