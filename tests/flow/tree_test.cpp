// NCCL's double binary tree on flows: which edges each tree uses, and the time of a lone tree
// all_reduce against its formula (the busiest NIC direction carries its halves once each).
#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "flow_test_clusters.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {
namespace {

using flow_test::dgx_h100;
using flow_test::iota_ranks;

using Edge = std::pair<int, int>;

FlowCollective tree_all_reduce(std::vector<int> ranks, double bytes) {
  FlowCollective c;
  c.kind = CollectiveKind::all_reduce;
  c.algorithm = FlowAlgorithm::tree;
  c.ranks = std::move(ranks);
  c.bytes = bytes;
  c.channels = 2;  // one per tree, uncapped: the links alone decide
  return c;
}

// GPU 2 of each of 4 nodes: ranks 2, 10, 18, 26.
std::vector<int> one_gpu_per_node() {
  return {2, 10, 18, 26};
}

TEST(Tree, EachTreeEdgeCarriesItsHalfBothWays) {
  const Topology t = dgx_h100(4);
  const LoweredCollective l = lower_collective(t, tree_all_reduce(one_gpu_per_node(), 1e9));
  // Tree 0 heap over nodes 0..3: 1→0, 2→0, 3→1; tree 1 over nodes 3..0: 2→3, 1→3, 0→2.
  std::multiset<Edge> edges;
  for (const Flow& f : l.flows) {
    EXPECT_DOUBLE_EQ(f.bytes, 0.5e9);
    edges.emplace(f.src_gpu, f.dst_gpu);
  }
  const std::multiset<Edge> expected = {
      {10, 2}, {2, 10}, {18, 2},  {2, 18},  {26, 10}, {10, 26},  // tree 0
      {18, 26}, {26, 18}, {10, 26}, {26, 10}, {2, 18}, {18, 2}};  // tree 1
  EXPECT_EQ(edges, expected);
  // depth 2 (4 nodes), chains of one: 2·(2 + 0) steps.
  EXPECT_EQ(l.steps, 4);
}

TEST(Tree, ChainsRunThroughEachNodeFromTheHeadOfTheirTree) {
  const Topology t = dgx_h100(2);
  const LoweredCollective l = lower_collective(t, tree_all_reduce(iota_ranks(16), 1e9));
  std::set<Edge> inter_node;
  for (const Flow& f : l.flows)
    if (t.node_of(f.src_gpu) != t.node_of(f.dst_gpu)) inter_node.emplace(f.src_gpu, f.dst_gpu);
  // Tree 0 joins the nodes through their first GPUs, tree 1 through their last (other rails).
  const std::set<Edge> expected = {{8, 0}, {0, 8}, {7, 15}, {15, 7}};
  EXPECT_EQ(inter_node, expected);
  // Per tree: 7 chain edges per node, both ways, on 2 nodes, plus the node edge both ways.
  EXPECT_EQ(l.flows.size(), 2u * (2 * 7 * 2 + 2));
}

TEST(Tree, LoneTreeAllReduceTakesTheBusiestNicsLoadOverItsBandwidth) {
  const Topology t = dgx_h100(4);
  const double bytes = 4e9;
  const FlowCollective c = tree_all_reduce(one_gpu_per_node(), bytes);
  const CollectiveFlowTime time = estimate_collectives_flow(t, std::vector<FlowCollective>{c})[0];
  // Node 0 sends both halves of tree 0 down to its two children and its tree 1 half up:
  // 1.5·S through one 50 GB/s NIC, as does node 1; nothing carries more.
  const double nic_Bps = t.link(t.route(2, 10).links[1]).capacity_Bps;
  const double expected = 1.5 * bytes / nic_Bps;
  EXPECT_NEAR(time.time_s, expected, 0.01 * expected);
}

TEST(Tree, OnlyAllReduceRunsAsATree) {
  const Topology t = dgx_h100(2);
  FlowCollective c = tree_all_reduce(iota_ranks(16), 1e6);
  c.kind = CollectiveKind::all_gather;
  EXPECT_THROW(lower_collective(t, c), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim
