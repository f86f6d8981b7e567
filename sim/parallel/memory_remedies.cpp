#include "sim/parallel/memory_remedies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "sim/core/diagnostic.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/scenario_checks.hpp"
#include "sim/parallel/scenario_defaults.hpp"

namespace trainsim {
namespace {

// The peak of `scenario` changed by `change`, when the result is a valid scenario that fits.
std::optional<double> fitting_peak(const Scenario& scenario,
                                   const std::function<void(Scenario&)>& change) {
  Scenario changed = scenario;
  change(changed);
  for (const Diagnostic& d : check_scenario(changed))
    if (d.severity == Severity::error) return std::nullopt;
  const MemoryEstimate memory = estimate_peak_memory(resolved(changed));
  if (!memory.fits) return std::nullopt;
  return memory.peak_bytes;
}

// A layout change: dp and the defaults that follow from it are derived again.
void rederive_dp(Scenario& s) {
  s.parallel.dp = 0;
  s.parallel.bucket_params = 0;
}

}  // namespace

std::vector<MemoryRemedy> memory_remedies(const Scenario& scenario) {
  std::vector<MemoryRemedy> out;
  const auto offer = [&](std::string setting, const std::function<void(Scenario&)>& change) {
    if (const std::optional<double> peak = fitting_peak(scenario, change)) {
      out.push_back({std::move(setting), *peak});
      return true;
    }
    return false;
  };
  const TrainingConfig& t = scenario.training;
  const Strategy& p = scenario.parallel;
  // A framework whose allocator holds only a share of the GPU (JAX preallocates 75%) can be given
  // more: MaxText's GPU recipes set XLA_PYTHON_CLIENT_MEM_FRACTION to 0.85
  // (configs/a3/llama_2_7b/1vm.sh at efb6d9e); the smallest larger share that fits is offered.
  const double pool = t.memory_pool_fraction.value_or(framework_profile(t.framework).pool_fraction);
  for (double larger : {0.85, 0.9, 0.95})
    if (larger > pool && offer(fmt::format("training.memory_pool_fraction={}", larger),
                               [larger](Scenario& s) { s.training.memory_pool_fraction = larger; }))
      break;
  // The framework's recomputations between the scenario's and full first (Megatron's
  // selective, TorchTitan's per-op, MaxText's remat policies): its profile lists them lightest
  // first, and the first that fits is offered.
  {
    const auto& offered = framework_profile(t.framework).recompute_options;
    auto next = std::find(offered.begin(), offered.end(), name_of(t.recompute));
    if (next != offered.end()) ++next;
    for (; next != offered.end(); ++next) {
      const std::optional<RecomputeKind> heavier = parse_recompute(*next);
      if (!heavier || *heavier == RecomputeKind::full) continue;
      if (offer(fmt::format("training.recompute={}", *next),
                [kind = *heavier](Scenario& s) { s.training.recompute = kind; }))
        break;
    }
  }
  if (p.tp > 1 && !p.sequence_parallel)
    offer("parallel.sequence_parallel=true",
          [](Scenario& s) { s.parallel.sequence_parallel = true; });
  for (int zero = p.zero + 1; zero <= 3; ++zero)
    if (offer(fmt::format("parallel.zero={}", zero),
              [zero](Scenario& s) { s.parallel.zero = zero; }))
      break;
  if (t.recompute != RecomputeKind::full)
    offer("training.recompute=full",
          [](Scenario& s) { s.training.recompute = RecomputeKind::full; });
  for (std::int64_t micro_batch = t.micro_batch / 2; micro_batch >= 1; micro_batch /= 2)
    if (offer(fmt::format("training.micro_batch={}", micro_batch),
              [micro_batch](Scenario& s) { s.training.micro_batch = micro_batch; }))
      break;
  // A layout change re-derives dp, which the setting says, as a scenario stating dp must too.
  const auto layout = [&](const char* key, int value, int tp, int pp) {
    const std::int64_t model_parallel = std::int64_t{tp} * pp * p.cp;
    return fmt::format("parallel.{}={} (dp {})", key, value, scenario.gpus / model_parallel);
  };
  offer(layout("pp", 2 * p.pp, p.tp, 2 * p.pp), [](Scenario& s) {
    s.parallel.pp *= 2;
    rederive_dp(s);
  });
  if (2 * p.tp <= scenario.cluster.node.gpus_per_node)
    offer(layout("tp", 2 * p.tp, 2 * p.tp, p.pp), [](Scenario& s) {
      s.parallel.tp *= 2;
      rederive_dp(s);
    });
  return out;
}

}  // namespace trainsim
