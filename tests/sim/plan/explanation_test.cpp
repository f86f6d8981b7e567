// `trainsim explain` (sim/plan/explanation.hpp): the parts add up to the step, each collective is
// the one the predictor costs (bytes, group, placement), and every suggested change gains exactly
// what predicting the changed scenario gives, fits in memory, and is distinct.
#include "sim/plan/explanation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace trainsim {
namespace {

Scenario bundled(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return load_scenario(data_root() / "scenarios" / name, overrides);
}

const CommunicationExplained* find(const Explanation& x, TimeCategory c) {
  for (const CommunicationExplained& e : x.communication)
    if (e.category == c) return &e;
  return nullptr;
}

// The scenario JSON with a suggestion's settings, dp derived again: what a user would run.
StepPrediction predict_suggested(const std::string& name, const Suggestion& s) {
  Json json = load_scenario_json(data_root() / "scenarios" / name);
  for (const auto& [path, value] : s.to) apply_override(json, path + "=" + value.dump());
  json["parallel"].erase("dp");
  return predict(parse_scenario(json, data_root() / "scenarios"));
}

TEST(Explain, ThePartsAddUpToTheStepComputeFirstThenTheLargestLoss) {
  const Explanation x = explain(bundled("default.json"));
  ASSERT_FALSE(x.parts.empty());
  EXPECT_EQ(x.parts.front().name, "compute");
  double total = 0;
  for (const StepPart& p : x.parts) total += p.seconds;
  EXPECT_NEAR(total, x.prediction.step_time_s, 1e-9 * x.prediction.step_time_s);
  for (std::size_t i = 2; i < x.parts.size(); ++i)
    EXPECT_GE(x.parts[i - 1].seconds, x.parts[i].seconds) << x.parts[i].name;
}

TEST(Explain, NamesEachCollectiveWithItsBytesGroupAndLinks) {
  // GPT-3 175B, tp 8 inside a DGX A100, micro-batch 1 of 2048 tokens, hidden 12288, bf16.
  const Explanation x = explain(bundled("default.json"));
  const CommunicationExplained* tp = find(x, TimeCategory::tp_comm);
  ASSERT_NE(tp, nullptr);
  EXPECT_DOUBLE_EQ(tp->exposed_s, x.prediction.breakdown.exposed(TimeCategory::tp_comm));
  const CollectiveExplained& layer = tp->collectives.front();
  EXPECT_EQ(layer.where, "layer");
  EXPECT_EQ(layer.kind, CollectiveKind::all_reduce);
  EXPECT_DOUBLE_EQ(layer.bytes, 2048.0 * 12288 * 2);
  EXPECT_EQ(layer.forward_calls, 2);  // Megatron's g after attention and after the MLP
  EXPECT_EQ(layer.backward_calls, 2);
  EXPECT_EQ(layer.group.ranks, 8);
  EXPECT_EQ(layer.group.nodes, 1);
  EXPECT_FALSE(layer.latency_bound);
  EXPECT_GT(layer.busbw_Bps, 0);
  EXPECT_LE(layer.busbw_Bps, layer.link_Bps);  // no collective beats its links
  // The vocab-parallel cross-entropy's all-reduces of one float per token are latency-bound.
  const auto ce = std::find_if(tp->collectives.begin(), tp->collectives.end(),
                               [](const CollectiveExplained& c) { return c.bytes == 2048 * 4.0; });
  ASSERT_NE(ce, tp->collectives.end());
  EXPECT_TRUE(ce->latency_bound);

  const CommunicationExplained* dp = find(x, TimeCategory::dp_comm);
  ASSERT_NE(dp, nullptr);
  ASSERT_TRUE(dp->issued_s.has_value());
  EXPECT_GE(*dp->issued_s, dp->exposed_s);  // the rest is hidden behind the backward pass
  for (const CollectiveExplained& c : dp->collectives) {
    EXPECT_EQ(c.group.ranks, x.scenario.parallel.dp) << c.where;
    EXPECT_EQ(c.group.nodes, x.scenario.parallel.dp) << c.where;  // one GPU per node
    EXPECT_GT(c.step_calls, 0);
    EXPECT_LE(c.busbw_Bps, c.link_Bps) << c.where;
  }
}

TEST(Explain, EverySuggestedGainIsWhatPredictingTheChangedScenarioGives) {
  for (const char* name : {"default.json", "mixtral-8x7b-expert-parallel.json"}) {
    const Explanation x = explain(bundled(name));
    ASSERT_FALSE(x.suggestions.empty()) << name;
    EXPECT_LE(x.suggestions.size(), 3u);
    std::vector<std::vector<std::string>> seen;
    for (std::size_t i = 0; i < x.suggestions.size(); ++i) {
      const Suggestion& s = x.suggestions[i];
      const StepPrediction again = predict_suggested(name, s);
      EXPECT_DOUBLE_EQ(again.step_time_s, s.prediction.step_time_s) << name;
      EXPECT_DOUBLE_EQ(s.gain_s, x.prediction.step_time_s - again.step_time_s) << name;
      EXPECT_GT(s.gain_s, 0);
      EXPECT_LE(again.memory.peak_bytes, again.memory.capacity_bytes * (1 - x.memory_headroom));
      if (i > 0) {
        EXPECT_GE(x.suggestions[i - 1].gain_s, s.gain_s);
      }
      std::vector<std::string> paths;
      for (const auto& [path, value] : s.to) paths.push_back(path);
      EXPECT_EQ(std::count(seen.begin(), seen.end(), paths), 0) << "one suggestion per setting";
      seen.push_back(paths);
    }
  }
}

TEST(Explain, AParameterServersPushesAndPullsAndTheServerSettingsThatWouldHelp) {
  // The tour's step 4: ResNet-50 on 64 A100 with 4 dedicated one-NIC servers.
  const std::string name = "teaching/04-parameter-server.json";
  const Explanation x = explain(bundled(name));
  const CommunicationExplained* dp = find(x, TimeCategory::dp_comm);
  ASSERT_NE(dp, nullptr);
  EXPECT_TRUE(dp->collectives.empty());  // no NCCL collective
  // Pulls run beside the next pushes: the time the transfers take is their union, at least
  // what is exposed and at most the step.
  ASSERT_TRUE(dp->issued_s.has_value());
  EXPECT_GE(*dp->issued_s, dp->exposed_s);
  EXPECT_LE(*dp->issued_s, x.prediction.step_time_s);
  double pushed = 0, pulled = 0;
  for (const PsTransferExplained& t : dp->ps_transfers) {
    (t.where.find("push") != std::string::npos ? pushed : pulled) +=
        t.bytes_per_worker * t.step_calls;
    EXPECT_EQ(t.workers, 64);
    EXPECT_EQ(t.servers, 4);
    // Every worker's quarter into one server host, through its one NIC: incast-bound.
    EXPECT_DOUBLE_EQ(t.exchange.server_bytes, 64 * t.bytes_per_worker / 4);
    EXPECT_GT(t.exchange.server_s, 10 * t.exchange.worker_s);
  }
  const double fp32_gradients = 25'557'032 * 4.0;
  EXPECT_NEAR(pushed, fp32_gradients, 1e-9 * fp32_gradients);
  EXPECT_NEAR(pulled, fp32_gradients, 1e-9 * fp32_gradients);
  // The search's strategies cannot help (a server takes pure data parallelism); the server
  // settings and the all-reduce can, each by what predicting it gives.
  ASSERT_EQ(x.suggestions.size(), 3u);
  EXPECT_EQ(x.suggestions.front().to.front(),
            (std::pair<std::string, Json>{"parallel.dp_mode", "allreduce"}));
  for (const Suggestion& s : x.suggestions) {
    const StepPrediction again = predict_suggested(name, s);
    EXPECT_DOUBLE_EQ(s.gain_s, x.prediction.step_time_s - again.step_time_s);
    EXPECT_GT(s.gain_s, 0);
  }
}

// A 256k vocabulary on a small model: the LM head weighs about 20 layers, so the last stage
// keeps the others waiting. No search setting fixes that; moving layers off it does, and the
// gain shown is what predicting that split gives.
TEST(Explain, AStageThatKeepsTheOthersWaitingIsToldWhichLayersToMove) {
  Scenario s = parse_scenario_text(R"({
    "model": {"layers": 16, "hidden": 1024, "heads": 16, "vocab": 256000},
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "gpus": 8},
    "parallel": {"tp": 1, "pp": 4, "schedule": "1f1b"},
    "training": {"global_batch": 64, "micro_batch": 1, "seq_len": 2048}
  })");
  const Explanation x = explain(s);
  ASSERT_GT(x.prediction.breakdown.stage_imbalance_s, 0);
  EXPECT_EQ(x.prediction.breakdown.slowest_stage, 3);
  const auto split = std::find_if(x.suggestions.begin(), x.suggestions.end(), [](const auto& g) {
    return g.to.size() == 1 && g.to.front().first == "parallel.layer_split";
  });
  ASSERT_NE(split, x.suggestions.end());
  EXPECT_EQ(split->from.front().second, "even");
  const std::vector<std::int64_t> counts = split->to.front().second;
  EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), std::int64_t{0}), 16);
  EXPECT_LT(counts[3], 4);  // layers leave the last stage
  Scenario changed = s;
  changed.parallel.layer_split = LayerSplit::counts;
  changed.parallel.layer_counts = counts;
  EXPECT_DOUBLE_EQ(split->gain_s, x.prediction.step_time_s - predict(changed).step_time_s);
  EXPECT_GT(split->gain_s, 0);
}

