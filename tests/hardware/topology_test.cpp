// The cluster graph (hardware/topology.hpp) and the routes through it (hardware/routes.hpp).
// Expected counts, names and numbers are written out by hand from the rules in those headers and
// the shipped presets: dgx-h100 (8 GPUs, NVSwitch, 8 NICs of 50 GB/s), h100-sxm5-80gb (NVLink
// 450 GB/s, PCIe 64 GB/s per direction), ib-ndr400-rail-fattree (50 GB/s ports, NIC 0.6 us,
// switch 0.13 us, 32-node scalable units, 2 tiers, non-blocking).
#include "hardware/topology.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/graph/breadth_first_search.hpp>

#include "hardware/presets.hpp"
#include "hardware/routes.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

using ::testing::ElementsAre;

constexpr double kGB = 1e9;
constexpr double kNicLatency_s = 0.6e-6;      // ib-ndr400 / ib-hdr200: one NIC end
constexpr double kSwitchLatency_s = 0.13e-6;  // one switch

NetworkSpec ndr400() {
  return resolve_network("ib-ndr400-rail-fattree", "cluster.network");
}

Topology dgx_h100(int nodes, const NetworkSpec& network = ndr400()) {
  return build_topology(resolve_gpu("h100-sxm5-80gb", "cluster.gpu"),
                        resolve_node("dgx-h100", "cluster.node"), network, nodes);
}

NetworkSpec with_tiers(int tiers) {
  NetworkSpec net = ndr400();
  net.tiers = tiers;
  return net;
}

std::vector<std::string> link_names(const Topology& t, const Route& r) {
  std::vector<std::string> names;
  for (const LinkId id : r.links) names.push_back(t.link(id).name);
  return names;
}

// Runs `fn`, expects an InputError naming `json_path`.
void expect_input_error(const std::function<void()>& fn, const std::string& json_path) {
  try {
    fn();
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), json_path) << e.what();
    return;
  }
  ADD_FAILURE() << "expected an InputError at " << json_path;
}

// Hop distances from GPU `rank` to every vertex, by Boost's breadth-first search.
std::vector<int> bfs_hops(const Topology& t, int rank) {
  std::vector<int> dist(static_cast<std::size_t>(t.n_vertices()), 0);
  const auto& g = t.graph();
  boost::breadth_first_search(
      g, boost::vertex(t.gpu_vertex(rank), g),
      boost::visitor(boost::make_bfs_visitor(boost::record_distances(
          boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, g)),
          boost::on_tree_edge()))));
  return dist;
}

// --- vertices and links ------------------------------------------------------------------------

TEST(Topology, TwoDgxH100Counts) {
  const Topology t = dgx_h100(2);
  EXPECT_EQ(t.count(VertexKind::gpu), 16);
  EXPECT_EQ(t.count(VertexKind::nvswitch), 2);
  EXPECT_EQ(t.count(VertexKind::host), 0);
  EXPECT_EQ(t.count(VertexKind::nic), 16);
  EXPECT_EQ(t.count(VertexKind::leaf), 8);   // one SU, one leaf per rail
  EXPECT_EQ(t.count(VertexKind::spine), 8);  // R = 8 spines
  EXPECT_EQ(t.count(VertexKind::core), 0);
  EXPECT_EQ(t.n_vertices(), 50);

  EXPECT_EQ(t.count(LinkKind::nvlink), 32);        // 16 GPUs × 2 directions
  EXPECT_EQ(t.count(LinkKind::pcie), 32);          // GPU↔NIC
  EXPECT_EQ(t.count(LinkKind::nic), 32);           // NIC↔leaf
  EXPECT_EQ(t.count(LinkKind::leaf_uplink), 128);  // 8 leaves × 8 spines × 2
  EXPECT_EQ(t.count(LinkKind::spine_uplink), 0);
  EXPECT_EQ(t.n_links(), 224);

  EXPECT_EQ(boost::num_vertices(t.graph()), 50u);
  EXPECT_EQ(boost::num_edges(t.graph()), 224u);
  EXPECT_EQ(t.n_units(), 1);
  EXPECT_EQ(t.node_fabric(), NodeFabricKind::nvswitch);
}

