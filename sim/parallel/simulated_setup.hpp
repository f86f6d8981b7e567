#pragma once
// What a prediction simulated once every default was resolved (dp derived, the schedule's and
// the framework's defaults, presets by name), so that every output says what it is about and
// two runs can be set side by side.
#include <cstdint>
#include <string>

#include "sim/parallel/scenario.hpp"

namespace trainsim {

struct SimulatedSetup {
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1, etp = 1, vpp = 1;
  std::string schedule;
  bool sequence_parallel = false;
  int zero = 0;
  std::int64_t global_batch = 0, micro_batch = 0;
  std::int64_t micro_batches = 0;  // per pipeline and step
  std::int64_t seq_len = 0;
  std::string precision, recompute, framework;
  std::string model, gpu, node, network;  // network: "none" on one node
  int network_tiers = 0;                  // switch tiers simulated; 0 on one node
  std::string network_tiers_reason;       // why more tiers than fewer: the ports they hold
};

// `scenario` must be resolved (resolve_defaults), as the engines receive it.
SimulatedSetup simulated_setup(const Scenario& scenario);

}  // namespace trainsim
