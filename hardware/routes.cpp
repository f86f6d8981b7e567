#include "hardware/routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include "hardware/topology.hpp"

namespace trainsim {

std::string_view tier_name(Tier tier) {
  switch (tier) {
    case Tier::local:
      return "local";
    case Tier::nvlink:
      return "nvlink";
    case Tier::pcie:
      return "pcie";
    case Tier::rail:
      return "rail";
    case Tier::spine:
      return "spine";
    case Tier::core:
      return "core";
  }
  return "?";
}

Route summarize_route(const Topology& topology, std::vector<LinkId> links) {
  Route route;
  for (const LinkId id : links) {
    const Link& link = topology.link(id);
    route.bottleneck_Bps = std::min(route.bottleneck_Bps, link.capacity_Bps);
    route.latency_s += link.latency_s;
    route.tier = std::max(route.tier, link.tier());
  }
  route.hops = static_cast<int>(links.size());
  route.links = std::move(links);
  return route;
}

namespace {

// The vertices of a route, at most 11 (PXN through an NVSwitch, then spine→core→spine).
class VertexPath {
 public:
  void push(VertexId v) { vertices_[size_++] = v; }
  int size() const { return size_; }
  VertexId operator[](int i) const { return vertices_[static_cast<std::size_t>(i)]; }

 private:
  std::array<VertexId, 12> vertices_{};
  int size_ = 0;
};

// From the GPU at the end of `path` to GPU `dst_local` of the same node.
void push_intra_node(const Topology& t, VertexPath& path, int node, int dst_local) {
  const int dst = node * t.gpus_per_node() + dst_local;
  switch (t.node_fabric()) {
    case NodeFabricKind::nvswitch:
      path.push(t.nvswitch_vertex(node));
      break;
    case NodeFabricKind::nvlink_mesh:
      break;
    case NodeFabricKind::pcie_host:
      path.push(t.host_vertex(node));
      break;
  }
  path.push(t.gpu_vertex(dst));
}

void check_rank(const Topology& t, int rank, const char* what) {
  if (rank < 0 || rank >= t.n_gpus())
    throw std::out_of_range(
        fmt::format("route: {} rank {} is outside the topology's {} GPUs", what, rank, t.n_gpus()));
}

}  // namespace

Route route_between(const Topology& t, int src_rank, int dst_rank, const RouteOptions& options) {
  check_rank(t, src_rank, "source");
  check_rank(t, dst_rank, "destination");
  if (src_rank == dst_rank) return Route{};

  const int node_a = t.node_of(src_rank);
  const int node_b = t.node_of(dst_rank);
  const int local_a = t.local_of(src_rank);
  const int local_b = t.local_of(dst_rank);

  VertexPath path;
  path.push(t.gpu_vertex(src_rank));
  int relay_rank = -1;
  if (node_a == node_b) {
    push_intra_node(t, path, node_a, local_b);
  } else {
    const int rail_a = t.rail_of_local(local_a);
    const int rail_b = t.rail_of_local(local_b);
    const bool pxn = options.pxn && rail_a != rail_b && t.tiers() >= 2 &&
                     t.node_fabric() != NodeFabricKind::pcie_host;
    if (pxn) {
      relay_rank = node_a * t.gpus_per_node() + local_b;  // on rail_b by construction
      push_intra_node(t, path, node_a, local_b);
    }
    const int rail_out = pxn ? rail_b : rail_a;
    const int unit_a = t.unit_of_node(node_a);
    const int unit_b = t.unit_of_node(node_b);
    path.push(t.nic_vertex(node_a, rail_out));
    path.push(t.leaf_vertex(unit_a, rail_out));
    if (t.tiers() >= 2 && (unit_a != unit_b || rail_out != rail_b)) {
      const int h = node_a + node_b + local_a + local_b;  // symmetric in (a, b)
      const int spine = h % t.spines_per_group();
      if (t.tiers() == 2) {
        path.push(t.spine_vertex(0, spine));
      } else if (unit_a == unit_b) {
        path.push(t.spine_vertex(unit_a, spine));
      } else {
        const int core = (h / t.spines_per_group()) % t.n_cores();
        path.push(t.spine_vertex(unit_a, spine));
        path.push(t.core_vertex(core));
        path.push(t.spine_vertex(unit_b, spine));
      }
      path.push(t.leaf_vertex(unit_b, rail_b));
    }
    path.push(t.nic_vertex(node_b, rail_b));
    path.push(t.gpu_vertex(dst_rank));
  }

  std::vector<LinkId> links;
  links.reserve(static_cast<std::size_t>(path.size() - 1));
  for (int i = 1; i < path.size(); ++i) {
    const auto link = t.find_link(path[i - 1], path[i]);
    if (!link)
      throw std::logic_error(fmt::format("route {} -> {}: no link {} -> {} (a topology bug)",
                                         src_rank, dst_rank, t.vertex(path[i - 1]).name,
                                         t.vertex(path[i]).name));
    links.push_back(*link);
  }
  Route route = summarize_route(t, std::move(links));
  route.relay_rank = relay_rank;
  return route;
}

std::vector<Route> routes_from(const Topology& topology, int src_rank,
                               const RouteOptions& options) {
  std::vector<Route> routes;
  routes.reserve(static_cast<std::size_t>(topology.n_gpus()));
  for (int dst = 0; dst < topology.n_gpus(); ++dst)
    routes.push_back(route_between(topology, src_rank, dst, options));
  return routes;
}

}  // namespace trainsim
