// lower_collective: which flows a collective keeps on the links (comm-model.md §5.5), written out
// by hand for small groups; and the latency term it adds. No simulation runs here.
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "flow_test_clusters.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {
namespace {

using flow_test::dgx_h100;
using flow_test::iota_ranks;
using flow_test::kGB;

using Edge = std::pair<int, int>;

FlowCollective collective(CollectiveKind kind, std::vector<int> ranks, double bytes, int channels,
                          double cap_Bps = 0) {
  FlowCollective c;
  c.kind = kind;
  c.ranks = std::move(ranks);
  c.bytes = bytes;
  c.channels = channels;
  c.per_channel_Bps = cap_Bps;
  return c;
}

std::vector<Edge> edges_of(const LoweredCollective& l, std::size_t first, std::size_t count) {
  std::vector<Edge> edges;
  for (std::size_t i = first; i < first + count; ++i)
    edges.emplace_back(l.flows[i].src_gpu, l.flows[i].dst_gpu);
  return edges;
}

TEST(Lowering, RingChannelsRotateEachNodeSoTheyCrossOnDifferentRails) {
  const Topology t = dgx_h100(2);
  const LoweredCollective l =
      lower_collective(t, collective(CollectiveKind::all_reduce, iota_ranks(16), 1.6e9, 2, 5e9));
  ASSERT_EQ(l.flows.size(), 32u);
  // Channel 0: the ring as given.
  std::vector<Edge> ch0;
  for (int i = 0; i < 16; ++i) ch0.emplace_back(i, (i + 1) % 16);
  EXPECT_EQ(edges_of(l, 0, 16), ch0);
  // Channel 1: each node's run rotated by one: 1 2 … 7 0 | 9 10 … 15 8.
  const std::vector<Edge> ch1 = {{1, 2},   {2, 3},   {3, 4},  {4, 5},   {5, 6},   {6, 7},
                                 {7, 0},   {0, 9},   {9, 10}, {10, 11}, {11, 12}, {12, 13},
                                 {13, 14}, {14, 15}, {15, 8}, {8, 1}};
  EXPECT_EQ(edges_of(l, 16, 16), ch1);
  // Channel c crosses on rail c: 0 → 9 is relayed by GPU 1 onto NIC 1 (PXN, receiver's rail).
  EXPECT_EQ(t.route(0, 9).relay_rank, 1);
  EXPECT_EQ(t.route(7, 8).relay_rank, 0);
  for (const Flow& f : l.flows) {
    EXPECT_DOUBLE_EQ(f.bytes, 2.0 * 15 / 16 * 1.6e9 / 2);
    EXPECT_DOUBLE_EQ(f.rate_cap_Bps, 5e9);
  }
  EXPECT_EQ(l.steps, 30);
  // 29 more steps, each the slowest edge's route latency (NIC 0.6 us × 2 + one leaf 0.13 us).
  EXPECT_NEAR(l.extra_latency_s, 29 * 1.33e-6, 1e-15);
}

TEST(Lowering, RingStartingMidNodeIsRotatedAtTheNodeBoundary) {
  const Topology t = dgx_h100(2);
  // 4 5 6 7 | 8 … 15 | 0 1 2 3: node 0's run wraps around the end of the list.
  std::vector<int> ranks = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3};
  const LoweredCollective l =
      lower_collective(t, collective(CollectiveKind::all_gather, ranks, 1.6e9, 2));
  std::set<Edge> ch1;
  for (const Edge& e : edges_of(l, 16, 16)) ch1.insert(e);
  // Node 1's run 8..15 becomes 9..15 8; node 0's run 0..7 (joined across the wrap) 1..7 0.
  EXPECT_TRUE(ch1.count({0, 9})) << "node 0 → node 1";
  EXPECT_TRUE(ch1.count({8, 1})) << "node 1 → node 0";
  EXPECT_TRUE(ch1.count({7, 0}));
  EXPECT_TRUE(ch1.count({15, 8}));
  EXPECT_DOUBLE_EQ(l.flows[0].bytes, 15.0 / 16 * 1.6e9 / 2);
  EXPECT_EQ(l.steps, 15);
}

TEST(Lowering, OneNodeChannelsShareTheEdges) {
  const Topology t = dgx_h100(1);
  const LoweredCollective l = lower_collective(
      t, collective(CollectiveKind::reduce_scatter, iota_ranks(8), 8e8, 3, 10 * kGB));
  ASSERT_EQ(l.flows.size(), 24u);
  EXPECT_EQ(edges_of(l, 0, 8), edges_of(l, 8, 8));
  EXPECT_EQ(edges_of(l, 0, 8), edges_of(l, 16, 8));
  EXPECT_DOUBLE_EQ(l.flows[0].bytes, 7.0 / 8 * 8e8 / 3);
  EXPECT_EQ(l.extra_latency_s, 0.0);
}

