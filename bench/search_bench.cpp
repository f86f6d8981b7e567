// `trainsim search` end to end on the two problems (issue 15), every searchable setting
// free: GPT-3 175B on 1024 A100 with global batch 1536 (the space Calculon searches for the same
// problem has about 11.7 million raw configurations; trainsim's has 104 million), and Llama 3.1
// 405B on 16,384 H100 with context parallelism at 8K, 32K and 128K tokens per sequence (16M
// tokens per step, Llama 3's batch).
// Targets on 2 cores: <= 30 s and <= 60 s. Run: build/bench/search_bench
#include <benchmark/benchmark.h>

#include "sim/api/trainsim.hpp"
#include "sim/search/search.hpp"

namespace trainsim {
namespace {

void report(benchmark::State& state, const SearchResult& r) {
  state.counters["considered"] = static_cast<double>(r.counts.considered);
  state.counters["simulated"] = static_cast<double>(r.counts.simulated);
  state.counters["best_step_s"] = r.best.front().prediction.step_time_s;
}

void BM_SearchGpt3_175bOn1024A100(benchmark::State& state) {
  const Scenario s = load_scenario(default_scenario_file());
  for (auto _ : state) {
    const SearchResult r = search(s);
    benchmark::DoNotOptimize(r);
    report(state, r);
  }
}
BENCHMARK(BM_SearchGpt3_175bOn1024A100)->Unit(benchmark::kSecond)->Iterations(1);

void BM_SearchLlama405bOn16384H100(benchmark::State& state) {
  const std::int64_t seq_len = state.range(0);
  const Scenario s =
      load_scenario(default_scenario_file(),
                    {"model=llama3.1-405b", "cluster.gpu=h100-sxm5-80gb", "cluster.node=dgx-h100",
                     "cluster.network=ib-ndr400-rail-fattree", "cluster.nodes=2048",
                     "training.seq_len=" + std::to_string(seq_len),
                     "training.global_batch=" + std::to_string((std::int64_t{1} << 24) / seq_len)});
  for (auto _ : state) {
    const SearchResult r = search(s);
    benchmark::DoNotOptimize(r);
    report(state, r);
  }
}
BENCHMARK(BM_SearchLlama405bOn16384H100)
    ->Arg(8192)
    ->Arg(32768)
    ->Arg(131072)
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace
}  // namespace trainsim

BENCHMARK_MAIN();
