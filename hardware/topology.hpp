#pragma once
// The cluster as a typed graph (comm-model.md §5.1–5.2): GPUs, NVSwitches, NICs and the switches
// of a rail-optimized fat tree, as a directed Boost.Graph adjacency_list. Every full-duplex link
// is two directed edges (links), each with its own capacity per direction and latency, so the
// flow engine can make one SimGrid link per directed edge.
//
// Vertices, for N nodes of G GPUs and R = nics_per_node NICs ("rails"), in this id order:
//  - gpu: one per GPU; vertex id == global rank == node·G + local.
//  - nvswitch: one crossbar vertex per node when node.nvswitch (a non-blocking crossbar: only the
//    GPUs' ports are modelled). Without NVSwitch, GPUs with NVLink form a full mesh of direct
//    links of nvlink_Bps/(G−1) each; GPUs without NVLink (nvlink_Bps == 0) talk over PCIe through
//    one host vertex per node.
//  - nic: R per node. GPU l uses NIC ⌊l·R/G⌋ over PCIe: its own NIC (its rail) when R == G, or a
//    NIC shared by G/R neighbouring GPUs. The rail of a GPU is the index of its NIC.
//  - leaf: R per scalable unit (SU) of network.nodes_per_leaf_group nodes; NIC r of every node in
//    SU u connects to leaf r of u (rail-optimized). SUs are filled in node order; the last one
//    may be partial. With tiers == 1 the whole network is one switch (one leaf vertex, no SUs).
//  - spine: tiers == 2: R spines shared by all SUs, and every leaf has an up-link to every spine,
//    so spines join the leaves of one rail across SUs and the rails with each other (a two-level
//    Clos, as the DGX SuperPOD reference design cables each leaf to every spine). tiers == 3: R
//    spines per SU, joined to every leaf of their own SU only.
//  - core (tiers == 3): R core switches; every spine has an up-link to every core.
// A network (NICs and switches) is built when nics_per_node > 0; more than one node needs one.
//
// Links (capacity per direction; latency of one traversal):
//  - nvlink: GPU↔NVSwitch at nvlink_Bps, or GPU↔GPU at nvlink_Bps/(G−1); latency 0.
//  - pcie: GPU↔host at pcie_Bps, latency 0; GPU↔NIC at pcie_Bps (the NIC rate when the GPU's
//    PCIe rate is unknown), latency nic_latency_s (network.nic_latency_s is "NIC + PCIe
//    traversal, one end").
//  - nic: NIC↔leaf at port = min(nic_Bps, link_Bps), latency switch_latency_s / 2.
//  - leaf_uplink: leaf↔spine. A leaf is provisioned for a full SU: downlink capacity
//    D = nodes_per_leaf_group · port, uplink capacity D / oversubscription, split evenly over
//    the R spines it reaches: trunk = D / (oversubscription · R) per link. Latency
//    switch_latency_s.
//  - spine_uplink: spine↔core at trunk (spines are non-blocking: as much up as down, split over
//    the R cores). Latency switch_latency_s.
// A switch's latency is thus split over the two links a route uses to cross it (half on a
// NIC↔leaf link, which touches one switch; whole on a switch↔switch link, which touches two), so
// a route's latency is 2·nic_latency_s + (switches crossed)·switch_latency_s. NVLink and host
// PCIe hops carry no latency: no spec field gives one, and the collective cost model's α covers
// it.
//
// Link ids are stable: links are numbered as built (per node: NVLink or host links GPU by GPU,
// then GPU↔NIC links; then NIC↔leaf links node by node; then leaf↔spine; then spine↔core), and
// the two directions of one cable are consecutive, so reverse_of(id) == id ^ 1. Names are
// "<src>-><dst>" with vertex names node3/gpu5, node3/nvswitch, node3/host, node3/nic5,
// su0/leaf5, switch, spine2 (tiers 2) or su1/spine2 (tiers 3), core4; a prefix shared by both
// ends is written once: "node3/gpu5->nvswitch", "node3/nic5->su0/leaf5", "su0/leaf5->spine2".
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "hardware/cluster.hpp"
#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"
#include "hardware/routes.hpp"

namespace trainsim {

enum class VertexKind { gpu, nvswitch, host, nic, leaf, spine, core };
inline constexpr int kVertexKindCount = 7;

enum class LinkKind { nvlink, pcie, nic, leaf_uplink, spine_uplink };
inline constexpr int kLinkKindCount = 5;

// How GPUs of one node reach each other.
enum class NodeFabricKind { nvswitch, nvlink_mesh, pcie_host };

std::string_view vertex_kind_name(VertexKind kind);
std::string_view link_kind_name(LinkKind kind);
std::string_view node_fabric_name(NodeFabricKind kind);

// The distance class of one link: nvlink → Tier::nvlink, pcie → pcie, nic → rail,
// leaf_uplink → spine, spine_uplink → core.
constexpr Tier tier_of(LinkKind kind) {
  switch (kind) {
    case LinkKind::nvlink:
      return Tier::nvlink;
    case LinkKind::pcie:
      return Tier::pcie;
    case LinkKind::nic:
      return Tier::rail;
    case LinkKind::leaf_uplink:
      return Tier::spine;
    case LinkKind::spine_uplink:
      return Tier::core;
  }
  return Tier::core;  // unreachable: the switch covers every LinkKind
}

using VertexId = int;

struct Vertex {
  VertexKind kind = VertexKind::gpu;
  int node = -1;  // gpu, nvswitch, host, nic; -1 otherwise
  int unit = -1;  // scalable unit of a leaf, or of a spine when tiers == 3; -1 otherwise
  int index = 0;  // local GPU index, rail (nic, leaf), spine or core index; 0 otherwise
  std::string name;
};

struct Link {
  LinkId id = 0;
  VertexId src = 0;
  VertexId dst = 0;
  LinkKind kind = LinkKind::nvlink;
  double capacity_Bps = 0;  // this direction
  double latency_s = 0;
  std::string name;  // "node3/gpu5->nvswitch"