TEST(Explain, SettingsTheSearchChoseAreNotSuggestedAgain) {
  // The search's winner for these settings: none of them changed alone beats it.
  Scenario s = bundled("llama3.1-8b-single-node.json");
  for (const char* path : {"parallel.tp", "parallel.pp", "training.micro_batch",
                           "training.recompute", "parallel.zero"})
    s.auto_settings.push_back(path);
  ExplainOptions options;
  options.memory_headroom = 0;  // as "auto" chooses
  const Explanation x = explain(s, options);
  EXPECT_EQ(x.prediction.assumptions.size(), 5u);
  for (const Suggestion& suggestion : x.suggestions) {
    for (const auto& [path, value] : suggestion.to)
      EXPECT_EQ(std::count(s.auto_settings.begin(), s.auto_settings.end(), path), 0)
          << path << ": the search already chose its best value";
  }
}

TEST(Explain, OnTheFlowEngineTheGainsAreTheFlowEnginesOwn) {
  if (!has_flow_engine()) GTEST_SKIP() << "built without SimGrid";
  const Scenario s = bundled("llama3.1-8b-single-node.json",
                             {"engine.network=flow", "parallel.cp=1", "parallel.pp=2"});
  ExplainOptions options;
  options.suggestions = 1;
  const Explanation x = explain(s, options);
  EXPECT_EQ(x.prediction.engine, NetworkEngineKind::flow);
  ASSERT_EQ(x.suggestions.size(), 1u);
  for (const Suggestion& suggestion : x.suggestions) {
    EXPECT_EQ(suggestion.prediction.engine, NetworkEngineKind::flow);
    EXPECT_DOUBLE_EQ(suggestion.gain_s,
                     x.prediction.step_time_s - suggestion.prediction.step_time_s);
  }
}

}  // namespace
}  // namespace trainsim