TEST(Topology, ThirtyTwoNodesFillOneScalableUnit) {
  const Topology t = dgx_h100(32);
  EXPECT_EQ(t.n_units(), 1);
  EXPECT_EQ(t.count(VertexKind::gpu), 256);
  EXPECT_EQ(t.count(VertexKind::nvswitch), 32);
  EXPECT_EQ(t.count(VertexKind::nic), 256);
  EXPECT_EQ(t.count(VertexKind::leaf), 8);
  EXPECT_EQ(t.count(VertexKind::spine), 8);
  EXPECT_EQ(t.n_vertices(), 560);
  EXPECT_EQ(t.count(LinkKind::nvlink), 512);
  EXPECT_EQ(t.count(LinkKind::pcie), 512);
  EXPECT_EQ(t.count(LinkKind::nic), 512);
  EXPECT_EQ(t.count(LinkKind::leaf_uplink), 128);
  EXPECT_EQ(t.n_links(), 1664);
}

TEST(Topology, SixtyFourNodesMakeTwoScalableUnits) {
  const Topology t = dgx_h100(64);
  EXPECT_EQ(t.n_units(), 2);
  EXPECT_EQ(t.count(VertexKind::gpu), 512);
  EXPECT_EQ(t.count(VertexKind::nvswitch), 64);
  EXPECT_EQ(t.count(VertexKind::nic), 512);
  EXPECT_EQ(t.count(VertexKind::leaf), 16);
  EXPECT_EQ(t.count(VertexKind::spine), 8);  // shared by both SUs (tiers == 2)
  EXPECT_EQ(t.n_vertices(), 1112);
  EXPECT_EQ(t.count(LinkKind::leaf_uplink), 256);  // 16 leaves × 8 spines × 2
  EXPECT_EQ(t.n_links(), 3328);
  EXPECT_EQ(t.unit_of_node(31), 0);
  EXPECT_EQ(t.unit_of_node(32), 1);
}

TEST(Topology, ThreeTiersGiveEachUnitItsSpinesAndAddCores) {
  const Topology t = dgx_h100(64, with_tiers(3));
  EXPECT_EQ(t.count(VertexKind::leaf), 16);
  EXPECT_EQ(t.count(VertexKind::spine), 16);  // 8 per SU
  EXPECT_EQ(t.count(VertexKind::core), 8);
  EXPECT_EQ(t.n_vertices(), 1128);
  EXPECT_EQ(t.count(LinkKind::leaf_uplink), 256);   // each leaf to the 8 spines of its SU
  EXPECT_EQ(t.count(LinkKind::spine_uplink), 256);  // 16 spines × 8 cores × 2
  EXPECT_EQ(t.n_links(), 3584);
  EXPECT_EQ(t.vertex(t.spine_vertex(1, 3)).name, "su1/spine3");
}

TEST(Topology, LinksHaveStableIndicesAndNames) {
  const Topology t = dgx_h100(2);
  // Node 0: 16 NVLink links (GPU by GPU, up then down), then 16 GPU↔NIC links.
  EXPECT_EQ(t.link(0).name, "node0/gpu0->nvswitch");
  EXPECT_EQ(t.link(1).name, "node0/nvswitch->gpu0");
  EXPECT_EQ(t.link(2).name, "node0/gpu1->nvswitch");
  EXPECT_EQ(t.link(16).name, "node0/gpu0->nic0");
  EXPECT_EQ(t.link(17).name, "node0/nic0->gpu0");
  EXPECT_EQ(t.link(32).name, "node1/gpu0->nvswitch");
  // Then NIC↔leaf links node by node, then leaf↔spine.
  EXPECT_EQ(t.link(64).name, "node0/nic0->su0/leaf0");
  EXPECT_EQ(t.link(65).name, "su0/leaf0->node0/nic0");
  EXPECT_EQ(t.link(96).name, "su0/leaf0->spine0");
  EXPECT_EQ(t.link(97).name, "spine0->su0/leaf0");
  EXPECT_EQ(t.link(223).name, "spine7->su0/leaf7");

  std::set<std::string> names;
  for (const Link& link : t.links()) {
    EXPECT_EQ(t.link(link.id).id, link.id);
    names.insert(link.name);
    // The other direction of the same cable is the neighbouring id.
    const Link& back = t.link(Topology::reverse_of(link.id));
    EXPECT_EQ(back.src, link.dst);
    EXPECT_EQ(back.dst, link.src);
    EXPECT_EQ(back.kind, link.kind);
    EXPECT_EQ(back.capacity_Bps, link.capacity_Bps);
    EXPECT_EQ(back.latency_s, link.latency_s);
    EXPECT_EQ(t.find_link(link.src, link.dst), link.id);
  }
  EXPECT_EQ(names.size(), t.links().size());
  EXPECT_EQ(t.find_link(t.gpu_vertex(0), t.gpu_vertex(1)), std::nullopt);  // through the switch
}

