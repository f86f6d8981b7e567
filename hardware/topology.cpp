#include "hardware/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "sim/core/errors.hpp"

namespace trainsim {

std::string_view vertex_kind_name(VertexKind kind) {
  switch (kind) {
    case VertexKind::gpu:
      return "gpu";
    case VertexKind::nvswitch:
      return "nvswitch";
    case VertexKind::host:
      return "host";
    case VertexKind::nic:
      return "nic";
    case VertexKind::leaf:
      return "leaf";
    case VertexKind::spine:
      return "spine";
    case VertexKind::core:
      return "core";
  }
  return "?";
}

std::string_view link_kind_name(LinkKind kind) {
  switch (kind) {
    case LinkKind::nvlink:
      return "nvlink";
    case LinkKind::pcie:
      return "pcie";
    case LinkKind::nic:
      return "nic";
    case LinkKind::leaf_uplink:
      return "leaf_uplink";
    case LinkKind::spine_uplink:
      return "spine_uplink";
  }
  return "?";
}

std::string_view node_fabric_name(NodeFabricKind kind) {
  switch (kind) {
    case NodeFabricKind::nvswitch:
      return "nvswitch";
    case NodeFabricKind::nvlink_mesh:
      return "nvlink_mesh";
    case NodeFabricKind::pcie_host:
      return "pcie_host";
  }
  return "?";
}

namespace {

std::uint64_t ends_key(VertexId src, VertexId dst) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(src)) << 32) |
         static_cast<std::uint32_t>(dst);
}

// "node3/gpu5" + "node3/nvswitch" -> "node3/gpu5->nvswitch"; different prefixes stay whole.
std::string link_name(const std::string& src, const std::string& dst) {
  const auto slash = src.find('/');
  if (slash != std::string::npos && dst.size() > slash + 1 &&
      dst.compare(0, slash + 1, src, 0, slash + 1) == 0)
    return src + "->" + dst.substr(slash + 1);
  return src + "->" + dst;
}

NodeFabricKind fabric_of(const GpuSpec& gpu, const NodeSpec& node) {
  if (gpu.nvlink_Bps > 0)
    return node.nvswitch ? NodeFabricKind::nvswitch : NodeFabricKind::nvlink_mesh;
  return NodeFabricKind::pcie_host;
}

void validate(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network, int nodes) {
  if (nodes < 1)
    throw InputError("cluster.nodes",
                     fmt::format("a cluster needs at least 1 node, got {}", nodes));
  if (node.gpus_per_node < 1)
    throw InputError("cluster.node.gpus_per_node",
                     fmt::format("a node needs at least 1 GPU, got {}", node.gpus_per_node));
  if (node.nvswitch && !(gpu.nvlink_Bps > 0))
    throw InputError("cluster.node.nvswitch",
                     fmt::format("an NVSwitch fabric needs NVLink, but GPU '{}' has no NVLink "
                                 "bandwidth; use a GPU with NVLink or set \"nvswitch\": false",
                                 gpu.name));
  if (fabric_of(gpu, node) == NodeFabricKind::pcie_host && node.gpus_per_node > 1 &&
      !(gpu.pcie_Bps > 0))
    throw InputError("cluster.gpu.pcie_GBps_per_direction",
                     fmt::format("GPU '{}' has neither NVLink nor PCIe bandwidth, so the {} GPUs "
                                 "of a node cannot reach each other",
                                 gpu.name, node.gpus_per_node));
  if (node.nics_per_node < 0 || node.nics_per_node > node.gpus_per_node)
    throw InputError("cluster.node.nics_per_node",
                     fmt::format("allowed: 0 to gpus_per_node ({}) NICs, got {} (more NICs than "
                                 "GPUs per node is not modelled)",
                                 node.gpus_per_node, node.nics_per_node));
  if (node.nics_per_node == 0) {
    if (nodes > 1)
      throw InputError("cluster.node.nics_per_node",
                       fmt::format("{} nodes need scale-out NICs to reach each other; got 0 NICs "
                                   "per node",
                                   nodes));
    return;  // one node, no network
  }
  if (!(node.nic_Bps > 0))
    throw InputError("cluster.node.nic_Gbps",
                     fmt::format("must be positive, got {} B/s", node.nic_Bps));
  if (!(network.link_Bps > 0))
    throw InputError("cluster.network.link_Gbps",
                     fmt::format("must be positive, got {} B/s", network.link_Bps));
  if (network.tiers < 1 || network.tiers > 3)
    throw InputError("cluster.network.tiers",
                     fmt::format("allowed: 1 (single switch), 2 (leaf/spine), 3 (leaf/spine/core); "
                                 "got {}",
                                 network.tiers));
  if (network.tiers >= 2 && network.nodes_per_leaf_group < 1)
    throw InputError("cluster.network.nodes_per_leaf_group",
                     fmt::format("must be at least 1, got {}", network.nodes_per_leaf_group));
  if (!(network.oversubscription >= 1.0))
    throw InputError("cluster.network.oversubscription",
                     fmt::format("must be >= 1 (downlink : uplink bandwidth; 1 = non-blocking), "
                                 "got {}",
                                 network.oversubscription));
  if (!(network.nic_latency_s >= 0))
    throw InputError("cluster.network.nic_latency_us",
                     fmt::format("must not be negative, got {} s", network.nic_latency_s));
  if (!(network.switch_latency_s >= 0))
    throw InputError("cluster.network.switch_latency_us",
                     fmt::format("must not be negative, got {} s", network.switch_latency_s));
}

}  // namespace

