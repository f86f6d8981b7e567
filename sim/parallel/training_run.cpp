#include "sim/parallel/training_run.hpp"

#include <algorithm>

namespace trainsim {

std::optional<TrainingRun> estimate_training_run(const Scenario& s, double step_time_s,
                                                 const Breakdown& critical) {
  if (s.training.tokens <= 0 || step_time_s <= 0) return std::nullopt;
  TrainingRun run;
  run.tokens = s.training.tokens;
  const double tokens_per_step =
      static_cast<double>(s.training.global_batch) * static_cast<double>(s.training.seq_len);
  run.steps = run.tokens / tokens_per_step;
  run.time_to_train_s = run.steps * step_time_s;
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