TEST(Topology, LinkCapacitiesAndLatencies) {
  const Topology t = dgx_h100(2);
  const auto capacity = [&](VertexId a, VertexId b) {
    return t.link(*t.find_link(a, b)).capacity_Bps;
  };
  const auto latency = [&](VertexId a, VertexId b) { return t.link(*t.find_link(a, b)).latency_s; };
  EXPECT_DOUBLE_EQ(capacity(t.gpu_vertex(3), t.nvswitch_vertex(0)), 450 * kGB);
  EXPECT_DOUBLE_EQ(capacity(t.gpu_vertex(3), t.nic_vertex(0, 3)), 64 * kGB);  // PCIe Gen5
  EXPECT_DOUBLE_EQ(capacity(t.nic_vertex(0, 3), t.leaf_vertex(0, 3)), 50 * kGB);
  // Leaf downlinks 32 × 50 GB/s, non-blocking, over 8 spines: 200 GB/s per leaf→spine link.
  EXPECT_DOUBLE_EQ(capacity(t.leaf_vertex(0, 3), t.spine_vertex(0, 5)), 200 * kGB);
  EXPECT_DOUBLE_EQ(latency(t.gpu_vertex(3), t.nvswitch_vertex(0)), 0.0);
  EXPECT_DOUBLE_EQ(latency(t.gpu_vertex(3), t.nic_vertex(0, 3)), kNicLatency_s);
  EXPECT_DOUBLE_EQ(latency(t.nic_vertex(0, 3), t.leaf_vertex(0, 3)), kSwitchLatency_s / 2);
  EXPECT_DOUBLE_EQ(latency(t.leaf_vertex(0, 3), t.spine_vertex(0, 5)), kSwitchLatency_s);
}

TEST(Topology, OversubscriptionTwoHalvesLeafUplinks) {
  NetworkSpec net = ndr400();
  net.oversubscription = 2;
  const Topology t = dgx_h100(64, net);
  for (const Link& link : t.links()) {
    if (link.kind == LinkKind::leaf_uplink) {
      EXPECT_DOUBLE_EQ(link.capacity_Bps, 100 * kGB);
    } else if (link.kind == LinkKind::nic) {
      EXPECT_DOUBLE_EQ(link.capacity_Bps, 50 * kGB);  // unchanged
    }
  }
  // All up-links of one leaf together: half of its 32 × 50 GB/s downlinks.
  const auto& g = t.graph();
  double up_Bps = 0;
  for (const auto e : boost::make_iterator_range(boost::out_edges(t.leaf_vertex(1, 4), g))) {
    const Link& link = t.link(g[e].link);
    if (link.kind == LinkKind::leaf_uplink) up_Bps += link.capacity_Bps;
  }
  EXPECT_DOUBLE_EQ(up_Bps, 800 * kGB);
}