// Fills a Topology in the documented vertex and link order (topology.hpp).
class TopologyBuilder {
 public:
  TopologyBuilder(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network, int nodes) {
    validate(gpu, node, network, nodes);
    t_.gpu_ = gpu;
    t_.node_ = node;
    t_.network_ = network;
    t_.n_nodes_ = nodes;
    t_.gpus_per_node_ = node.gpus_per_node;
    t_.node_fabric_ = fabric_of(gpu, node);
    t_.n_rails_ = node.nics_per_node;
    if (t_.n_rails_ > 0) {
      t_.tiers_ = network.tiers;
      t_.nodes_per_unit_ = network.tiers >= 2 ? network.nodes_per_leaf_group : nodes;
      t_.n_units_ = (nodes + t_.nodes_per_unit_ - 1) / t_.nodes_per_unit_;
      t_.spines_per_group_ = network.tiers >= 2 ? t_.n_rails_ : 0;
      t_.n_cores_ = network.tiers == 3 ? t_.n_rails_ : 0;
    }
  }

  Topology build() && {
    add_vertices();
    add_node_links();
    add_network_links();
    return std::move(t_);
  }

 private:
  int add_vertex(VertexKind kind, int node, int unit, int index, std::string name) {
    const int id = static_cast<int>(t_.vertices_.size());
    t_.vertices_.push_back(Vertex{kind, node, unit, index, std::move(name)});
    boost::add_vertex(Topology::GraphVertex{kind}, t_.graph_);
    ++t_.vertex_counts_[static_cast<std::size_t>(kind)];
    return id;
  }

  void add_directed(VertexId src, VertexId dst, LinkKind kind, double capacity_Bps,
                    double latency_s) {
    const LinkId id = static_cast<LinkId>(t_.links_.size());
    t_.links_.push_back(Link{id, src, dst, kind, capacity_Bps, latency_s,
                             link_name(t_.vertices_[src].name, t_.vertices_[dst].name)});
    boost::add_edge(src, dst, Topology::GraphEdge{id}, t_.graph_);
    t_.link_by_ends_.emplace(ends_key(src, dst), id);
    ++t_.link_counts_[static_cast<std::size_t>(kind)];
  }

  // One full-duplex cable: a → b gets the even id, b → a the next (odd) one.
  void add_cable(VertexId a, VertexId b, LinkKind kind, double capacity_Bps, double latency_s) {
    add_directed(a, b, kind, capacity_Bps, latency_s);
    add_directed(b, a, kind, capacity_Bps, latency_s);
  }

  void add_vertices() {
    const int nodes = t_.n_nodes_;
    const int gpn = t_.gpus_per_node_;
    const int rails = t_.n_rails_;
    for (int n = 0; n < nodes; ++n)
      for (int l = 0; l < gpn; ++l)
        add_vertex(VertexKind::gpu, n, -1, l, fmt::format("node{}/gpu{}", n, l));

    t_.first_node_switch_ = t_.n_vertices();
    for (int n = 0; n < nodes; ++n) {
      if (t_.node_fabric_ == NodeFabricKind::nvswitch)
        add_vertex(VertexKind::nvswitch, n, -1, 0, fmt::format("node{}/nvswitch", n));
      else if (t_.node_fabric_ == NodeFabricKind::pcie_host)
        add_vertex(VertexKind::host, n, -1, 0, fmt::format("node{}/host", n));
    }

    t_.first_nic_ = t_.n_vertices();
    for (int n = 0; n < nodes; ++n)
      for (int r = 0; r < rails; ++r)
        add_vertex(VertexKind::nic, n, -1, r, fmt::format("node{}/nic{}", n, r));

    t_.first_leaf_ = t_.n_vertices();
    if (t_.tiers_ == 1) {
      add_vertex(VertexKind::leaf, -1, 0, 0, "switch");
    } else if (t_.tiers_ >= 2) {
      for (int u = 0; u < t_.n_units_; ++u)
        for (int r = 0; r < rails; ++r)
          add_vertex(VertexKind::leaf, -1, u, r, fmt::format("su{}/leaf{}", u, r));
    }

    t_.first_spine_ = t_.n_vertices();
    if (t_.tiers_ == 2) {
      for (int k = 0; k < t_.spines_per_group_; ++k)
        add_vertex(VertexKind::spine, -1, -1, k, fmt::format("spine{}", k));
    } else if (t_.tiers_ == 3) {
      for (int u = 0; u < t_.n_units_; ++u)
        for (int k = 0; k < t_.spines_per_group_; ++k)
          add_vertex(VertexKind::spine, -1, u, k, fmt::format("su{}/spine{}", u, k));
    }

    t_.first_core_ = t_.n_vertices();
    for (int c = 0; c < t_.n_cores_; ++c)
      add_vertex(VertexKind::core, -1, -1, c, fmt::format("core{}", c));
  }

