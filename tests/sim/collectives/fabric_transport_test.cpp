// Fabrics other than InfiniBand: what NCCL's network transport costs there beyond NCCL's own
// (InfiniBand verbs) constants — a latency per inter-node step and a fraction of the link rate —
// and the aws-efa preset against nccl-tests measured on AWS p5 (tests/data/nccl_tests/aws-p5-efa).
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "hardware/presets.hpp"
#include "sim/collectives/collective_cost.hpp"
#include "test_clusters.hpp"

namespace trainsim {
namespace {

using namespace test;

struct MeasuredPoint {
  CollectiveKind kind;
  int gpus = 0;
  double bytes = 0;
  double time_s = 0;
};

// nccl-tests CSV rows: Nodes,GPUs,size(MB),iterations,blocking,out algbw(GB/s),...
std::vector<MeasuredPoint> read_p5_csv(const std::string& file, CollectiveKind kind) {
  std::ifstream in(std::string(TRAINSIM_TEST_DATA_DIR "/nccl_tests/aws-p5-efa/") + file);
  EXPECT_TRUE(in) << file;
  std::vector<MeasuredPoint> points;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (cells.size() < 6) continue;
    const double bytes = std::stod(cells[2]) * 1024 * 1024;
    const double algbw_Bps = std::stod(cells[5]) * 1e9;
    points.push_back({kind, std::stoi(cells[1]), bytes, bytes / algbw_Bps});
  }
  return points;
}

std::vector<MeasuredPoint> p5_measurements() {
  std::vector<MeasuredPoint> all = read_p5_csv("nccl_all_reduce.csv", CollectiveKind::all_reduce);
  for (const auto& [file, kind] : {std::pair{"nccl_all_gather.csv", CollectiveKind::all_gather},
                                   std::pair{"nccl_alltoall.csv", CollectiveKind::all_to_all}}) {
    const auto more = read_p5_csv(file, kind);
    all.insert(all.end(), more.begin(), more.end());
  }
  return all;
}

// Mean |log(predicted / measured)| over every measured point.
double mean_log_error(const CollectiveCost& cost, const std::vector<MeasuredPoint>& points) {
  double sum = 0;
  for (const MeasuredPoint& p : points) {
    const CommGroup group = nodes_of(p.gpus / 8, 8);
    sum += std::abs(std::log(cost.estimate_s(p.kind, group, p.bytes) / p.time_s));
  }
  return sum / static_cast<double>(points.size());
}

TEST(FabricTransport, EfaPresetFollowsNcclTestsMeasuredOnAwsP5) {
  const auto points = p5_measurements();
  ASSERT_EQ(points.size(), 115u);  // 45 all_reduce, 35 all_gather, 35 all_to_all
  const GpuSpec gpu = resolve_gpu("h100-sxm5-80gb", "cluster.gpu");
  const NodeSpec p5 = resolve_node("aws-p5", "cluster.node");
  const NetworkSpec efa = resolve_network("aws-efa", "cluster.network");
  EXPECT_EQ(efa.fabric, FabricKind::efa);

  const double with_efa = mean_log_error(CollectiveCost(gpu, p5, efa), points);
  // The same NICs with InfiniBand's transport: medium messages come out about twice too fast.
  const double with_infiniband = mean_log_error(
      CollectiveCost(gpu, p5, resolve_network("ib-ndr400-rail-fattree", "n")), points);
  EXPECT_LT(with_efa, 0.15) << "mean |log error| with the aws-efa preset";
  EXPECT_GT(with_infiniband, 0.30) << "mean |log error| with InfiniBand constants";
}

NetworkSpec with_transport(NetworkSpec net, double latency_us, double bandwidth_frac) {
  net.transport_latency_s = latency_us * 1e-6;
  net.transport_bandwidth_frac = bandwidth_frac;
  return net;
}

TEST(FabricTransport, LatencyIsPaidOncePerInterNodeStep) {
  const CollectiveCost infiniband(h100(), dgx_h100(), ib_ndr400(), {"ring", "LL"});
  const CollectiveCost slow_transport(h100(), dgx_h100(), with_transport(ib_ndr400(), 50, 1.0),
                                      {"ring", "LL"});
  const double bytes = 4096;  // latency-bound
  // A ring all_gather crosses the network (nodes - 1) times per ring pass.
  for (int nodes : {2, 4, 8}) {
    const CommGroup group = nodes_of(nodes, 8);
    const double added_us =
        1e6 * (slow_transport.estimate_s(CollectiveKind::all_gather, group, bytes) -
               infiniband.estimate_s(CollectiveKind::all_gather, group, bytes));
    EXPECT_NEAR(added_us, 50.0 * (nodes - 1), 1e-6) << nodes << " nodes";
  }
  // Inside one node the network is not used.
  EXPECT_DOUBLE_EQ(slow_transport.estimate_s(CollectiveKind::all_gather, one_node(8), bytes),
                   infiniband.estimate_s(CollectiveKind::all_gather, one_node(8), bytes));
}

TEST(FabricTransport, BandwidthFractionSlowsOnlyTrafficAcrossNodes) {
  const CollectiveCost infiniband(h100(), dgx_h100(), ib_ndr400(), {"ring", "Simple"});
  const CollectiveCost slower(h100(), dgx_h100(), with_transport(ib_ndr400(), 0, 0.5),
                              {"ring", "Simple"});
  const double bytes = 8 * kGiB;  // bandwidth-bound
  const double across = slower.estimate_s(CollectiveKind::all_reduce, nodes_of(4, 8), bytes) /
                        infiniband.estimate_s(CollectiveKind::all_reduce, nodes_of(4, 8), bytes);
  EXPECT_NEAR(across, 2.0, 0.02);
  EXPECT_DOUBLE_EQ(slower.estimate_s(CollectiveKind::all_reduce, one_node(8), bytes),
                   infiniband.estimate_s(CollectiveKind::all_reduce, one_node(8), bytes));
  // Point-to-point (pipeline sends, all_to_all) streams at the same fraction.
  const double send = slower.estimate_s(CollectiveKind::send_recv, nodes_of(2, 1), bytes) /
                      infiniband.estimate_s(CollectiveKind::send_recv, nodes_of(2, 1), bytes);
  EXPECT_NEAR(send, 2.0, 0.02);
}

}  // namespace
}  // namespace trainsim