TEST(Topology, SwitchlessNvlinkMeshSplitsNvlinkOverPeers) {
  GpuSpec gpu;  // MI300X-like: 448 GB/s of Infinity Fabric over 7 peers
  gpu.name = "mesh-gpu";
  gpu.nvlink_Bps = 448 * kGB;
  gpu.pcie_Bps = 64 * kGB;
  NodeSpec node;
  node.gpus_per_node = 8;
  node.nvswitch = false;
  node.nics_per_node = 8;
  node.nic_Bps = 50 * kGB;
  const Topology t = build_topology(gpu, node, ndr400(), 2);
  EXPECT_EQ(t.node_fabric(), NodeFabricKind::nvlink_mesh);
  EXPECT_EQ(t.count(VertexKind::nvswitch), 0);
  EXPECT_EQ(t.count(LinkKind::nvlink), 112);  // 2 nodes × 28 pairs × 2 directions
  EXPECT_EQ(t.n_vertices(), 48);

  const Route same_node = t.route(0, 5);
  EXPECT_THAT(link_names(t, same_node), ElementsAre("node0/gpu0->gpu5"));
  EXPECT_EQ(same_node.tier, Tier::nvlink);
  EXPECT_DOUBLE_EQ(same_node.bottleneck_Bps, 64 * kGB);

  const Route pxn = t.route(0, 13);  // node1/gpu5: one NVLink hop to node0/gpu5, then rail 5
  EXPECT_EQ(pxn.hops, 5);
  EXPECT_EQ(pxn.relay_rank, 5);
  EXPECT_EQ(t.link(pxn.links[0]).name, "node0/gpu0->gpu5");
}

TEST(Topology, PcieNodeWithSharedNicsGoesThroughTheHost) {
  GpuSpec gpu;  // L40S-like: no NVLink, PCIe Gen4 32 GB/s
  gpu.name = "pcie-gpu";
  gpu.pcie_Bps = 32 * kGB;
  NodeSpec node;
  node.gpus_per_node = 4;
  node.nics_per_node = 2;  // GPUs 0,1 share NIC 0; GPUs 2,3 share NIC 1
  node.nic_Bps = 50 * kGB;
  const Topology t = build_topology(gpu, node, ndr400(), 2);
  EXPECT_EQ(t.node_fabric(), NodeFabricKind::pcie_host);
  EXPECT_EQ(t.count(VertexKind::host), 2);
  EXPECT_EQ(t.count(VertexKind::nic), 4);
  EXPECT_EQ(t.count(VertexKind::leaf), 2);
  EXPECT_EQ(t.count(VertexKind::spine), 2);
  EXPECT_EQ(t.n_vertices(), 18);
  EXPECT_EQ(t.count(LinkKind::pcie), 32);  // 16 GPU↔host + 16 GPU↔NIC
  EXPECT_EQ(t.count(LinkKind::nic), 8);
  EXPECT_EQ(t.count(LinkKind::leaf_uplink), 8);
  EXPECT_EQ(t.n_links(), 48);

  const Route same_node = t.route(0, 3);
  EXPECT_THAT(link_names(t, same_node), ElementsAre("node0/gpu0->host", "node0/host->gpu3"));
  EXPECT_EQ(same_node.tier, Tier::pcie);
  EXPECT_DOUBLE_EQ(same_node.bottleneck_Bps, 32 * kGB);

  // node1/gpu1 shares rail 0 with node0/gpu0.
  EXPECT_THAT(link_names(t, t.route(0, 5)),
              ElementsAre("node0/gpu0->nic0", "node0/nic0->su0/leaf0", "su0/leaf0->node1/nic0",
                          "node1/nic0->gpu1"));
  // node1/gpu3 is on rail 1; without NVLink there is no PXN: rails change at spine (h = 4) % 2.
  const Route cross_rail = t.route(0, 7);
  EXPECT_THAT(link_names(t, cross_rail),
              ElementsAre("node0/gpu0->nic0", "node0/nic0->su0/leaf0", "su0/leaf0->spine0",
                          "spine0->su0/leaf1", "su0/leaf1->node1/nic1", "node1/nic1->gpu3"));
  EXPECT_EQ(cross_rail.tier, Tier::spine);
  EXPECT_EQ(cross_rail.relay_rank, -1);
}

