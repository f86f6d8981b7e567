#pragma once
// What NCCL's graph search (search.cc) would find for one communicator, approximated from the
// hardware specs instead of a real topology probe: per pattern (ring, tree, NVLS, CollNet) the
// channel count and per-channel bandwidth inside and between nodes. comm-model.md §1.2.
//
// Approximations (documented here once):
//  - Inside a node with NVSwitch a GPU reaches every peer at its full NVLink bandwidth, which NCCL
//    counts as links × per-link GB/s (topo.h). Links = GpuSpec.nvlink_Bps / datasheet per-link
//    bandwidth (25 GB/s per direction up to Hopper, 50 on Blackwell). Without NVSwitch the links
//    are split evenly among the node's other GPUs (a full mesh). Without NVLink, PCIe at NCCL's
//    PCI bandwidth (0.75 × datasheet).
//  - The speed search takes the first speed s of the architecture's array with s <= maxBw and
//    s <= totalBw and as many channels as fit (every ring channel reserves s in and out of each
//    GPU, and s on one NIC between nodes); then ncclTopoDupChannels as in search.cc.
//  - Between nodes every GPU has its own NIC (rail-optimized): a group with ranks_per_node GPUs
//    per node owns nics_per_node × ranks_per_node / gpus_per_node NICs' worth of bandwidth. A
//    group spanning more nodes than one leaf group (network.nodes_per_leaf_group) crosses the
//    spine, whose oversubscription divides the per-NIC bandwidth.
//  - The GPU→NIC path is capped by the GPU's PCIe link (NCCL PCI bandwidth) when it is known.
//  - Trees reuse the ring's channels and bandwidth (init.cc pins tree channels to the ring's) and
//    are balanced trees (no pattern-TREE penalty).
//  - NVLS: one channel per head GPU (all local GPUs on one node, one per NIC between nodes); each
//    channel reserves 2s on its head's NVSwitch port and s on every other port
//    (ncclTopoSearchTryNvls); between nodes bwInter is raised to the NIC's speed (pass 2).
#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"
#include "sim/collectives/collective_cost.hpp"
#include "sim/collectives/nccl_constants.hpp"

namespace trainsim {

// One search graph (ncclTopoGraph): what the tuner reads.
struct NcclGraph {
  int n_channels = 0;         // 0 = pattern not available
  double bw_intra_GBps = 0;   // per channel
  double bw_inter_GBps = 0;   // per channel
  bool tree_pattern = false;  // search ended with pattern TREE (×0.85 for Tree)
  bool same_channels = true;  // all channels use the same ring order
};

// The machine as NCCL's topology sees it; independent of the communicator.
struct NcclMachine {
  int sm = 0;  // compute capability used for the tables (80 for unknown GPUs)
  NcclArch arch = NcclArch::ampere;
  bool nvidia = true;
  int gpus_per_node = 1;
  bool nvswitch = false;
  bool nvls_switch = false;  // NVSwitch with NVLink SHARP
  NcclHw intra_hw = NcclHw::nvlink;
  int nvlink_links = 0;
  double nvlink_GBps = 0;       // per GPU per direction, NCCL units (links × per-link); 0 = none
  double pci_GBps = 0;          // GPU PCIe link, NCCL units
  double intra_total_GBps = 0;  // NVLink if present, else PCIe
  double intra_peer_GBps = 0;   // GPU→GPU path bandwidth (maxBw on one node)
  int nics_per_node = 0;
  double nic_GBps = 0;  // one NIC, per direction (capped at the switch port speed)
  // What the fabric's transport achieves beyond NCCL's InfiniBand constants
  // (NetworkSpec::transport_*): latency added to each inter-node step, and the fraction of the
  // modelled bandwidth a communicator spanning nodes streams. NCCL's graph search still sees the
  // NICs' line rate, as NCCL does.
  double net_transport_latency_us = 0;
  double net_bandwidth_frac = 1;
  int nodes_per_leaf_group = 1;
  double oversubscription = 1;
  // SHARP-capable switches; CollectiveCost clears it unless CollNet is enabled (comm.collnet).
  bool in_network_reduction = false;
};

NcclMachine describe_nccl_machine(const NcclConstants& c, const GpuSpec& gpu, const NodeSpec& node,
                                  const NetworkSpec& network);

// One communicator on that machine.
struct NcclCommTopology {
  int ranks = 1;
  int nodes = 1;
  int ranks_per_node = 1;
  int nics = 0;         // NICs per node the group's traffic uses
  double nic_GBps = 0;  // per NIC as the group sees it (shared, oversubscribed)
  bool multi_leaf = false;
  NcclGraph ring, tree, nvls, collnet;
  bool nvls_available = false;       // NVLS (single node, or multi-node with in-network reduction)
  bool nvls_tree_available = false;  // NVLSTree (multi-node)
  bool collnet_available = false;
  bool collnet_direct_available = false;
  bool pat_available = false;
  bool ll128_enabled = false;
  int nvls_runtime_channels = 0;
};

// The NICs a multi-node communicator uses per node and the fraction of each it gets. A
// rail-optimized node's GPUs each bring nics/gpus of its NICs (its other GPUs communicate too, in
// a training step), so a group with ppn ranks per node shares nics·ppn/gpus NICs' worth over
// ⌈that⌉ NICs; crossing more nodes than a leaf group holds, the spine oversubscription thins it.
struct NicShare {
  int nics = 1;
  double fraction = 1;  // of each NIC's bandwidth
};
NicShare nic_share(const NcclMachine& machine, const CommGroup& group);

// Requires a valid group (ranks = nodes × ranks_per_node, ranks_per_node <= gpus_per_node).
NcclCommTopology derive_nccl_topology(const NcclConstants& c, const NcclMachine& machine,
                                      const CommGroup& group);

// The speed-array search for one pattern, exposed for tests: the first speed s with
// s <= max_bw and s <= total_bw, channels = floor(budget / s) capped at max_channels.
double first_speed_at_most(const std::vector<double>& speeds, double limit_GBps);

}  // namespace trainsim
