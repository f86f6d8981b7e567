// Speed of the fast engine on the issue's reference case: GPT-3 175B on 1024 A100 (TP 8, PP 16,
// DP 8, 1F1B, global batch 1536, micro-batch 1). Target: <= 5 ms per prediction on one core.
#include <benchmark/benchmark.h>

#include "sim/core/data_dir.hpp"
#include "sim/engine/engine.hpp"
#include "sim/parallel/predict.hpp"
#include "sim/parallel/scenario_checks.hpp"

namespace trainsim {
namespace {

Scenario reference_scenario(const char* schedule, int vpp) {
  Json json = parse_json_text(R"({
    "name": "gpt3-175b on 1024 A100",
    "model": "gpt3-175b",
    "cluster": {"gpu": "a100-sxm4-80gb", "node": "dgx-a100", "nodes": 128,
                "network": "ib-hdr200-rail-fattree"},
    "parallel": {"tp": 8, "pp": 16, "dp": 8, "zero": 1},
    "training": {"global_batch": 1536, "micro_batch": 1, "seq_len": 2048, "precision": "bf16"}
  })",
                              "bench");
  json["parallel"]["schedule"] = schedule;
  json["parallel"]["vpp"] = vpp;
  return checked(parse_scenario(json, data_root()));
}

void run_prediction(benchmark::State& state, const Scenario& scenario, TaskGranularity g) {
  PredictOptions options;
  options.granularity = g;
  std::uint64_t events = 0;
  for (auto _ : state) {
    const StepPrediction p = predict_step(scenario, options);
    events += p.events;
    benchmark::DoNotOptimize(p.step_time_s);
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events) / static_cast<double>(state.iterations()));
}

void BM_PredictGpt3_175b_1024A100_1F1B(benchmark::State& state) {
  run_prediction(state, reference_scenario("1f1b", 1), TaskGranularity::pass);
}
BENCHMARK(BM_PredictGpt3_175b_1024A100_1F1B)->Unit(benchmark::kMillisecond);

void BM_PredictGpt3_175b_1024A100_Interleaved(benchmark::State& state) {
  run_prediction(state, reference_scenario("interleaved", 2), TaskGranularity::pass);
}
BENCHMARK(BM_PredictGpt3_175b_1024A100_Interleaved)->Unit(benchmark::kMillisecond);

void BM_PredictGpt3_175b_1024A100_ZeroBubbleV(benchmark::State& state) {
  // Includes the list schedule that orders ZB-V's passes (2·pp·m·3 of them).
  run_prediction(state, reference_scenario("zb-v", 1), TaskGranularity::pass);
}
BENCHMARK(BM_PredictGpt3_175b_1024A100_ZeroBubbleV)->Unit(benchmark::kMillisecond);

void BM_PredictGpt3_175b_1024A100_PerLayerTasks(benchmark::State& state) {
  run_prediction(state, reference_scenario("1f1b", 1), TaskGranularity::layer);
}
BENCHMARK(BM_PredictGpt3_175b_1024A100_PerLayerTasks)->Unit(benchmark::kMillisecond);

// The engine alone: a chain of streams with cross edges, to report raw events/s.
void BM_EngineEventsPerSecond(benchmark::State& state) {
  const int streams = 64, tasks_per_stream = 2000;
  std::uint64_t events = 0;
  for (auto _ : state) {
    TaskGraph g;
    std::vector<StreamId> ids;
    for (int s = 0; s < streams; ++s) ids.push_back(g.add_stream(s, StreamKind::compute));
    std::vector<TaskId> previous(streams);
    for (int i = 0; i < tasks_per_stream; ++i) {
      for (int s = 0; s < streams; ++s) {
        TaskSpec spec;
        spec.label = "task";
        spec.duration_s = 1e-3 * (1 + (i * 7 + s * 13) % 5);
        const TaskId id = g.add_task(ids[s], spec);
        if (i > 0 && s > 0) g.add_edge(previous[s - 1], id);
        previous[s] = id;
      }
    }
    const Timeline t = run_engine(g);
    events += t.events;
    benchmark::DoNotOptimize(t.makespan_s);
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EngineEventsPerSecond)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace trainsim

BENCHMARK_MAIN();
