#pragma once
// Analytical collective times, NCCL-faithful: the search graphs NCCL would build for the group
// (nccl_topology.hpp), NCCL's latency/bandwidth table per (algorithm, protocol)
// (nccl_tuning.hpp: ring, tree, NVLS, NVLSTree, CollNet, PAT × LL, LL128, Simple) with trainsim's
// refinements of what the hardware achieves, and the fastest enabled (algorithm, protocol), as
// NCCL's tuner picks. all_to_all and send_recv, which NCCL does not model, are α-β per path
// (p2p_cost.hpp). Constants are versioned data (sim/collectives/data/nccl-<version>.json); the
// plain textbook α-β model is alpha_beta.hpp. Overview: sim/collectives/README.md.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"
#include "sim/collectives/nccl_constants.hpp"

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

// How a communicator's ranks sit on the machine: `ranks` = nodes × ranks_per_node, or fewer when
// the last node holds only part of a node's share (a group that does not fill whole nodes).
// For send_recv, `nodes` = 2 means the peer is on another node.
struct CommGroup {
  int ranks = 1;
  int nodes = 1;
  int ranks_per_node = 1;
};

// What an estimate runs: one of NCCL's algorithms (NcclAlgo), the direct exchange of all_to_all
// or the point-to-point send of send_recv, or none (a group of one rank, zero bytes).
enum class CollectiveAlgorithm {
  none,
  ring,
  tree,
  nvls,
  nvls_tree,
  collnet_direct,
  collnet_chain,
  pat,
  direct,
  p2p
};

constexpr CollectiveAlgorithm collective_algorithm(NcclAlgo algo) {
  switch (algo) {
    case NcclAlgo::tree:
      return CollectiveAlgorithm::tree;
    case NcclAlgo::ring:
      return CollectiveAlgorithm::ring;
    case NcclAlgo::collnet_direct:
      return CollectiveAlgorithm::collnet_direct;
    case NcclAlgo::collnet_chain:
      return CollectiveAlgorithm::collnet_chain;
    case NcclAlgo::nvls:
      return CollectiveAlgorithm::nvls;
    case NcclAlgo::nvls_tree:
      return CollectiveAlgorithm::nvls_tree;
    case NcclAlgo::pat:
      return CollectiveAlgorithm::pat;
  }
  return CollectiveAlgorithm::none;
}

// "none", "ring", "tree", "nvls", "nvls_tree", "collnet_direct", "collnet_chain", "pat",
// "direct", "p2p" (NCCL's algorithms as name_of(NcclAlgo) spells them).
std::string_view name_of(CollectiveAlgorithm algorithm);
// "LL", "LL128", "Simple" (name_of(NcclProto)); "" for no protocol.
std::string_view name_of(std::optional<NcclProto> protocol);

struct CollectiveEstimate {
  double time_s = 0;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::none;
  std::optional<NcclProto> protocol;  // none for CollectiveAlgorithm::none; Simple for direct, p2p
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

  // Device memory NCCL holds for a communicator over `group` that runs collectives
  // (nccl_memory.hpp); 0 for a group of one rank.
  double communicator_buffer_bytes(const CommGroup& group) const;

  // NCCL's cost table for this collective and group (the TUNING log grid), plus the search
  // graphs it was built from; for `trainsim explain` and debugging.
  std::string explain(CollectiveKind kind, const CommGroup& group) const;

 private:
  struct Impl;
  // Shared so that CollectiveCost stays a cheap-to-copy value type.
  std::shared_ptr<const Impl> impl_;
};

}  // namespace trainsim
