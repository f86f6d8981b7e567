#pragma once
#include <string>

namespace trainsim {

// A server: its GPUs, the NVLink/NVSwitch fabric inside it and its scale-out NICs
// (presets/nodes/<name>.json).
struct NodeSpec {
  std::string name;         // "dgx-h100"
  std::string default_gpu;  // GPU preset the node ships with
  int gpus_per_node = 8;
  bool nvswitch = false;  // all-to-all NVLink through NVSwitch (non-blocking crossbar)
  bool nvls = false;      // NVLink SHARP (in-switch reduction, Hopper and later)
  int nics_per_node = 0;  // compute-fabric NICs (storage NICs excluded)
  double nic_Bps = 0;     // per NIC, per direction
  // Datasheet maximum of the whole system (GPUs, CPUs, NICs, switches, fans); 0 = unknown.
  double max_system_power_W = 0;
};

}  // namespace trainsim
