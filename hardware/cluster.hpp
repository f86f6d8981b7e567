#pragma once
#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"
#include "hardware/profile.hpp"

namespace trainsim {

// A PUE between the hyperscalers' fleet averages (Google reports 1.10 for 2023, Meta about 1.09)
// and the industry's (Uptime Institute's 2023 survey: 1.58), for a modern AI data centre.
inline constexpr double kDefaultPue = 1.2;

struct ClusterSpec {
  GpuSpec gpu;
  NodeSpec node;
  NetworkSpec network;
  HardwareProfile profile;
  int nodes = 1;
  double gpu_hour_usd = 0;  // price per GPU-hour; 0 = unknown (no cost estimate)
  // Power usage effectiveness of the data centre: facility power / IT power.
  double pue = kDefaultPue;
  // Checkpoints and failures over a run (both or neither): the bandwidth at which the job writes
  // and reads its checkpoints, all GPUs together; the mean GPU-hours between failures that stop
  // the job; and the time to relaunch it before the checkpoint is read back.
  double storage_Bps = 0;     // 0: not modelled
  double gpu_mtbf_hours = 0;  // 0: not modelled
  double restart_s = 0;

  int total_gpus() const { return nodes * node.gpus_per_node; }
};

}  // namespace trainsim
