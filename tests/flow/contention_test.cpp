// Link sharing (comm-model.md §3.6, §5.3): flows that meet on a link share it max-min fairly, so
// a data-parallel all_reduce over the NICs slows down when a pipeline-parallel send/recv stream
// uses the same NICs, while collectives on disjoint links do not affect each other at all.
// Two DGX H100 on NDR InfiniBand: GPU l of node 0 and GPU l of node 1 (rank 8 + l) are joined by
// rail l, i.e. NIC l of each node (50 GB/s per direction) and leaf l.
#include <vector>

#include <gtest/gtest.h>

#include "flow_test_clusters.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {
namespace {

using flow_test::dgx_h100;
using flow_test::kGB;
using flow_test::kGiB;

constexpr double kMiB = 1024.0 * 1024.0;

TEST(MaxMin, TwoFlowsOnOneNicShareItEqually) {
  const Topology t = dgx_h100(2);
  const double lat = t.route(0, 8).latency_s;
  const std::vector<double> finish =
      simulate_flows(t, std::vector<Flow>{{0, 8, 1e9, 0, 0, 0}, {0, 8, 1e9, 0, 0, 0}});
  for (const double f : finish) EXPECT_NEAR(f, lat + 2e9 / (50 * kGB), 1e-12);
}

TEST(MaxMin, CappedFlowLeavesItsShareToTheOthers) {
  // Three flows on node 0's rail-0 NIC (50 GB/s); one capped at 10 GB/s, so the other two get 20.
  const Topology t = dgx_h100(2);
  const double lat = t.route(0, 8).latency_s;
  const std::vector<Flow> flows = {{0, 8, 1e9, 0, 10 * kGB, 0},  // 10 GB/s
                                   {0, 8, 1e9, 0, 0, 0},
                                   {0, 8, 1e9, 0, 0, 0}};
  const std::vector<double> finish = simulate_flows(t, flows);
  // The uncapped pair finishes at 1e9 / 20e9 = 50 ms, then the capped flow keeps its 10 GB/s.
  EXPECT_NEAR(finish[1], lat + 0.05, 1e-9);
  EXPECT_NEAR(finish[2], lat + 0.05, 1e-9);
  EXPECT_NEAR(finish[0], lat + 0.1, 1e-9);
}

TEST(MaxMin, LateFlowTakesItsShareFromThen) {
  const Topology t = dgx_h100(2);
  const double lat = t.route(0, 8).latency_s;
  // Flow A alone at 50 GB/s for 10 ms (0.5 GB), then B joins: 25 GB/s each. A's remaining 0.5 GB
  // takes 20 ms; then B runs alone: it has moved 0.5 GB, its last 0.5 GB takes 10 ms.
  const std::vector<double> finish =
      simulate_flows(t, std::vector<Flow>{{0, 8, 1e9, 0, 0, 0}, {0, 8, 1e9, 0.01, 0, 0}});
  EXPECT_NEAR(finish[0], lat + 0.03, 1e-9);
  EXPECT_NEAR(finish[1], lat + 0.04, 1e-9);
}

TEST(MaxMin, FlowsOfOnePairKeepTheirOwnSizesAndCaps) {
  // Flows between the same two GPUs share one SimGrid mailbox; each keeps its size and cap.
  // B (0.2 GB) and A (1 GB) share 50 GB/s: B ends at 8 ms; A then has 0.8 GB left at 50 GB/s.
  // C starts at 30 ms, capped at 5 GB/s: 0.1 GB in 20 ms.
  const Topology t = dgx_h100(2);
  const double lat = t.route(0, 8).latency_s;
  const std::vector<Flow> flows = {
      {0, 8, 1e9, 0, 0, 0}, {0, 8, 2e8, 0, 0, 0}, {0, 8, 1e8, 0.03, 5 * kGB, 0}};
  const std::vector<double> finish = simulate_flows(t, flows);
  EXPECT_NEAR(finish[1], lat + 0.008, 1e-9);
  EXPECT_NEAR(finish[0], lat + 0.024, 1e-9);
  EXPECT_NEAR(finish[2], 0.03 + lat + 0.02, 1e-9);
}

FlowCollective dp_all_reduce(std::vector<int> ranks) {
  FlowCollective ar;
  ar.kind = CollectiveKind::all_reduce;
  ar.ranks = std::move(ranks);
  ar.bytes = kGiB;
  ar.channels = 0;  // NCCL's ring graph for the group
  return ar;
}

// A pipeline stage boundary: 8 micro-batches of 64 MiB activations, one every 2 ms.
std::vector<FlowCollective> pp_stream(int src, int dst) {
  std::vector<FlowCollective> sends;
  for (int mb = 0; mb < 8; ++mb) {
    FlowCollective s;
    s.kind = CollectiveKind::send_recv;
    s.ranks = {src, dst};
    s.bytes = 64 * kMiB;
    s.channels = 1;
    s.start_s = 2e-3 * mb;
    sends.push_back(s);
  }
  return sends;
}

TEST(Contention, AllReduceOverNicsSlowsDownUnderAPipelineStream) {
  const Topology t = dgx_h100(2);
  const FlowCollective dp = dp_all_reduce({0, 8});
  const RingChannels ring = nccl_ring_channels(t, dp.ranks);
  std::printf("DP group {0, 8}: NCCL ring %d channels x %.1f GB/s\n", ring.channels,
              ring.per_channel_Bps / kGB);

  const double alone_s = estimate_collectives_flow(t, std::vector<FlowCollective>{dp})[0].time_s;
  std::vector<FlowCollective> pp = pp_stream(0, 8);
  const std::vector<CollectiveFlowTime> pp_alone = estimate_collectives_flow(t, pp);

  std::vector<FlowCollective> both = {dp};
  both.insert(both.end(), pp.begin(), pp.end());
  const std::vector<CollectiveFlowTime> together = estimate_collectives_flow(t, both);
  const double shared_s = together[0].time_s;
  std::printf("all_reduce 1 GiB over rail 0: alone %.3f ms, with the PP stream %.3f ms (x%.3f)\n",
              alone_s * 1e3, shared_s * 1e3, shared_s / alone_s);

  EXPECT_GT(shared_s, 1.05 * alone_s);  // measurably longer
  // It cannot beat moving its own bytes plus the stream's through the shared 50 GB/s NIC link.
  const double dp_bytes_per_direction = kGiB;  // 2(p−1)/p · S with p = 2
  EXPECT_GE(shared_s, (dp_bytes_per_direction + 8 * 64 * kMiB) / (50 * kGB) - 1e-9);
  // The stream's sends slow down too.
  for (std::size_t i = 0; i < pp.size(); ++i)
    EXPECT_GT(together[1 + i].time_s, pp_alone[i].time_s) << "micro-batch " << i;
}

TEST(Contention, CollectivesOnDisjointLinksDoNotInterfere) {
  const Topology t = dgx_h100(2);
  // DP on rail 0 and rail 1, a tensor-parallel all_reduce inside node 1 on GPUs that use neither
  // rail's NVLink port, and a PP stream on rail 2.
  FlowCollective tp;
  tp.kind = CollectiveKind::all_reduce;
  tp.ranks = {10, 11, 12, 13, 14, 15};
  tp.bytes = 256 * kMiB;
  tp.channels = 0;
  std::vector<FlowCollective> collectives = {dp_all_reduce({0, 8}), dp_all_reduce({1, 9}), tp};
  const std::vector<FlowCollective> pp = pp_stream(2, 10);  // node 0 GPU 2 → node 1 GPU 2: rail 2
  collectives.insert(collectives.end(), pp.begin(), pp.end());

  const std::vector<CollectiveFlowTime> together = estimate_collectives_flow(t, collectives);
  for (std::size_t i = 0; i < collectives.size(); ++i) {
    const std::vector<CollectiveFlowTime> alone =
        estimate_collectives_flow(t, std::vector<FlowCollective>{collectives[i]});
    EXPECT_DOUBLE_EQ(together[i].time_s, alone[0].time_s) << "collective " << i;
  }
  // The two DP rings are alike, on different rails.
  EXPECT_DOUBLE_EQ(together[0].time_s, together[1].time_s);
}

}  // namespace
}  // namespace trainsim
