#pragma once
#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"
#include "hardware/profile.hpp"

namespace trainsim {

struct ClusterSpec {
  GpuSpec gpu;
  NodeSpec node;
  NetworkSpec network;
  HardwareProfile profile;
  int nodes = 1;

  int total_gpus() const { return nodes * node.gpus_per_node; }
};

}  // namespace trainsim