  // Per node: the intra-node fabric, then each GPU's PCIe link to its NIC.
  void add_node_links() {
    const int gpn = t_.gpus_per_node_;
    const GpuSpec& gpu = t_.gpu_;
    const double gpu_nic_Bps = gpu.pcie_Bps > 0 ? gpu.pcie_Bps : t_.node_.nic_Bps;
    for (int n = 0; n < t_.n_nodes_; ++n) {
      switch (t_.node_fabric_) {
        case NodeFabricKind::nvswitch:
          for (int l = 0; l < gpn; ++l)
            add_cable(t_.gpu_vertex(n * gpn + l), t_.nvswitch_vertex(n), LinkKind::nvlink,
                      gpu.nvlink_Bps, 0.0);
          break;
        case NodeFabricKind::nvlink_mesh:
          for (int i = 0; i < gpn; ++i)
            for (int j = i + 1; j < gpn; ++j)
              add_cable(t_.gpu_vertex(n * gpn + i), t_.gpu_vertex(n * gpn + j), LinkKind::nvlink,
                        gpu.nvlink_Bps / (gpn - 1), 0.0);
          break;
        case NodeFabricKind::pcie_host:
          for (int l = 0; l < gpn; ++l)
            add_cable(t_.gpu_vertex(n * gpn + l), t_.host_vertex(n), LinkKind::pcie, gpu.pcie_Bps,
                      0.0);
          break;
      }
      if (!t_.has_network()) continue;
      for (int l = 0; l < gpn; ++l)
        add_cable(t_.gpu_vertex(n * gpn + l), t_.nic_vertex(n, t_.rail_of_local(l)), LinkKind::pcie,
                  gpu_nic_Bps, t_.network_.nic_latency_s);
    }
  }

  void add_network_links() {
    if (!t_.has_network()) return;
    const NetworkSpec& net = t_.network_;
    const int rails = t_.n_rails_;
    const double port_Bps = std::min(t_.node_.nic_Bps, net.link_Bps);
    for (int n = 0; n < t_.n_nodes_; ++n)
      for (int r = 0; r < rails; ++r)
        add_cable(t_.nic_vertex(n, r), t_.leaf_vertex(t_.unit_of_node(n), r), LinkKind::nic,
                  port_Bps, net.switch_latency_s / 2);
    if (t_.tiers_ < 2) return;

    const double downlink_Bps = net.nodes_per_leaf_group * port_Bps;
    const double trunk_Bps = downlink_Bps / net.oversubscription / t_.spines_per_group_;
    for (int u = 0; u < t_.n_units_; ++u)
      for (int r = 0; r < rails; ++r)
        for (int k = 0; k < t_.spines_per_group_; ++k)
          add_cable(t_.leaf_vertex(u, r), t_.spine_vertex(t_.tiers_ == 3 ? u : 0, k),
                    LinkKind::leaf_uplink, trunk_Bps, net.switch_latency_s);
    if (t_.tiers_ < 3) return;

    for (int u = 0; u < t_.n_units_; ++u)
      for (int k = 0; k < t_.spines_per_group_; ++k)
        for (int c = 0; c < t_.n_cores_; ++c)
          add_cable(t_.spine_vertex(u, k), t_.core_vertex(c), LinkKind::spine_uplink, trunk_Bps,
                    net.switch_latency_s);
  }

  Topology t_;
};

std::optional<LinkId> Topology::find_link(VertexId src, VertexId dst) const {
  const auto it = link_by_ends_.find(ends_key(src, dst));
  if (it == link_by_ends_.end()) return std::nullopt;
  return it->second;
}

Topology build_topology(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network,
                        int nodes) {
  return TopologyBuilder(gpu, node, network, nodes).build();
}

Topology build_topology(const ClusterSpec& cluster) {
  return build_topology(cluster.gpu, cluster.node, cluster.network, cluster.nodes);
}

}  // namespace trainsim
