#include "sim/parallel/parallel_groups.hpp"

#include <algorithm>

namespace trainsim {
namespace {

// `size` ranks, consecutive members `stride` global ranks apart, nodes of `gpus_per_node`. A group
// that does not fill whole nodes (12 ranks of a 3-node pipeline stage: 8 on one node, 4 on the
// next) is costed as spread evenly over the nodes it spans, as NCCL's tuning model reads it
// (ppn = p / N, comm-model.md §1.3).
CommGroup make_group(int size, int stride, int gpus_per_node) {
  if (size <= 1) return CommGroup{1, 1, 1};
  int per_node = stride >= gpus_per_node ? 1 : std::min(size, gpus_per_node / stride);
  per_node = std::max(1, per_node);
  const int nodes = (size + per_node - 1) / per_node;
  return CommGroup{size, nodes, (size + nodes - 1) / nodes};
}

}  // namespace

ParallelGroups parallel_groups(const Scenario& sc) {
  const Strategy& p = sc.parallel;
  const int gpn = sc.gpus_per_node_used();
  ParallelGroups g;
  g.tp = make_group(p.tp, 1, gpn);
  g.cp = make_group(p.cp, p.tp, gpn);
  g.dp = make_group(p.dp * p.cp, p.tp, gpn);    // gradients are reduced over DP x CP
  g.ep = make_group(p.ep, p.expert_tp(), gpn);  // parallel folding: EP stride is etp
  g.etp = make_group(p.expert_tp(), 1, gpn);
  g.dp_shard = make_group(p.shard_group(), p.tp, gpn);
  g.dp_replica = make_group(p.shard_replicas(), p.tp * p.shard_group(), gpn);
  const int stage_stride = p.tp * p.cp * p.dp;
  g.pp_neighbour = stage_stride >= gpn ? CommGroup{2, 2, 1} : CommGroup{2, 1, 2};
  return g;
}

}  // namespace trainsim
