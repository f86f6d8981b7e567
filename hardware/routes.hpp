#pragma once
// Routes between GPUs of a Topology (hardware/topology.hpp). A path is a summary, as in NCCL's
// src/graph/paths.cc: the bandwidth of its narrowest link, the sum of its link latencies, its
// worst link class (Tier) and its hop count, plus the links themselves for the flow engine.
//
// Routing rules (route_between), for GPUs a on node A (local index la, rail ra, scalable unit
// uA) and b on node B (lb, rb, uB):
//  - a == b: Tier::local, no links, infinite bandwidth.
//  - same node: through the node's NVSwitch (a→nvswitch→b, 2 hops, Tier::nvlink), over the direct
//    NVLink of a switchless mesh (a→b, 1 hop) or over PCIe through the host (a→host→b, 2 hops,
//    Tier::pcie).
//  - different nodes, same rail (ra == rb): a→NIC→leaf→NIC→b, 4 hops, Tier::rail, when A and B
//    share a scalable unit; otherwise the leaves are joined through a spine (6 hops, Tier::spine)
//    or, with a 3-tier network, spine→core→spine (8 hops, Tier::core).
//  - different rails, PXN on (the default, and NCCL's since 2.12): a first moves over NVLink to
//    the GPU of node A with b's local index (which sits on b's rail), and that GPU sends on b's
//    rail as above: 2 more hops through an NVSwitch, 1 over a direct NVLink. PXN needs NVLink
//    between the GPUs and rails on separate leaves, so PCIe-only nodes and single-switch networks
//    (tiers == 1) route without it. Each direction relays on the *receiver's* rail, so
//    route(b, a) uses other links than route(a, b) but has the same summary.
//  - different rails, PXN off: a sends on its own rail and the traffic changes rails at a spine
//    (leaf ra → spine → leaf rb), even inside one scalable unit.
//  - Equal-cost spines and cores are chosen without hashing: with h = A + B + la + lb, the spine
//    is h mod (spines per group) and the core is (h / spines per group) mod cores. h is symmetric,
//    so route(b, a) of a route without PXN relay is route(a, b) reversed link by link, and
//    different GPU pairs spread over the up-links as ECMP would.
//
// route_between builds the vertex sequence by index arithmetic and looks each link up in O(1):
// O(hops) per call, no graph search. Tests check the rules against a breadth-first search.
#include <limits>
#include <string_view>
#include <vector>

namespace trainsim {

class Topology;

// Index into Topology::links(); stable for a given cluster description.
using LinkId = int;

// How far apart two GPUs are, ordered by distance like NCCL's PATH_LOC … PATH_NET (graph.h), so
// rules can read `route.tier <= Tier::rail`. A link's tier is the class of its LinkKind; a route's
// tier is the largest tier among its links.
enum class Tier {
  local,   // the GPU itself
  nvlink,  // NVLink, directly or through an NVSwitch
  pcie,    // PCIe: through the host, or GPU↔NIC
  rail,    // one leaf switch (NIC→leaf→NIC), or the single switch of a 1-tier network
  spine,   // leaf→spine→leaf
  core,    // spine→core→spine (3-tier networks, between scalable units)
};
inline constexpr int kTierCount = 6;

std::string_view tier_name(Tier tier);

struct Route {
  double bottleneck_Bps = std::numeric_limits<double>::infinity();  // min link capacity
  double latency_s = 0;                                             // sum of link latencies
  Tier tier = Tier::local;                                          // worst link tier
  int hops = 0;                                                     // == links.size()
  std::vector<LinkId> links;  // in order from the source GPU to the destination GPU
  int relay_rank = -1;        // PXN: the GPU that forwards to the network; -1 = none
};

struct RouteOptions {
  // NCCL's PXN (NCCL_PXN_DISABLE=0): cross-rail traffic moves over NVLink to the GPU on the
  // destination's rail before it enters the network.
  bool pxn = true;
};

// The summary of a chain of links (bottleneck, latency, tier, hops); O(links.size()).
Route summarize_route(const Topology& topology, std::vector<LinkId> links);

// The route from GPU src_rank to GPU dst_rank (global ranks, node·gpus_per_node + local).
// Throws std::out_of_range for a rank outside the topology (a caller bug).
Route route_between(const Topology& topology, int src_rank, int dst_rank,
                    const RouteOptions& options = {});

// route_between(topology, src_rank, d) for every d in rank order.
std::vector<Route> routes_from(const Topology& topology, int src_rank,
                               const RouteOptions& options = {});

}  // namespace trainsim
