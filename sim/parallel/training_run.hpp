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

// Checkpoints and failures (cluster.storage_GBps, cluster.gpu_mtbf_hours): synchronous
// checkpoints every `interval_s` of training, the optimum of Daly's higher-order model (J. T. Daly,
// "A higher order estimate of the optimum checkpoint interval for restart dumps", FGCS 22(3),
// 2006), failures arriving at random (exponential) with the job's MTBF.
struct Resilience {
  double checkpoint_bytes = 0;  // 16-bit weights and the optimizer's fp32 master weights, m, v
  double checkpoint_write_s = 0;
  double restart_s = 0;   // relaunch (cluster.restart_minutes) + reading the checkpoint back
  double job_mtbf_s = 0;  // gpu_mtbf_hours / GPUs
  double interval_s = 0;  // training time between checkpoints (Daly's optimum)
  double interval_steps = 0;
  double failure_free_s = 0;         // the run with neither checkpoints nor failures
  double checkpoint_overhead_s = 0;  // writing checkpoints, when nothing fails
  double failure_overhead_s = 0;     // restarts and the work redone since the last checkpoint
  double expected_failures = 0;
  double goodput = 1;  // failure-free time / wall-clock time
};

// Checkpoint bytes of `scenario`'s model: per parameter, the 16-bit weights (4 in fp32 or
// PyTorch autocast) and the optimizer state (memory.hpp); gradients are not saved.
double checkpoint_bytes(const Scenario& scenario);

// Daly's optimum interval for a checkpoint taking `write_s` with the job's MTBF `mtbf_s`.
double optimal_checkpoint_interval_s(double write_s, double mtbf_s);

// Daly's expected wall-clock time for `solve_s` of work checkpointed every `interval_s`.
double expected_wall_time_s(double solve_s, double interval_s, double write_s, double restart_s,
                            double mtbf_s);

struct TrainingRun {
  double tokens = 0;
  double steps = 0;  // tokens / (global batch × sequence length)
  // Wall-clock: with checkpoints and failures when they are modelled (`resilience`).
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
  std::optional<Resilience> resilience;
};

// The run of `scenario.training.tokens` tokens at `step_time_s` per step; nullopt when the
// scenario states no tokens.
std::optional<TrainingRun> estimate_training_run(const Scenario& scenario, double step_time_s,
                                                 const Breakdown& critical);

}  // namespace trainsim