TEST(Topology, SingleSwitchNetwork) {
  const Topology t = dgx_h100(2, with_tiers(1));
  EXPECT_EQ(t.count(VertexKind::leaf), 1);
  EXPECT_EQ(t.count(VertexKind::spine), 0);
  EXPECT_EQ(t.n_vertices(), 35);
  EXPECT_EQ(t.n_links(), 96);
  // Every NIC reaches every other one through the switch, so cross-rail needs no PXN.
  const Route r = t.route(1, 14);
  EXPECT_THAT(link_names(t, r), ElementsAre("node0/gpu1->nic1", "node0/nic1->switch",
                                            "switch->node1/nic6", "node1/nic6->gpu6"));
  EXPECT_EQ(r.tier, Tier::rail);
  EXPECT_EQ(r.relay_rank, -1);
}

TEST(Topology, OneNodeWithoutNicsHasNoNetwork) {
  NodeSpec node = resolve_node("dgx-h100", "cluster.node");
  node.nics_per_node = 0;
  const Topology t =
      build_topology(resolve_gpu("h100-sxm5-80gb", "cluster.gpu"), node, ndr400(), 1);
  EXPECT_FALSE(t.has_network());
  EXPECT_EQ(t.n_vertices(), 9);
  EXPECT_EQ(t.n_links(), 16);
  EXPECT_EQ(t.route(0, 7).hops, 2);
}

TEST(Topology, BadInputIsAnInputError) {
  const GpuSpec gpu = resolve_gpu("h100-sxm5-80gb", "cluster.gpu");
  const NodeSpec node = resolve_node("dgx-h100", "cluster.node");
  expect_input_error([&] { build_topology(gpu, node, ndr400(), 0); }, "cluster.nodes");
  expect_input_error([&] { build_topology(gpu, node, ndr400(), -3); }, "cluster.nodes");
  ClusterSpec cluster{gpu, node, ndr400(), {}, 0};
  expect_input_error([&] { build_topology(cluster); }, "cluster.nodes");

  NodeSpec too_many_nics = node;
  too_many_nics.nics_per_node = 16;
  expect_input_error([&] { build_topology(gpu, too_many_nics, ndr400(), 2); },
                     "cluster.node.nics_per_node");
  NodeSpec no_nics = node;
  no_nics.nics_per_node = 0;
  expect_input_error([&] { build_topology(gpu, no_nics, ndr400(), 2); },
                     "cluster.node.nics_per_node");
  GpuSpec no_nvlink = gpu;
  no_nvlink.nvlink_Bps = 0;
  expect_input_error([&] { build_topology(no_nvlink, node, ndr400(), 2); },
                     "cluster.node.nvswitch");
  expect_input_error([&] { build_topology(gpu, node, with_tiers(4), 2); }, "cluster.network.tiers");
}

// --- routes ------------------------------------------------------------------------------------

TEST(Routes, SameGpuIsLocal) {
  const Route r = dgx_h100(2).route(5, 5);
  EXPECT_EQ(r.tier, Tier::local);
  EXPECT_EQ(r.hops, 0);
  EXPECT_TRUE(r.links.empty());
  EXPECT_EQ(r.bottleneck_Bps, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.latency_s, 0.0);
}

TEST(Routes, SameNodeCrossesTheNvswitch) {
  const Topology t = dgx_h100(2);
  const Route r = t.route(1, 6);
  EXPECT_THAT(link_names(t, r), ElementsAre("node0/gpu1->nvswitch", "node0/nvswitch->gpu6"));
  EXPECT_THAT(r.links, ElementsAre(2, 13));
  EXPECT_EQ(r.hops, 2);
  EXPECT_EQ(r.tier, Tier::nvlink);
  EXPECT_DOUBLE_EQ(r.bottleneck_Bps, 450 * kGB);  // nvlink_Bps
  EXPECT_DOUBLE_EQ(r.latency_s, 0.0);
}

TEST(Routes, SameRailCrossesOneLeaf) {
  const Topology t = dgx_h100(2);
  const Route r = t.route(3, 11);  // node0/gpu3 -> node1/gpu3
  EXPECT_THAT(link_names(t, r), ElementsAre("node0/gpu3->nic3", "node0/nic3->su0/leaf3",
                                            "su0/leaf3->node1/nic3", "node1/nic3->gpu3"));
  EXPECT_EQ(r.hops, 4);
  EXPECT_EQ(r.tier, Tier::rail);
  EXPECT_DOUBLE_EQ(r.bottleneck_Bps, 50 * kGB);  // min(NIC 50, port 50, PCIe 64)
  EXPECT_DOUBLE_EQ(r.latency_s, 2 * kNicLatency_s + kSwitchLatency_s);
  EXPECT_EQ(r.relay_rank, -1);
}

