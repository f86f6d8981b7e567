// Parse once, predict many: what `search` and the Python module do. One parsed scenario (the
// bundled default, GPT-3 175B on 1024 A100) and 1,000 strategy variants of it built in C++, each
// predicted through the façade (defaults resolved, every check run, engine chosen).
// Target (issue 22): <= 0.5 ms per variant on one core.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <vector>

#include "sim/api/trainsim.hpp"

namespace trainsim {
namespace {

constexpr std::size_t kVariants = 1000;

// The first kVariants strategies, in a fixed order, that check_scenario accepts: tp, pp, vpp,
// micro-batch, schedule, recompute, ZeRO stage and sequence parallelism varied together (what a
// search enumerates), dp derived.
std::vector<Scenario> strategy_variants(const Scenario& base) {
  std::vector<Scenario> out;
  const ScheduleKind schedules[] = {ScheduleKind::one_f_one_b, ScheduleKind::interleaved,
                                    ScheduleKind::zb_h1, ScheduleKind::gpipe};
  const RecomputeKind recomputes[] = {RecomputeKind::selective, RecomputeKind::full,
                                      RecomputeKind::none};
  for (const int tp : {8, 4, 2})
    for (const int pp : {16, 8, 32, 4})
      for (const ScheduleKind schedule : schedules)
        for (const int vpp : {1, 2, 3})
          for (const std::int64_t micro_batch : {1, 2, 4})
            for (const RecomputeKind recompute : recomputes)
              for (const int zero : {1, 0, 2})
                for (const bool sp : {true, false}) {
                  if (out.size() == kVariants) return out;
                  if ((schedule == ScheduleKind::interleaved) != (vpp > 1)) continue;
                  Scenario s = base;
                  s.parallel = Strategy{};
                  s.parallel.tp = tp;
                  s.parallel.pp = pp;
                  s.parallel.vpp = vpp;
                  s.parallel.schedule = schedule;
                  s.parallel.zero = zero;
                  s.parallel.sequence_parallel = sp && tp > 1;
                  s.training.micro_batch = micro_batch;
                  s.training.recompute = recompute;
                  if (has_errors(check_scenario(s))) continue;
                  out.push_back(std::move(s));
                }
  return out;
}

void BM_FacadePredict1000StrategyVariants(benchmark::State& state) {
  const Scenario base = load_scenario(default_scenario_file());
  const std::vector<Scenario> variants = strategy_variants(base);
  if (variants.size() != kVariants) {
    state.SkipWithError("fewer valid strategy variants than expected");
    return;
  }
  double total_step_s = 0;
  for (auto _ : state) {
    for (const Scenario& s : variants) total_step_s += predict(s).step_time_s;
    benchmark::DoNotOptimize(total_step_s);
  }
  state.counters["variants"] = static_cast<double>(variants.size());
  state.counters["ms_per_variant"] =
      benchmark::Counter(static_cast<double>(state.iterations() * variants.size()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FacadePredict1000StrategyVariants)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace trainsim

BENCHMARK_MAIN();
