#include "sim/parallel/training_run.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/core/errors.hpp"
#include "sim/parallel/memory.hpp"

namespace trainsim {

double checkpoint_bytes(const Scenario& s) {
  const ModelStateBytes state =
      model_state_bytes_per_param(s.training.framework, s.training.precision,
                                  s.parallel.grad_reduce_in_fp32.value_or(true), s.parallel.zero);
  // FP8's transposed weight cache (the third weight byte) is rebuilt, not saved.
  const double weights =
      std::min(state.weights, s.training.precision == Precision::fp8 ? 2.0 : 4.0);
  // What the optimizer saves is its master weights, m and v (at most 12 B); DeepSpeed's fp32 copy
  // of the gradient partition, held with its states, is not saved.
  const double optimizer = std::min(state.optimizer, 12.0);
  return s.model.total_params() * (weights + optimizer);
}

double optimal_checkpoint_interval_s(double write_s, double mtbf_s) {
  if (write_s >= 2 * mtbf_s) return mtbf_s;
  const double r = write_s / (2 * mtbf_s);
  return std::sqrt(2 * write_s * mtbf_s) * (1 + std::sqrt(r) / 3 + r / 9) - write_s;
}

double expected_wall_time_s(double solve_s, double interval_s, double write_s, double restart_s,
                            double mtbf_s) {
  return mtbf_s * std::exp(restart_s / mtbf_s) * std::expm1((interval_s + write_s) / mtbf_s) *
         solve_s / interval_s;
}

namespace {

Resilience estimate_resilience(const Scenario& s, double step_time_s, double failure_free_s) {
  Resilience r;
  r.checkpoint_bytes = checkpoint_bytes(s);
  r.checkpoint_write_s = r.checkpoint_bytes / s.cluster.storage_Bps;
  r.restart_s = s.cluster.restart_s + r.checkpoint_write_s;  // read back at the same rate
  r.job_mtbf_s = s.cluster.gpu_mtbf_hours * 3600 / s.gpus;
  // Checkpoints are taken between steps: at least one step apart.
  r.interval_s =
      std::max(optimal_checkpoint_interval_s(r.checkpoint_write_s, r.job_mtbf_s), step_time_s);
  r.interval_steps = r.interval_s / step_time_s;
  r.failure_free_s = failure_free_s;
  r.checkpoint_overhead_s = failure_free_s / r.interval_s * r.checkpoint_write_s;
  const double wall_s = expected_wall_time_s(failure_free_s, r.interval_s, r.checkpoint_write_s,
                                             r.restart_s, r.job_mtbf_s);
  // Beyond this Daly's model has the job mostly failing and redoing work: no run to plan.
  constexpr double kMinGoodput = 0.01;
  if (!(failure_free_s / wall_s >= kMinGoodput))
    throw InfeasibleError(fmt::format(
        "the run makes almost no progress: the job fails every {:.3g} s on average "
        "(cluster.gpu_mtbf_hours / GPUs) while a checkpoint takes {:.3g} s to write and a "
        "restart {:.3g} s; raise cluster.storage_GBps or cluster.gpu_mtbf_hours",
        r.job_mtbf_s, r.checkpoint_write_s, r.restart_s));
  r.failure_overhead_s = std::max(0.0, wall_s - failure_free_s - r.checkpoint_overhead_s);
  r.expected_failures = wall_s / r.job_mtbf_s;
  r.goodput = failure_free_s / wall_s;
  return r;
}

}  // namespace

std::optional<TrainingRun> estimate_training_run(const Scenario& s, double step_time_s,
                                                 const Breakdown& critical) {
  if (s.training.tokens <= 0 || step_time_s <= 0) return std::nullopt;
  TrainingRun run;
  run.tokens = s.training.tokens;
  const double tokens_per_step =
      static_cast<double>(s.training.global_batch) * static_cast<double>(s.training.seq_len);
  run.steps = run.tokens / tokens_per_step;
  run.time_to_train_s = run.steps * step_time_s;
  if (s.cluster.gpu_mtbf_hours > 0 && s.cluster.storage_Bps > 0) {
    run.resilience = estimate_resilience(s, step_time_s, run.time_to_train_s);
    run.time_to_train_s /= run.resilience->goodput;
  }
  run.gpu_hours = run.time_to_train_s * s.gpus / 3600.0;
  run.pue = s.cluster.pue;
  if (s.cluster.gpu_hour_usd > 0) {
    run.gpu_hour_usd = s.cluster.gpu_hour_usd;
    run.cost_usd = run.gpu_hours * s.cluster.gpu_hour_usd;
  }
  const double tdp_W = s.cluster.gpu.tdp_W;
  if (tdp_W > 0) {
    const double busy =
        std::clamp((critical.compute_s + critical.optimizer_s) / step_time_s, 0.0, 1.0);
    const double gpu_W = tdp_W * (busy + (1 - busy) * kWaitingPowerFractionOfTdp);
    const NodeSpec& node = s.cluster.node;
    const double rest_of_node_W =
        std::max(0.0, node.max_system_power_W - node.gpus_per_node * tdp_W);
    const double nodes = static_cast<double>(s.gpus) / node.gpus_per_node;
    run.average_power_W = s.cluster.pue * (s.gpus * gpu_W + nodes * rest_of_node_W);
    run.energy_mwh = *run.average_power_W * run.time_to_train_s / 3.6e9;
  }
  return run;
}

}  // namespace trainsim
