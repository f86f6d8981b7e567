#pragma once
// Analytical collective times, NCCL-faithful: the search graphs NCCL would build for the group
// (nccl_topology.hpp), NCCL's latency/bandwidth table per (algorithm, protocol)
// (nccl_tuning.hpp: ring, tree, NVLS, NVLSTree, CollNet, PAT × LL, LL128, Simple) with trainsim's
// refinements of what the hardware achieves, and the fastest enabled (algorithm, protocol), as
// NCCL's tuner picks. all_to_all and send_recv, which NCCL does not model, are α-β per path
// (p2p_cost.hpp). Constants are versioned data (sim/collectives/data/nccl-<version>.json); the
// plain textbook α-β model is alpha_beta.hpp. Overview: sim/collectives/README.md.
#include <memory>
#include <string>
#include <string_view>

#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"

namespace trainsim {

enum class CollectiveKind {
  all_reduce,
  all_gather,
  reduce_scatter,
  broadcast,
  reduce,
  all_to_all,
  send_recv
};

std::string_view name_of(CollectiveKind kind);

// How a communicator's ranks sit on the machine: `ranks` = nodes × ranks_per_node.
// For send_recv, `nodes` = 2 means the peer is on another node.
struct CommGroup {
  int ranks = 1;
  int nodes = 1;
  int ranks_per_node = 1;
};

struct CollectiveEstimate {
  double time_s = 0;
  std::string algorithm;  // "ring", "tree", "nvls", "nvls_tree", "collnet_direct",
                          // "collnet_chain", "pat"; "direct" (all_to_all), "p2p" (send_recv);
                          // "none" for a group of one rank or zero bytes
  std::string protocol;   // "LL", "LL128", "Simple"; empty for "none"
};

struct CollectiveOptions {
  std::string algorithm;  // empty = choose by least time; else force ("ring", "tree", ...)
  std::string protocol;   // empty = choose; else force
  // Both take one name or, like NCCL_ALGO / NCCL_PROTO, a comma-separated list to choose among
  // ("tree,ring") or an exclusion list ("^LL128"). Names: algorithms ring, tree, nvls, nvls_tree,
  // collnet_direct, collnet_chain, pat (NCCL spellings such as "NVLSTree" accepted); protocols
  // LL, LL128, Simple. They apply to the collectives NCCL's tuner models; all_to_all and
  // send_recv are point-to-point and ignore them.
  // NCCL_COLLNET_ENABLE=1 with the SHARP plugin loaded: lets NCCL run CollNet (and multi-node
  // NVLS, which needs it) on a network whose switches reduce in-network. Off by default, as in
  // NCCL: SHARP-capable switches alone do not make NCCL use them.
  bool collnet = false;
};

struct NcclConstants;

class CollectiveCost {
 public:
  // Uses the shipped NCCL constants (sim/collectives/data/nccl-2.30.7.json). Unknown names in
  // `options`, or names this hardware can never run (nvls without NVLink SHARP, LL128 without
  // NVLink, collnet without `options.collnet`...), throw InputError with path "comm.algorithm" /
  // "comm.protocol"; `options.collnet` on a network without in-network reduction, "comm.collnet".
  CollectiveCost(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network,
                 CollectiveOptions options = {});
  // Same with other constants (another NCCL version, a calibrated table).
  CollectiveCost(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network,
                 CollectiveOptions options, std::shared_ptr<const NcclConstants> constants);

  // `bytes` follows NCCL/nccl-tests: the full vector for all_reduce/broadcast/reduce, the total
  // (gathered) buffer for all_gather/reduce_scatter, the per-rank send buffer for all_to_all and
  // the message for send_recv. A group of one rank costs 0.
  CollectiveEstimate estimate(CollectiveKind kind, const CommGroup& group, double bytes) const;
  double estimate_s(CollectiveKind kind, const CommGroup& group, double bytes) const {
    return estimate(kind, group, bytes).time_s;
  }
  // Throws std::invalid_argument for an inconsistent group (ranks != nodes × ranks_per_node,
  // ranks_per_node above the node's GPUs) or negative bytes, and InputError ("comm.algorithm" /
  // "comm.protocol") when the forced choice is not available for this collective and group.

  // NCCL's cost table for this collective and group (the TUNING log grid), plus the search
  // graphs it was built from; for `trainsim explain` and debugging.
  std::string explain(CollectiveKind kind, const CommGroup& group) const;

 private:
  struct Impl;
  // Shared so that CollectiveCost stays a cheap-to-copy value type.
  std::shared_ptr<const Impl> impl_;
};

}  // namespace trainsim
