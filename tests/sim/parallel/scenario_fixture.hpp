#pragma once
// Small scenarios for the parallel-layer tests, written as the JSON a user would write.
#include <optional>
#include <string>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"
#include "sim/parallel/scenario.hpp"
#include "sim/parallel/scenario_checks.hpp"
#include "sim/parallel/step_builder.hpp"

namespace trainsim::testing {

inline Json small_gpt_scenario() {
  return parse_json_text(R"({
    "name": "small gpt",
    "model": {"layers": 8, "hidden": 1024, "heads": 16, "vocab": 32000, "activation": "gelu"},
    "cluster": {"gpu": "a100-sxm4-80gb", "node": "dgx-a100", "nodes": 2,
                "network": "ib-hdr200-rail-fattree"},
    "parallel": {"tp": 2, "pp": 4, "schedule": "1f1b"},
    "training": {"global_batch": 64, "micro_batch": 2, "seq_len": 1024, "precision": "bf16"}
  })",
                         "fixture");
}

// The small GPT on 16 GPUs as tp 2 x dp 8 at ZeRO stage `zero`, 2 micro-batches of 2, on
// `framework`.
inline Json data_parallel_on(const char* framework, int zero) {
  Json json = small_gpt_scenario();
  json["parallel"] = {{"tp", 2}, {"pp", 1}, {"zero", zero}};
  json["training"]["global_batch"] = 32;
  json["training"]["framework"] = framework;
  return json;
}

// A Llama block (GQA 16 heads / 4 KV heads, SwiGLU, RMSNorm) in that layout with ZeRO-3 and
// sequence parallelism, recomputing as `recompute` says.
inline Json llama_block_on(const char* framework, const char* recompute) {
  Json json = data_parallel_on(framework, 3);
  json["model"] = {{"layers", 8},
                   {"hidden", 1024},
                   {"heads", 16},
                   {"kv_heads", 4},
                   {"ffn_hidden", 3584},
                   {"vocab", 32000},
                   {"activation", "swiglu"},
                   {"norm", "rmsnorm"}};
  json["parallel"]["sequence_parallel"] = true;
  json["training"]["recompute"] = recompute;
  return json;
}

// Parsed, resolved and checked (InputError for the first problem), ready for the engines.
inline Scenario scenario_from(const Json& json) {
  return checked(parse_scenario(json, data_root()));
}

// The one-line error a scenario is refused with, or "accepted" when it is not.
inline std::string refusal(const Json& json) {
  try {
    scenario_from(json);
  } catch (const InputError& e) {
    return e.what();
  }
  return "accepted";
}

// Bytes the first rank of pipeline stage 0 moves in one step, by collective kind; `scope`: only
// that group's traffic. Pipeline sends are counted apart.
struct StepTraffic {
  double all_reduce = 0, reduce_scatter = 0, all_gather = 0, sends = 0;
};

inline StepTraffic stage0_traffic(const Scenario& s, std::optional<CommScope> scope = {}) {
  const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
  const CollectiveCost collectives(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
  const StepWorkload w = build_step(s, compute, collectives);
  StepTraffic v;
  for (const CommTag& t : w.comm_tags) {
    if (w.graph.streams()[w.graph.task(t.task).stream].rank != 0) continue;
    if (scope && t.scope != *scope) continue;
    if (t.scope == CommScope::pp) v.sends += t.bytes;
    if (t.kind == CollectiveKind::all_reduce) v.all_reduce += t.bytes;
    if (t.kind == CollectiveKind::reduce_scatter) v.reduce_scatter += t.bytes;
    if (t.kind == CollectiveKind::all_gather) v.all_gather += t.bytes;
  }
  return v;
}

}  // namespace trainsim::testing
