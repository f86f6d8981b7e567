#pragma once
#include <string>

namespace trainsim {

// infiniband and roce: NCCL's verbs transport; efa: AWS Elastic Fabric Adapter (SRD), driven
// through the aws-ofi-nccl libfabric plugin.
enum class FabricKind { infiniband, roce, efa };

// The scale-out network between nodes (presets/networks/<name>.json): a rail-optimized fat tree.
struct NetworkSpec {
  std::string name;  // "ib-ndr400-rail-fattree"
  FabricKind fabric = FabricKind::infiniband;
  double link_Bps = 0;                // port speed, per direction
  double nic_latency_s = 0;           // NIC + PCIe traversal, one end
  double switch_latency_s = 0;        // per switch hop
  int nodes_per_leaf_group = 32;      // scalable unit: nodes whose rail i shares leaf switch i
  double oversubscription = 1.0;      // leaf downlink : uplink bandwidth (1 = non-blocking)
  int tiers = 2;                      // leaf/spine (2) or leaf/spine/core (3)
  int switch_ports = 0;               // ports per switch (radix) at link speed; 0 = unknown
  bool in_network_reduction = false;  // SHARP-capable switches
  // What NCCL's network transport achieves on this fabric, beyond NCCL's own constants (which
  // are InfiniBand verbs figures): the extra latency of one network step (the libfabric/SRD or
  // TCP-offload path a plugin adds per message) and the fraction of the link rate it streams.
  double transport_latency_s = 0;
  double transport_bandwidth_frac = 1.0;
};

}  // namespace trainsim
