// Regression: a multi-node ring all_reduce on DGX H100 must use all 8 NICs of every node, not one.
//
// The bug: FlowCollective::channels defaulted to 1, so a caller that set only kind, ranks and
// bytes (the CLI's `collective --engine flow`) lowered the ring onto one uncapped channel. One
// channel crosses each node boundary through one GPU pair and so one rail: busbw ≈ 49.9 GB/s
// (one 400 Gb/s NIC) on 2, 4 and 16 nodes. The default is now 0 = NCCL's ring graph
// (nccl_ring_channels: 8 channels for DGX H100 nodes), whose channel c is rotated by c inside
// every node so it leaves and enters nodes on rail c (PXN relays over NVLink).
//
// Physical expectation for a 1 GiB ring all_reduce over N ≥ 2 DGX H100 nodes: every channel
// sends one ring edge across each node boundary per direction, carrying 2(p−1)/p·S / channels
// bytes, so busbw = channels × (rate of one cross-node flow). That rate is bounded by
//  - the NICs: 8 channels on 8 distinct rails → 8 × 50 GB/s = 400 GB/s per node and direction;
//  - the intra-node part: the same channels and per-channel cap NCCL uses inside a node, whose
//    single-node ring (12 × 30 GB/s on NVLink) is ~360 GB/s; multi-node, NCCL's graph gives
//    8 channels × 45 GB/s = 360 GB/s, and each GPU's 450 GB/s NVLink port carries at most
//    8 × 45 GB/s (its own ring edge or its PXN relay hop per channel).
// So busbw should be min(8 × 50 GB/s, single-node NVLink ring busbw) ≈ 360 GB/s, less the
// latency term (≲ 5% at 1 GiB on 4 nodes); we ask for it within 15%, and never above the NIC
// bound. Before the fix 2 and 4 nodes gave ~50 GB/s, 7× too low.
#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "flow_test_clusters.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {
namespace {

using flow_test::all_reduce_busbw_Bps;
using flow_test::dgx_h100;
using flow_test::iota_ranks;
using flow_test::kGB;
using flow_test::kGiB;

// A ring all_reduce of 1 GiB as the CLI builds it: only kind, ranks and bytes set.
FlowCollective default_all_reduce(int gpus) {
  FlowCollective ar;
  ar.kind = CollectiveKind::all_reduce;
  ar.ranks = iota_ranks(gpus);
  ar.bytes = kGiB;
  return ar;
}

double busbw_Bps(const Topology& t, const FlowCollective& ar) {
  const std::vector<CollectiveFlowTime> r =
      estimate_collectives_flow(t, std::vector<FlowCollective>{ar});
  return all_reduce_busbw_Bps(static_cast<int>(ar.ranks.size()), ar.bytes, r[0].time_s);
}

TEST(MultiNodeRing, DefaultChannelsAreNcclRingGraph) {
  EXPECT_EQ(FlowCollective{}.channels, 0);
  const Topology t = dgx_h100(2);
  const RingChannels ring = nccl_ring_channels(t, iota_ranks(16));
  EXPECT_EQ(ring.channels, 8);
  const LoweredCollective lowered = lower_collective(t, default_all_reduce(16));
  EXPECT_EQ(lowered.flows.size(), 16u * 8u);
}

// Structure: across the channels, the cross-node flows leave every node through all 8 NICs.
TEST(MultiNodeRing, ChannelsLeaveEveryNodeOnEveryRail) {
  for (const int nodes : {2, 4}) {
    const Topology t = dgx_h100(nodes);
    const LoweredCollective lowered = lower_collective(t, default_all_reduce(8 * nodes));
    std::vector<std::set<int>> rails_out(static_cast<std::size_t>(nodes));
    for (const Flow& f : lowered.flows) {
      if (t.node_of(f.src_gpu) == t.node_of(f.dst_gpu)) continue;
      for (const LinkId id : t.route(f.src_gpu, f.dst_gpu).links) {
        const Link& link = t.link(id);
        const Vertex& from = t.vertex(link.src);
        if (link.kind == LinkKind::nic && from.kind == VertexKind::nic)
          rails_out[static_cast<std::size_t>(from.node)].insert(from.index);
      }
    }
    for (int n = 0; n < nodes; ++n)
      EXPECT_EQ(rails_out[static_cast<std::size_t>(n)].size(), 8u) << nodes << " nodes, node " << n;
  }
}

TEST(MultiNodeRing, AllReduceUsesAllEightNics) {
  const double single_node_busbw = busbw_Bps(dgx_h100(1), default_all_reduce(8));
  const double nic_bound = 8 * 50 * kGB;
  const double expected = std::min(nic_bound, single_node_busbw);
  std::printf("1 x DGX H100 ring all_reduce 1 GiB: busbw %.1f GB/s; expected multi-node %.1f\n",
              single_node_busbw / kGB, expected / kGB);
  EXPECT_NEAR(single_node_busbw, 360 * kGB, 0.02 * 360 * kGB);  // 12 channels × 30 GB/s

  for (const int nodes : {2, 4}) {
    const Topology t = dgx_h100(nodes);
    const double busbw = busbw_Bps(t, default_all_reduce(8 * nodes));
    std::printf("%d x DGX H100 ring all_reduce 1 GiB: busbw %.1f GB/s\n", nodes, busbw / kGB);
    EXPECT_NEAR(busbw, expected, 0.15 * expected) << nodes << " nodes";
    EXPECT_LE(busbw, nic_bound * (1 + 1e-9)) << nodes << " nodes";
  }
}

}  // namespace
}  // namespace trainsim