TEST(Routes, SameRailOnDgxA100IsCappedByTheHdrNic) {
  const Topology t = build_topology(
      resolve_gpu("a100-sxm4-80gb", "cluster.gpu"), resolve_node("dgx-a100", "cluster.node"),
      resolve_network("ib-hdr200-rail-fattree", "cluster.network"), 32);
  const Route r = t.route(3, 8 + 3);
  EXPECT_EQ(r.hops, 4);
  EXPECT_EQ(r.tier, Tier::rail);
  EXPECT_DOUBLE_EQ(r.bottleneck_Bps, 25 * kGB);  // min(NIC 25, port 25, PCIe 32)
  EXPECT_DOUBLE_EQ(t.route(0, 1).bottleneck_Bps, 300 * kGB);
  // HDR scalable units hold 20 nodes: node 20 is in the second (partial) unit.
  EXPECT_EQ(t.n_units(), 2);
  const Route cross_unit = t.route(0, 20 * 8);
  EXPECT_EQ(cross_unit.tier, Tier::spine);
  EXPECT_EQ(cross_unit.hops, 6);
  EXPECT_EQ(t.link(cross_unit.links[2]).name, "su0/leaf0->spine4");  // h = 0 + 20 + 0 + 0
}

TEST(Routes, CrossRailUsesPxnOverNvlinkFirst) {
  const Topology t = dgx_h100(2);
  const Route r = t.route(1, 14);  // node0/gpu1 -> node1/gpu6
  EXPECT_THAT(link_names(t, r),
              ElementsAre("node0/gpu1->nvswitch", "node0/nvswitch->gpu6", "node0/gpu6->nic6",
                          "node0/nic6->su0/leaf6", "su0/leaf6->node1/nic6", "node1/nic6->gpu6"));
  EXPECT_EQ(t.link(r.links[0]).kind, LinkKind::nvlink);
  EXPECT_EQ(r.relay_rank, 6);
  EXPECT_EQ(r.hops, 6);
  EXPECT_EQ(r.tier, Tier::rail);  // never leaves rail 6's leaf
  EXPECT_DOUBLE_EQ(r.bottleneck_Bps, 50 * kGB);
  EXPECT_DOUBLE_EQ(r.latency_s, 2 * kNicLatency_s + kSwitchLatency_s);
}

TEST(Routes, CrossRailWithoutPxnChangesRailsAtASpine) {
  const Topology t = dgx_h100(2);
  const Route r = t.route(1, 14, {.pxn = false});
  // h = 0 + 1 + 1 + 6 = 8, spine 8 % 8 = 0.
  EXPECT_THAT(link_names(t, r),
              ElementsAre("node0/gpu1->nic1", "node0/nic1->su0/leaf1", "su0/leaf1->spine0",
                          "spine0->su0/leaf6", "su0/leaf6->node1/nic6", "node1/nic6->gpu6"));
  EXPECT_EQ(r.hops, 6);
  EXPECT_EQ(r.tier, Tier::spine);
  EXPECT_DOUBLE_EQ(r.bottleneck_Bps, 50 * kGB);
  EXPECT_DOUBLE_EQ(r.latency_s, 2 * kNicLatency_s + 3 * kSwitchLatency_s);
  EXPECT_EQ(r.relay_rank, -1);
}