TEST(Lowering, BroadcastAndReduceAreChainsThroughTheRoot) {
  const Topology t = dgx_h100(1);
  const LoweredCollective b =
      lower_collective(t, collective(CollectiveKind::broadcast, {2, 5, 7}, 3e6, 1));
  EXPECT_EQ(edges_of(b, 0, 2), (std::vector<Edge>{{2, 5}, {5, 7}}));
  EXPECT_DOUBLE_EQ(b.flows[0].bytes, 3e6);
  EXPECT_EQ(b.steps, 3);
  const LoweredCollective r =
      lower_collective(t, collective(CollectiveKind::reduce, {2, 5, 7}, 3e6, 1));
  EXPECT_EQ(edges_of(r, 0, 2), (std::vector<Edge>{{5, 2}, {7, 5}}));
}

TEST(Lowering, AllToAllIsEveryOrderedPairUncapped) {
  const Topology t = dgx_h100(2);
  FlowCollective c = collective(CollectiveKind::all_to_all, {0, 3, 8, 12}, 4e8, 4, 1e9);
  c.step_overhead_s = 1e-6;
  const LoweredCollective l = lower_collective(t, c);
  ASSERT_EQ(l.flows.size(), 12u);
  std::set<Edge> pairs;
  for (const Flow& f : l.flows) {
    pairs.insert({f.src_gpu, f.dst_gpu});
    EXPECT_DOUBLE_EQ(f.bytes, 1e8);
    EXPECT_EQ(f.rate_cap_Bps, 0.0);
  }
  EXPECT_EQ(pairs.size(), 12u);
  EXPECT_EQ(l.steps, 3);
  EXPECT_DOUBLE_EQ(l.extra_latency_s, 3e-6);  // the messages overlap: only the overheads add
}

TEST(Lowering, SendRecvSplitsOverChannels) {
  const Topology t = dgx_h100(2);
  FlowCollective c = collective(CollectiveKind::send_recv, {3, 11}, 1e9, 2, 20 * kGB);
  c.start_s = 0.25;
  const LoweredCollective l = lower_collective(t, c, /*group=*/7);
  ASSERT_EQ(l.flows.size(), 2u);
  for (const Flow& f : l.flows) {
    EXPECT_EQ(f.src_gpu, 3);
    EXPECT_EQ(f.dst_gpu, 11);
    EXPECT_DOUBLE_EQ(f.bytes, 5e8);
    EXPECT_DOUBLE_EQ(f.start_s, 0.25);
    EXPECT_DOUBLE_EQ(f.rate_cap_Bps, 20 * kGB);
    EXPECT_EQ(f.group, 7);
  }
  EXPECT_EQ(l.extra_latency_s, 0.0);
  // To itself: nothing to move.
  EXPECT_TRUE(
      lower_collective(t, collective(CollectiveKind::send_recv, {4, 4}, 1e9, 1)).flows.empty());
}

TEST(Lowering, SmallGroupsCostNothing) {
  const Topology t = dgx_h100(1);
  EXPECT_TRUE(
      lower_collective(t, collective(CollectiveKind::all_reduce, {3}, 1e9, 4)).flows.empty());
  const std::vector<CollectiveFlowTime> r = estimate_collectives_flow(
      t, std::vector<FlowCollective>{collective(CollectiveKind::all_reduce, {3}, 1e9, 4)});
  EXPECT_EQ(r[0].time_s, 0.0);
}

TEST(Lowering, RejectsBadCollectives) {
  const Topology t = dgx_h100(1);
  EXPECT_THROW(lower_collective(t, collective(CollectiveKind::all_reduce, {0, 1, 1}, 1, 1)),
               std::invalid_argument);
  EXPECT_THROW(lower_collective(t, collective(CollectiveKind::all_reduce, {0, 8}, 1, 1)),
               std::invalid_argument);
  EXPECT_THROW(lower_collective(t, collective(CollectiveKind::send_recv, {0, 1, 2}, 1, 1)),
               std::invalid_argument);
  EXPECT_THROW(lower_collective(t, collective(CollectiveKind::all_gather, {0, 1}, -1, 1)),
               std::invalid_argument);
  EXPECT_THROW(lower_collective(t, collective(CollectiveKind::all_gather, {0, 1}, 1, -2)),
               std::invalid_argument);
}

}  // namespace
}  // namespace trainsim