  Tier tier() const { return tier_of(kind); }
};

class Topology {
 public:
  // The graph for Boost.Graph algorithms: vertex descriptors are VertexIds, each edge carries
  // its LinkId (look attributes up in links()).
  struct GraphVertex {
    VertexKind kind = VertexKind::gpu;
  };
  struct GraphEdge {
    LinkId link = 0;
  };
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, GraphVertex, GraphEdge>;

  const GpuSpec& gpu() const { return gpu_; }
  const NodeSpec& node() const { return node_; }
  const NetworkSpec& network() const { return network_; }

  int n_nodes() const { return n_nodes_; }
  int gpus_per_node() const { return gpus_per_node_; }
  int n_gpus() const { return n_nodes_ * gpus_per_node_; }
  NodeFabricKind node_fabric() const { return node_fabric_; }
  bool has_network() const { return n_rails_ > 0; }
  int n_rails() const { return n_rails_; }                    // NICs per node; 0 without a network
  int tiers() const { return tiers_; }                        // switch levels; 0 without a network
  int n_units() const { return n_units_; }                    // scalable units (1 when tiers == 1)
  int spines_per_group() const { return spines_per_group_; }  // R; one group, or one per SU
  int n_cores() const { return n_cores_; }

  // Rank arithmetic (no bounds checks; route_between checks its arguments).
  int node_of(int rank) const { return rank / gpus_per_node_; }
  int local_of(int rank) const { return rank % gpus_per_node_; }
  int rail_of_local(int local) const { return local * n_rails_ / gpus_per_node_; }
  int unit_of_node(int node) const { return tiers_ >= 2 ? node / nodes_per_unit_ : 0; }

  // Vertex ids by position (see the id order above).
  VertexId gpu_vertex(int rank) const { return rank; }
  VertexId nvswitch_vertex(int node) const { return first_node_switch_ + node; }
  VertexId host_vertex(int node) const { return first_node_switch_ + node; }
  VertexId nic_vertex(int node, int rail) const { return first_nic_ + node * n_rails_ + rail; }
  VertexId leaf_vertex(int unit, int rail) const {
    return tiers_ == 1 ? first_leaf_ : first_leaf_ + unit * n_rails_ + rail;
  }
  // `group` is 0 with tiers == 2, the scalable unit with tiers == 3.
  VertexId spine_vertex(int group, int spine) const {
    return first_spine_ + group * spines_per_group_ + spine;
  }
  VertexId core_vertex(int core) const { return first_core_ + core; }

  const std::vector<Vertex>& vertices() const { return vertices_; }
  const std::vector<Link>& links() const { return links_; }
  const Vertex& vertex(VertexId id) const { return vertices_.at(static_cast<std::size_t>(id)); }
  const Link& link(LinkId id) const { return links_.at(static_cast<std::size_t>(id)); }
  int n_vertices() const { return static_cast<int>(vertices_.size()); }
  int n_links() const { return static_cast<int>(links_.size()); }
  int count(VertexKind kind) const { return vertex_counts_[static_cast<std::size_t>(kind)]; }
  int count(LinkKind kind) const { return link_counts_[static_cast<std::size_t>(kind)]; }
  const Graph& graph() const { return graph_; }

  // The directed link src → dst, if any; O(1).
  std::optional<LinkId> find_link(VertexId src, VertexId dst) const;
  // The other direction of the same cable.
  static LinkId reverse_of(LinkId id) { return id ^ 1; }

  Route route(int src_rank, int dst_rank, const RouteOptions& options = {}) const {
    return route_between(*this, src_rank, dst_rank, options);
  }

 private:
  friend class TopologyBuilder;

  GpuSpec gpu_;
  NodeSpec node_;
  NetworkSpec network_;
  int n_nodes_ = 0;
  int gpus_per_node_ = 1;
  NodeFabricKind node_fabric_ = NodeFabricKind::nvswitch;
  int n_rails_ = 0;
  int tiers_ = 0;
  int nodes_per_unit_ = 1;
  int n_units_ = 0;
  int spines_per_group_ = 0;
  int n_cores_ = 0;

  VertexId first_node_switch_ = 0;  // nvswitch or host vertices
  VertexId first_nic_ = 0;
  VertexId first_leaf_ = 0;
  VertexId first_spine_ = 0;
  VertexId first_core_ = 0;

  std::vector<Vertex> vertices_;
  std::vector<Link> links_;
  std::array<int, kVertexKindCount> vertex_counts_{};
  std::array<int, kLinkKindCount> link_counts_{};
  std::unordered_map<std::uint64_t, LinkId> link_by_ends_;
  Graph graph_;
};

// Builds the graph of `nodes` nodes. Throws InputError (sim/core/errors.hpp) naming the scenario
// field ("cluster.nodes", "cluster.node.nics_per_node", "cluster.network.tiers", ...) for a
// cluster it cannot describe: no nodes, more NICs than GPUs per node, several nodes without NICs,
// an NVSwitch without NVLink, a network without bandwidth.
Topology build_topology(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network,
                        int nodes);
Topology build_topology(const ClusterSpec& cluster);

}  // namespace trainsim