TEST(Routes, CrossUnitGoesThroughASpine) {
  const Topology t = dgx_h100(64);
  const int src = 2;           // node0/gpu2, SU 0
  const int dst = 41 * 8 + 2;  // node41/gpu2, SU 1
  const Route r = t.route(src, dst);
  // h = 0 + 41 + 2 + 2 = 45, spine 45 % 8 = 5.
  EXPECT_THAT(link_names(t, r),
              ElementsAre("node0/gpu2->nic2", "node0/nic2->su0/leaf2", "su0/leaf2->spine5",
                          "spine5->su1/leaf2", "su1/leaf2->node41/nic2", "node41/nic2->gpu2"));
  EXPECT_EQ(r.tier, Tier::spine);
  EXPECT_EQ(r.hops, 6);
  EXPECT_GT(r.hops, t.route(src, 20 * 8 + 2).hops);  // same rail inside SU 0: 4 hops
  EXPECT_DOUBLE_EQ(r.bottleneck_Bps, 50 * kGB);
  EXPECT_DOUBLE_EQ(r.latency_s, 2 * kNicLatency_s + 3 * kSwitchLatency_s);

  // Cross-unit and cross-rail: PXN first, then the spine on the destination's rail.
  const Route both = t.route(0, dst);
  EXPECT_EQ(both.relay_rank, 2);
  EXPECT_EQ(both.hops, 8);
  EXPECT_EQ(both.tier, Tier::spine);
}

TEST(Routes, CrossUnitWithThreeTiersGoesThroughTheCore) {
  const Topology t = dgx_h100(64, with_tiers(3));
  const Route r = t.route(2, 41 * 8 + 2);
  // h = 45: spine 45 % 8 = 5, core (45 / 8) % 8 = 5.
  EXPECT_THAT(link_names(t, r),
              ElementsAre("node0/gpu2->nic2", "node0/nic2->su0/leaf2", "su0/leaf2->spine5",
                          "su0/spine5->core5", "core5->su1/spine5", "su1/spine5->leaf2",
                          "su1/leaf2->node41/nic2", "node41/nic2->gpu2"));
  EXPECT_EQ(r.tier, Tier::core);
  EXPECT_EQ(r.hops, 8);
  EXPECT_DOUBLE_EQ(r.latency_s, 2 * kNicLatency_s + 5 * kSwitchLatency_s);

  // Inside one SU, a rail change without PXN turns at that SU's spine.
  const Route inside = t.route(1, 14, {.pxn = false});
  EXPECT_EQ(inside.tier, Tier::spine);
  EXPECT_EQ(t.link(inside.links[2]).name, "su0/leaf1->spine0");
  EXPECT_EQ(t.link(inside.links[3]).name, "su0/spine0->leaf6");
}

TEST(Routes, SummaryIsMinCapacitySumLatencyWorstTier) {
  for (const Topology& t : {dgx_h100(64), dgx_h100(64, with_tiers(3))}) {
    for (const int src : {0, 13}) {
      for (const Route& r : routes_from(t, src)) {
        double min_Bps = std::numeric_limits<double>::infinity();
        double sum_s = 0;
        Tier worst = Tier::local;
        for (const LinkId id : r.links) {
          min_Bps = std::min(min_Bps, t.link(id).capacity_Bps);
          sum_s += t.link(id).latency_s;
          worst = std::max(worst, t.link(id).tier());
        }
        EXPECT_EQ(r.bottleneck_Bps, min_Bps);
        EXPECT_DOUBLE_EQ(r.latency_s, sum_s);
        EXPECT_EQ(r.tier, worst);
        EXPECT_EQ(r.hops, static_cast<int>(r.links.size()));
      }
    }
  }
}

TEST(Routes, LinksChainFromSourceToDestination) {
  const Topology t = dgx_h100(64, with_tiers(3));
  for (const int src : {0, 13, 300}) {
    for (const bool pxn : {true, false}) {
      const auto routes = routes_from(t, src, {.pxn = pxn});
      for (int dst = 0; dst < t.n_gpus(); ++dst) {
        const Route& r = routes[static_cast<std::size_t>(dst)];
        VertexId at = t.gpu_vertex(src);
        for (const LinkId id : r.links) {
          ASSERT_EQ(t.link(id).src, at) << src << " -> " << dst;
          at = t.link(id).dst;
        }
        EXPECT_EQ(at, t.gpu_vertex(dst)) << src << " -> " << dst;
      }
    }
  }
}

