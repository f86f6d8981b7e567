// Ring collectives on one DGX H100 (8 GPUs on an NVSwitch, 450 GB/s per GPU and direction): with
// NCCL's ring graph (12 channels × 30 GB/s, comm-model.md §1.6) every GPU sends 360 GB/s over its
// 450 GB/s port, so the flow engine must give exactly the analytical ring bandwidth term
// busbw = channels × per-channel cap, and agree with the NCCL-faithful closed form
// (CollectiveCost, ring / Simple) on the bandwidth it predicts.
#include <vector>

#include <gtest/gtest.h>

#include "flow_test_clusters.hpp"
#include "sim/collectives/collective_cost.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {
namespace {

using flow_test::all_reduce_busbw_Bps;
using flow_test::dgx_h100;
using flow_test::iota_ranks;
using flow_test::kGB;
using flow_test::kGiB;

TEST(RingBandwidth, NcclRingGraphOnDgxH100Is12ChannelsOf30GBps) {
  const Topology t = dgx_h100(1);
  const RingChannels ring = nccl_ring_channels(t, iota_ranks(8));
  EXPECT_EQ(ring.channels, 12);
  EXPECT_DOUBLE_EQ(ring.per_channel_Bps, 30 * kGB);
}

TEST(RingBandwidth, AllReduceOf1GiBRunsAtChannelsTimesCap) {
  const Topology t = dgx_h100(1);
  FlowCollective ar;
  ar.kind = CollectiveKind::all_reduce;
  ar.ranks = iota_ranks(8);
  ar.bytes = kGiB;
  ar.channels = 12;
  ar.per_channel_Bps = 30 * kGB;

  const LoweredCollective lowered = lower_collective(t, ar);
  EXPECT_EQ(lowered.flows.size(), 8u * 12u);  // one flow per ring edge per channel
  EXPECT_EQ(lowered.steps, 14);               // 2(p−1)
  EXPECT_DOUBLE_EQ(lowered.flows[0].bytes, 2.0 * 7 / 8 * kGiB / 12);
  EXPECT_EQ(lowered.extra_latency_s, 0.0);  // NVLink hops carry no latency in the topology

  const std::vector<CollectiveFlowTime> t_flow =
      estimate_collectives_flow(t, std::vector<FlowCollective>{ar});
  const double busbw = all_reduce_busbw_Bps(8, kGiB, t_flow[0].time_s);
  const double analytical_busbw = 12 * 30 * kGB;
  EXPECT_NEAR(busbw, analytical_busbw, 0.02 * analytical_busbw);
  EXPECT_NEAR(busbw, analytical_busbw, 1e-6 * analytical_busbw);  // in fact exact
  std::printf("flow engine: 8 x H100 all_reduce 1 GiB: %.3f ms, busbw %.1f GB/s\n",
              t_flow[0].time_s * 1e3, busbw / kGB);

  // NCCL's own model (ring, Simple) sees the same 12 × 30 GB/s; its time adds latency terms.
  CollectiveOptions ring_simple;
  ring_simple.algorithm = "ring";
  ring_simple.protocol = "Simple";
  const CollectiveCost nccl(t.gpu(), t.node(), t.network(), ring_simple);
  const double t_nccl = nccl.estimate_s(CollectiveKind::all_reduce, CommGroup{8, 1, 8}, kGiB);
  const double nccl_busbw = all_reduce_busbw_Bps(8, kGiB, t_nccl);
  std::printf("NCCL model (ring/Simple): %.3f ms, busbw %.1f GB/s\n", t_nccl * 1e3,
              nccl_busbw / kGB);
  EXPECT_NEAR(busbw, nccl_busbw, 0.05 * nccl_busbw);
}

TEST(RingBandwidth, NcclChannelsByDefault) {
  const Topology t = dgx_h100(1);
  FlowCollective ar;
  ar.ranks = iota_ranks(8);
  ar.bytes = kGiB;
  ar.channels = 0;  // NCCL's ring graph
  const LoweredCollective lowered = lower_collective(t, ar);
  ASSERT_EQ(lowered.flows.size(), 8u * 12u);
  EXPECT_DOUBLE_EQ(lowered.flows[0].rate_cap_Bps, 30 * kGB);
}

TEST(RingBandwidth, AllGatherAndReduceScatterMoveHalfTheAllReduceBytes) {
  const Topology t = dgx_h100(1);
  std::vector<FlowCollective> collectives;
  for (const CollectiveKind kind : {CollectiveKind::all_gather, CollectiveKind::reduce_scatter}) {
    FlowCollective c;
    c.kind = kind;
    c.ranks = iota_ranks(8);
    c.bytes = kGiB;
    c.channels = 12;
    c.per_channel_Bps = 30 * kGB;
    collectives.push_back(c);
  }
  // Run apart (together they would share the GPU ports).
  for (const FlowCollective& c : collectives) {
    const std::vector<CollectiveFlowTime> r =
        estimate_collectives_flow(t, std::vector<FlowCollective>{c});
    const double busbw = 7.0 / 8 * kGiB / r[0].time_s;  // (p−1)/p · S / t
    EXPECT_NEAR(busbw, 360 * kGB, 1e-6 * 360 * kGB) << name_of(c.kind);
  }
}

TEST(RingBandwidth, UncappedRingRunsAtThePortSpeed) {
  const Topology t = dgx_h100(1);
  FlowCollective ar;
  ar.ranks = iota_ranks(8);
  ar.bytes = kGiB;
  ar.channels = 4;
  ar.per_channel_Bps = 0;  // no cap: the 450 GB/s GPU↔NVSwitch links are the limit
  const std::vector<CollectiveFlowTime> r =
      estimate_collectives_flow(t, std::vector<FlowCollective>{ar});
  EXPECT_NEAR(all_reduce_busbw_Bps(8, kGiB, r[0].time_s), 450 * kGB, 1e-6 * 450 * kGB);
}

}  // namespace
}  // namespace trainsim
