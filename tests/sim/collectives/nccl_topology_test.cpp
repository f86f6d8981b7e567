// The search graphs NCCL would build, derived from the specs (comm-model.md §1.2): channel counts
// and per-channel bandwidths per pattern, for known machines and for partial / oversubscribed
// groups.
#include "sim/collectives/nccl_topology.hpp"

#include <gtest/gtest.h>

#include "test_clusters.hpp"

namespace trainsim {
namespace {

using namespace test;

const NcclConstants& constants() {
  return default_nccl_constants();
}

NcclCommTopology topology(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& net,
                          const CommGroup& group) {
  return derive_nccl_topology(constants(), describe_nccl_machine(constants(), gpu, node, net),
                              group);
}

TEST(NcclMachine, NvlinkBandwidthIsLinksTimesNcclPerLinkValue) {
  const auto h = describe_nccl_machine(constants(), h100(), dgx_h100(), ib_ndr400());
  EXPECT_EQ(h.nvlink_links, 18);
  EXPECT_NEAR(h.nvlink_GBps, 370.8, 1e-9);
  EXPECT_EQ(h.arch, NcclArch::hopper);
  EXPECT_EQ(h.intra_hw, NcclHw::nvlink);
  EXPECT_DOUBLE_EQ(h.pci_GBps, 48.0);  // Gen5 x16 as NCCL counts it
  EXPECT_DOUBLE_EQ(h.nic_GBps, 50.0);

  const auto a = describe_nccl_machine(constants(), a100(), dgx_a100(), ib_hdr200());
  EXPECT_EQ(a.nvlink_links, 12);
  EXPECT_NEAR(a.nvlink_GBps, 240.0, 1e-9);

  const auto b = describe_nccl_machine(constants(), b200(), dgx_b200(), ib_ndr400());
  EXPECT_EQ(b.nvlink_links, 18);
  EXPECT_NEAR(b.nvlink_GBps, 721.8, 1e-9);
}

TEST(NcclMachine, PcieOnlyGpusUsePciBandwidthAndLatencies) {
  const auto m = describe_nccl_machine(constants(), pcie_gpu(), pcie_node(), ib_hdr200());
  EXPECT_EQ(m.intra_hw, NcclHw::pci);
  EXPECT_DOUBLE_EQ(m.intra_total_GBps, 24.0);  // Gen4 x16: 0.75 × 32
  const auto t = derive_nccl_topology(constants(), m, one_node(8));
  EXPECT_FALSE(t.ll128_enabled);
  // 20 GB/s fits once (20 of 24); two channels of 12 use the whole port.
  EXPECT_EQ(t.ring.n_channels, 2);
  EXPECT_DOUBLE_EQ(t.ring.bw_intra_GBps, 12.0);
}

TEST(NcclMachine, NicBandwidthIsCappedByTheSwitchPort) {
  NetworkSpec slow = ib_hdr200();
  const auto m = describe_nccl_machine(constants(), h100(), dgx_h100(), slow);
  EXPECT_DOUBLE_EQ(m.nic_GBps, 25.0);
}

// comm-model.md §1.6: 18 × 20.6 = 370.8 GB/s; SM90 speeds start at 60 → 6 × 60 = 360;
// DupChannels → 12 × 30.
TEST(NcclTopology, EightH100InOneNodeRing12ChannelsOf30) {
  const auto t = topology(h100(), dgx_h100(), ib_ndr400(), one_node(8));
  EXPECT_EQ(t.ring.n_channels, 12);
  EXPECT_DOUBLE_EQ(t.ring.bw_intra_GBps, 30.0);
  EXPECT_EQ(t.tree.n_channels, 12);
  EXPECT_TRUE(t.ll128_enabled);
}

// ncclTopoSearchTryNvls: 8 heads, each reserving 2s on its own port and s on the 7 others:
// 9s <= 370.8 → s = 40 (the "Pattern 5 ... bw 40" of NCCL logs).
TEST(NcclTopology, EightH100NvlsGraphHas8HeadsOf40) {
  const auto t = topology(h100(), dgx_h100(), ib_ndr400(), one_node(8));
  EXPECT_TRUE(t.nvls_available);
  EXPECT_FALSE(t.nvls_tree_available);  // NVLSTree is off on one node
  EXPECT_EQ(t.nvls.n_channels, 8);
  EXPECT_DOUBLE_EQ(t.nvls.bw_intra_GBps, 40.0);
  EXPECT_EQ(t.nvls_runtime_channels, 16);
}

TEST(NcclTopology, EightA100InOneNodeRing12ChannelsOf20AndNoNvls) {
  const auto t = topology(a100(), dgx_a100(), ib_hdr200(), one_node(8));
  EXPECT_EQ(t.ring.n_channels, 12);
  EXPECT_DOUBLE_EQ(t.ring.bw_intra_GBps, 20.0);
  EXPECT_FALSE(t.nvls_available);
}

TEST(NcclTopology, EightB200InOneNode) {
  const auto t = topology(b200(), dgx_b200(), ib_ndr400(), one_node(8));
  EXPECT_EQ(t.ring.n_channels, 16);  // 8 × 90 = 720, duplicated to 16 × 45
  EXPECT_DOUBLE_EQ(t.ring.bw_intra_GBps, 45.0);
  EXPECT_EQ(t.nvls.n_channels, 8);
  EXPECT_DOUBLE_EQ(t.nvls.bw_intra_GBps, 80.0);  // 721.8 / 9 = 80.2
  EXPECT_EQ(t.nvls_runtime_channels, 24);
}

TEST(NcclTopology, SubNodeGroupOnNvswitchKeepsTheFullRingBandwidth) {
  const auto t = topology(h100(), dgx_h100(), ib_ndr400(), one_node(4));
  EXPECT_EQ(t.ring.n_channels * t.ring.bw_intra_GBps, 360.0);
  EXPECT_EQ(t.nvls.n_channels, 4);  // 5s <= 370.8 → 60
  EXPECT_DOUBLE_EQ(t.nvls.bw_intra_GBps, 60.0);
}

// Between nodes each ring channel takes one NIC: 8 NICs × one channel each. 48 × 8 = 384 would
// exceed the 370.8 GB/s NVLink port, so the search keeps 8 × 45 = 360 (more than 7 × 48).
TEST(NcclTopology, DgxH100AcrossNodesUsesEightNicChannels) {
  for (int nodes : {2, 16}) {
    const auto t = topology(h100(), dgx_h100(), ib_ndr400(), nodes_of(nodes, 8));
    EXPECT_EQ(t.nics, 8);
    EXPECT_EQ(t.ring.n_channels, 8);
    EXPECT_DOUBLE_EQ(t.ring.bw_inter_GBps, 45.0);
    EXPECT_TRUE(t.nvls_tree_available);
    EXPECT_FALSE(t.nvls_available);  // multi-node NVLS needs in-network reduction
    EXPECT_DOUBLE_EQ(t.nvls.bw_inter_GBps, 48.0);
  }
}

TEST(NcclTopology, DgxA100AcrossNodesUsesEightChannelsOf24) {
  const auto t = topology(a100(), dgx_a100(), ib_hdr200(), nodes_of(4, 8));
  EXPECT_EQ(t.ring.n_channels, 8);
  EXPECT_DOUBLE_EQ(t.ring.bw_inter_GBps, 24.0);  // HDR 25 GB/s → 24 from the speed array
}

// Rail-optimized: a group with fewer GPUs per node than the node has uses only their NICs.
TEST(NcclTopology, NicBandwidthScalesWithRanksPerNode) {
  const auto one = topology(h100(), dgx_h100(), ib_ndr400(), nodes_of(16, 1));
  EXPECT_EQ(one.nics, 1);
  EXPECT_DOUBLE_EQ(one.ring.n_channels * one.ring.bw_inter_GBps, 48.0);
  EXPECT_TRUE(one.pat_available);

  const auto four = topology(h100(), dgx_h100(), ib_ndr400(), nodes_of(16, 4));
  EXPECT_EQ(four.nics, 4);
  EXPECT_DOUBLE_EQ(four.ring.n_channels * four.ring.bw_inter_GBps, 4 * 48.0);
  EXPECT_FALSE(four.pat_available);

  NodeSpec half_nics = dgx_h100();
  half_nics.nics_per_node = 4;  // two GPUs per NIC
  const auto shared = topology(h100(), half_nics, ib_ndr400(), nodes_of(16, 1));
  EXPECT_DOUBLE_EQ(shared.nic_GBps, 25.0);
  EXPECT_DOUBLE_EQ(shared.ring.n_channels * shared.ring.bw_inter_GBps, 24.0);
}

// Groups larger than one leaf group cross an oversubscribed spine.
TEST(NcclTopology, OversubscriptionDividesNicBandwidthOnlyAcrossLeafGroups) {
  NetworkSpec net = ib_ndr400();
  net.nodes_per_leaf_group = 32;
  net.oversubscription = 2.0;
  const auto inside = topology(h100(), dgx_h100(), net, nodes_of(32, 8));
  EXPECT_FALSE(inside.multi_leaf);
  EXPECT_DOUBLE_EQ(inside.nic_GBps, 50.0);
  const auto across = topology(h100(), dgx_h100(), net, nodes_of(64, 8));
  EXPECT_TRUE(across.multi_leaf);
  EXPECT_DOUBLE_EQ(across.nic_GBps, 25.0);
  EXPECT_DOUBLE_EQ(across.ring.bw_inter_GBps, 24.0);
}

TEST(NcclTopology, InNetworkReductionEnablesCollNetAndMultiNodeNvls) {
  NetworkSpec sharp = ib_ndr400();
  sharp.in_network_reduction = true;
  const auto t = topology(h100(), dgx_h100(), sharp, nodes_of(4, 8));
  EXPECT_TRUE(t.collnet_available);
  EXPECT_TRUE(t.collnet_direct_available);
  EXPECT_TRUE(t.nvls_available);
  EXPECT_EQ(t.collnet.n_channels, 8);
}

// A GPU without NCCL tables (another vendor) on a full NVLink-class mesh: 0.8 × 448 = 358.4 GB/s,
// 51.2 GB/s to each of 7 peers. Pass 1 keeps 11 × 30 = 330 (more than 8 × 40); DupChannels caps
// at 16 channels but halves the speed (16 × 15); pass 2 then raises 16 channels to 20 GB/s.
TEST(NcclTopology, RingSearchRaisesTheSpeedAgainAfterDuplicatingChannels) {
  GpuSpec gpu;
  gpu.vendor = "amd";
  gpu.nvlink_Bps = 448e9;
  gpu.pcie_Bps = 64e9;
  NodeSpec node = dgx_h100();
  node.nvswitch = false;
  node.nvls = false;
  const auto m = describe_nccl_machine(constants(), gpu, node, ib_ndr400());
  EXPECT_NEAR(m.intra_total_GBps, 358.4, 1e-9);
  EXPECT_NEAR(m.intra_peer_GBps, 358.4 / 7, 1e-9);
  const auto t = derive_nccl_topology(constants(), m, one_node(8));
  EXPECT_EQ(t.ring.n_channels, 16);
  EXPECT_DOUBLE_EQ(t.ring.bw_intra_GBps, 20.0);
  EXPECT_FALSE(t.nvls_available);
  EXPECT_FALSE(t.pat_available);
}

TEST(NcclTopology, SpeedArraySearchTakesTheFirstSpeedWithinTheLimit) {
  const std::vector<double> speeds = {60, 50, 40, 30};
  EXPECT_DOUBLE_EQ(first_speed_at_most(speeds, 370.8 / 9), 40.0);
  EXPECT_DOUBLE_EQ(first_speed_at_most(speeds, 60.0), 60.0);
  EXPECT_DOUBLE_EQ(first_speed_at_most(speeds, 10.0), 10.0);  // below the array
}

}  // namespace
}  // namespace trainsim
