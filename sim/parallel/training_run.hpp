#pragma once
// A whole training run from one predicted step: time to train a number of tokens, GPU-hours, its
// cost and its energy (training.tokens, cluster.gpu_hour_usd, cluster.pue; interface.md `run`).
#include <optional>

#include "sim/parallel/breakdown.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

// While a GPU does not compute (pipeline bubble, exposed communication) it still draws power:
// NCCL kernels spin and HBM and NVLink stay busy. estimate: 30% of its TDP — an idle H100 SXM
// reads about 10% of its 700 W in nvidia-smi, and a communication phase sits well above idle
// but far below a GEMM's draw.
inline constexpr double kWaitingPowerFractionOfTdp = 0.3;

struct TrainingRun {
  double tokens = 0;
  double steps = 0;  // tokens / (global batch × sequence length)
  double time_to_train_s = 0;
  double gpu_hours = 0;
  std::optional<double> gpu_hour_usd;  // the price used (stated, else prices.json)
  std::optional<double> cost_usd;
  // Facility power and energy: each GPU at its TDP while it computes (the critical GPU's share
  // of the step) and kWaitingPowerFractionOfTdp of it otherwise, plus each node's other parts at
  // the datasheet maximum less its GPUs' TDP, times the PUE. Absent when the GPU has no TDP.
  std::optional<double> average_power_W;
  std::optional<double> energy_mwh;
  double pue = 1;
};

// The run of `scenario.training.tokens` tokens at `step_time_s` per step; nullopt when the
// scenario states no tokens.
std::optional<TrainingRun> estimate_training_run(const Scenario& scenario, double step_time_s,
                                                 const Breakdown& critical);

}  // namespace trainsim
