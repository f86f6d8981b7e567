// What-if degradation (FlowEngineOptions::degraded_links): a link at half speed on a ring's path
// slows the whole ring to what the degraded link carries, because a ring collective ends with its
// slowest edge; a degraded link off the path changes nothing.
#include <optional>
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

LinkId link_between(const Topology& t, VertexId src, VertexId dst) {
  const std::optional<LinkId> id = t.find_link(src, dst);
  EXPECT_TRUE(id.has_value());
  return id.value_or(0);
}

FlowCollective ring_all_reduce(std::vector<int> ranks, int channels, double per_channel_Bps) {
  FlowCollective ar;
  ar.kind = CollectiveKind::all_reduce;
  ar.ranks = std::move(ranks);
  ar.bytes = kGiB;
  ar.channels = channels;
  ar.per_channel_Bps = per_channel_Bps;
  return ar;
}

double time_s(const Topology& t, const FlowCollective& c, const FlowEngineOptions& options = {}) {
  return estimate_collectives_flow(t, std::vector<FlowCollective>{c}, options)[0].time_s;
}

TEST(DegradedLink, HalfSpeedNvlinkPortCapsTheRingAtItsBandwidth) {
  // 8 × H100: 12 channels × 30 GB/s = 360 GB/s per GPU over 450 GB/s ports. GPU 3's port towards
  // the NVSwitch at half speed (225 GB/s) carries all 12 of GPU 3's channels: the ring's busbw
  // becomes 225 GB/s.
  const Topology t = dgx_h100(1);
  const FlowCollective ar = ring_all_reduce(iota_ranks(8), 12, 30 * kGB);
  FlowEngineOptions degraded;
  const LinkId port = link_between(t, t.gpu_vertex(3), t.nvswitch_vertex(0));
  degraded.degraded_links = {{port, 0.5}};
  EXPECT_DOUBLE_EQ(t.link(port).capacity_Bps, 450 * kGB);

  const double healthy_busbw = all_reduce_busbw_Bps(8, kGiB, time_s(t, ar));
  const double degraded_busbw = all_reduce_busbw_Bps(8, kGiB, time_s(t, ar, degraded));
  std::printf("8 x H100 ring all_reduce busbw: healthy %.1f GB/s, GPU 3 port at half %.1f GB/s\n",
              healthy_busbw / kGB, degraded_busbw / kGB);
  EXPECT_NEAR(healthy_busbw, 360 * kGB, 1e-6 * 360 * kGB);
  EXPECT_NEAR(degraded_busbw, 225 * kGB, 1e-6 * 225 * kGB);

  // The other direction of the same cable is not on GPU 3's sending path… but it is on its
  // receiving path: 12 channels × 30 GB/s in, also capped at 225.
  degraded.degraded_links = {{Topology::reverse_of(port), 0.5}};
  EXPECT_NEAR(all_reduce_busbw_Bps(8, kGiB, time_s(t, ar, degraded)), 225 * kGB, 1e-6 * 225 * kGB);
}

TEST(DegradedLink, HalfSpeedNicSlowsTheChannelsOnItsRail) {
  // 2 × DGX H100, one 16-GPU ring with NCCL's channels. Channels are spread over the 8 rails;
  // the channels on rail 0 share node 0's NIC 0 uplink: at half speed (25 GB/s) each of them gets
  // 25 / (channels on rail 0), and the ring ends with them.
  const Topology t = dgx_h100(2);
  const RingChannels ring = nccl_ring_channels(t, iota_ranks(16));
  std::printf("2 x DGX H100 ring: %d channels x %.1f GB/s\n", ring.channels,
              ring.per_channel_Bps / kGB);
  ASSERT_EQ(ring.channels % 8, 0);
  const int channels_per_rail = ring.channels / 8;
  const FlowCollective ar = ring_all_reduce(iota_ranks(16), ring.channels, ring.per_channel_Bps);

  const LinkId nic_up = link_between(t, t.nic_vertex(0, 0), t.leaf_vertex(0, 0));
  EXPECT_DOUBLE_EQ(t.link(nic_up).capacity_Bps, 50 * kGB);
  FlowEngineOptions degraded;
  degraded.degraded_links = {{nic_up, 0.5}};

  const LoweredCollective lowered = lower_collective(t, ar);
  const double per_flow_bytes = lowered.flows[0].bytes;
  const double healthy_s = time_s(t, ar);
  const double degraded_s = time_s(t, ar, degraded);
  const double per_flow_Bps = std::min(ring.per_channel_Bps, 25 * kGB / channels_per_rail);
  std::printf("healthy %.3f ms, NIC 0 of node 0 at half speed %.3f ms\n", healthy_s * 1e3,
              degraded_s * 1e3);
  EXPECT_GT(degraded_s, 1.5 * healthy_s);
  EXPECT_NEAR(degraded_s - lowered.extra_latency_s,
              t.route(7, 8).latency_s + per_flow_bytes / per_flow_Bps, 1e-6 * degraded_s);
}

TEST(DegradedLink, DegradationOffThePathChangesNothing) {
  const Topology t = dgx_h100(2);
  const FlowCollective ar = ring_all_reduce(iota_ranks(8), 12, 30 * kGB);  // node 0 only
  FlowEngineOptions degraded;
  degraded.degraded_links = {{link_between(t, t.gpu_vertex(9), t.nvswitch_vertex(1)), 0.5},
                             {link_between(t, t.nic_vertex(0, 0), t.leaf_vertex(0, 0)), 0.1}};
  EXPECT_DOUBLE_EQ(time_s(t, ar, degraded), time_s(t, ar));
}

}  // namespace
}  // namespace trainsim