TEST(Routes, ReverseRouteMirrors) {
  for (const Topology& t : {dgx_h100(2), dgx_h100(64, with_tiers(3))}) {
    for (const bool pxn : {true, false}) {
      for (int a = 0; a < t.n_gpus(); a += 3) {
        for (int b = 0; b < t.n_gpus(); b += 5) {
          const Route ab = t.route(a, b, {.pxn = pxn});
          const Route ba = t.route(b, a, {.pxn = pxn});
          EXPECT_EQ(ab.hops, ba.hops);
          EXPECT_EQ(ab.tier, ba.tier);
          EXPECT_EQ(ab.bottleneck_Bps, ba.bottleneck_Bps);
          EXPECT_DOUBLE_EQ(ab.latency_s, ba.latency_s);
          if (ab.relay_rank >= 0) continue;  // PXN relays on the receiver's rail each way
          std::vector<LinkId> reversed;
          for (auto it = ba.links.rbegin(); it != ba.links.rend(); ++it)
            reversed.push_back(Topology::reverse_of(*it));
          EXPECT_EQ(ab.links, reversed) << a << " <-> " << b;
        }
      }
    }
  }
}

TEST(Routes, WithoutPxnRoutesAreShortestPathsOfTheGraph) {
  for (const Topology& t : {dgx_h100(64), dgx_h100(64, with_tiers(3))}) {
    for (const int src : {0, 13}) {
      const std::vector<int> hops = bfs_hops(t, src);
      const auto routes = routes_from(t, src, {.pxn = false});
      for (int dst = 0; dst < t.n_gpus(); ++dst)
        EXPECT_EQ(routes[static_cast<std::size_t>(dst)].hops, hops[static_cast<std::size_t>(dst)])
            << src << " -> " << dst;
    }
  }
}

TEST(Routes, PxnRoutesAddAtMostTheNvlinkDetour) {
  const Topology t = dgx_h100(64);
  const std::vector<int> hops = bfs_hops(t, 13);
  const auto routes = routes_from(t, 13);
  for (int dst = 0; dst < t.n_gpus(); ++dst) {
    const Route& r = routes[static_cast<std::size_t>(dst)];
    const int shortest = hops[static_cast<std::size_t>(dst)];
    if (r.relay_rank < 0) {
      EXPECT_EQ(r.hops, shortest) << dst;
    } else {
      EXPECT_GE(r.hops, shortest) << dst;
      EXPECT_LE(r.hops, shortest + 2) << dst;
      EXPECT_LE(r.tier, Tier::spine) << dst;
    }
  }
}

TEST(Routes, AllRoutesFromRankZeroOn1024Gpus) {
  const Topology t = dgx_h100(128);
  EXPECT_EQ(t.n_gpus(), 1024);
  EXPECT_EQ(t.n_units(), 4);
  EXPECT_EQ(t.n_vertices(), 2216);
  EXPECT_EQ(t.n_links(), 6656);
  const auto routes = routes_from(t, 0);
  ASSERT_EQ(routes.size(), 1024u);
  for (const Route& r : routes) EXPECT_LE(r.tier, Tier::spine);
  EXPECT_EQ(routes[1023].relay_rank, 7);  // node127/gpu7: PXN to rail 7, then via a spine
  EXPECT_EQ(routes[1023].hops, 8);
}

TEST(Routes, RankOutsideTheTopologyIsABug) {
  const Topology t = dgx_h100(2);
  EXPECT_THROW(t.route(0, 16), std::out_of_range);
  EXPECT_THROW(t.route(-1, 0), std::out_of_range);
}

TEST(Routes, TierNamesAndOrder) {
  EXPECT_EQ(tier_name(Tier::rail), "rail");
  EXPECT_LT(Tier::local, Tier::nvlink);
  EXPECT_LT(Tier::nvlink, Tier::pcie);
  EXPECT_LT(Tier::pcie, Tier::rail);
  EXPECT_LT(Tier::rail, Tier::spine);
  EXPECT_LT(Tier::spine, Tier::core);
  EXPECT_EQ(tier_of(LinkKind::leaf_uplink), Tier::spine);
  EXPECT_EQ(link_kind_name(LinkKind::spine_uplink), "spine_uplink");
  EXPECT_EQ(vertex_kind_name(VertexKind::nvswitch), "nvswitch");
}

}  // namespace
}  // namespace trainsim
