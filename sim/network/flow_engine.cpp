#include "sim/network/flow_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "hardware/topology.hpp"
#include "sim/collectives/collective_kinds.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/collectives/nccl_topology.hpp"
#include "sim/network/simgrid_isolation.hpp"
#include "sim/network/simgrid_platform.hpp"

namespace trainsim {
namespace {

// ---- checks --------------------------------------------------------------------------------

bool finite_non_negative(double x) {
  return std::isfinite(x) && x >= 0;
}

void check_gpu(const Topology& topology, int gpu, std::string_view what) {
  if (gpu < 0 || gpu >= topology.n_gpus())
    throw std::invalid_argument(fmt::format("{} {} is outside the topology (GPUs 0..{})", what, gpu,
                                            topology.n_gpus() - 1));
}

void check_flows(const Topology& topology, std::span<const Flow> flows) {
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& f = flows[i];
    check_gpu(topology, f.src_gpu, fmt::format("flow {}: source GPU", i));
    check_gpu(topology, f.dst_gpu, fmt::format("flow {}: destination GPU", i));
    if (!finite_non_negative(f.bytes) || !finite_non_negative(f.start_s) ||
        !finite_non_negative(f.rate_cap_Bps))
      throw std::invalid_argument(fmt::format(
          "flow {}: bytes ({}), start_s ({}) and rate_cap_Bps ({}) must be finite and >= 0", i,
          f.bytes, f.start_s, f.rate_cap_Bps));
  }
}

void check_degradations(const Topology& topology, const FlowEngineOptions& options) {
  for (const LinkDegradation& d : options.degraded_links) {
    if (d.link < 0 || d.link >= topology.n_links())
      throw std::invalid_argument(
          fmt::format("degraded link {} is not a link of the topology (0..{})", d.link,
                      topology.n_links() - 1));
    if (!std::isfinite(d.factor) || d.factor <= 0)
      throw std::invalid_argument(
          fmt::format("degraded link {} ({}): factor {} must be > 0 (0.5 = half speed)", d.link,
                      topology.link(d.link).name, d.factor));
  }
}

// ---- lowering ------------------------------------------------------------------------------

// The ring order of `channel`: every maximal run of consecutive same-node ranks (cyclically)
// rotated by `channel` positions, so channels enter and leave each node through different GPUs.
std::vector<int> channel_ring(const Topology& topology, std::span<const int> ranks, int channel) {
  const std::size_t p = ranks.size();
  std::vector<int> ring(ranks.begin(), ranks.end());
  std::size_t first = p;  // first index whose node differs from the previous rank's
  for (std::size_t i = 0; i < p; ++i) {
    if (topology.node_of(ranks[i]) != topology.node_of(ranks[(i + p - 1) % p])) {
      first = i;
      break;
    }
  }
  if (first == p || channel == 0) return ring;  // one node: every rotation has the same edges
  std::rotate(ring.begin(), ring.begin() + static_cast<std::ptrdiff_t>(first), ring.end());
  std::size_t begin = 0;
  while (begin < p) {
    std::size_t end = begin + 1;
    while (end < p && topology.node_of(ring[end]) == topology.node_of(ring[begin])) ++end;
    const std::size_t len = end - begin;
    const std::size_t shift = static_cast<std::size_t>(channel) % len;
    std::rotate(ring.begin() + static_cast<std::ptrdiff_t>(begin),
                ring.begin() + static_cast<std::ptrdiff_t>(begin + shift),
                ring.begin() + static_cast<std::ptrdiff_t>(end));
    begin = end;
  }
  return ring;
}

void check_collective(const Topology& topology, const FlowCollective& c) {
  const std::string_view kind = name_of(c.kind);
  for (const int r : c.ranks) check_gpu(topology, r, fmt::format("{}: rank", kind));
  if (c.kind == CollectiveKind::send_recv) {
    if (c.ranks.size() != 2)
      throw std::invalid_argument(fmt::format(
          "send_recv takes exactly two ranks (source, destination), got {}", c.ranks.size()));
  } else {
    std::unordered_set<int> seen;
    for (const int r : c.ranks)
      if (!seen.insert(r).second)
        throw std::invalid_argument(fmt::format("{}: rank {} appears twice", kind, r));
  }
  if (!finite_non_negative(c.bytes))
    throw std::invalid_argument(fmt::format("{}: bytes {} must be finite and >= 0", kind, c.bytes));
  if (c.channels < 0)
    throw std::invalid_argument(fmt::format("{}: channels {} must be >= 0", kind, c.channels));
  if (c.algorithm == FlowAlgorithm::tree && c.kind != CollectiveKind::all_reduce)
    throw std::invalid_argument(
        fmt::format("{}: NCCL runs trees for all_reduce only; use the ring", kind));
  if (!finite_non_negative(c.per_channel_Bps) || !finite_non_negative(c.step_overhead_s) ||
      !finite_non_negative(c.start_s))
    throw std::invalid_argument(fmt::format(
        "{}: per_channel_Bps, step_overhead_s and start_s must be finite and >= 0", kind));
}

// NCCL's double binary tree (see FlowAlgorithm::tree) on `pairs` channel pairs: pair c rotates
// every node's chain by c, so the pairs enter and leave nodes through different GPUs and NICs, as
// NCCL's tree channels do. `add(src, dst, bytes)` receives the flows. Returns the steps of the
// deeper tree.
template <typename AddFlow>
int lower_double_binary_tree(const Topology& topology, std::span<const int> ranks, double bytes,
                             int pairs, AddFlow&& add) {
  // The nodes in order of first appearance, each with its ranks in the given order.
  std::vector<std::vector<int>> nodes;
  std::vector<int> node_index(static_cast<std::size_t>(topology.n_nodes()), -1);
  for (const int r : ranks) {
    int& index = node_index[static_cast<std::size_t>(topology.node_of(r))];
    if (index < 0) {
      index = static_cast<int>(nodes.size());
      nodes.emplace_back();
    }
    nodes[static_cast<std::size_t>(index)].push_back(r);
  }
  const int n = static_cast<int>(nodes.size());
  const double share = bytes / 2 / pairs;
  int depth = 0;
  while ((1 << (depth + 1)) - 1 < n) ++depth;  // levels below the root of a heap of n nodes
  int steps = 0;
  for (int pair = 0; pair < pairs; ++pair) {
    for (int tree = 0; tree < 2; ++tree) {
      // Each node's chain for this tree and pair; its first element is the head.
      std::vector<std::vector<int>> chains(static_cast<std::size_t>(n));
      std::size_t longest = 0;
      for (int i = 0; i < n; ++i) {
        std::vector<int> chain = nodes[static_cast<std::size_t>(tree == 0 ? i : n - 1 - i)];
        if (tree == 1) std::reverse(chain.begin(), chain.end());
        std::rotate(chain.begin(),
                    chain.begin() +
                        static_cast<std::ptrdiff_t>(static_cast<std::size_t>(pair) % chain.size()),
                    chain.end());
        longest = std::max(longest, chain.size());
        chains[static_cast<std::size_t>(i)] = std::move(chain);
      }
      for (int i = 0; i < n; ++i) {
        const std::vector<int>& chain = chains[static_cast<std::size_t>(i)];
        for (std::size_t k = 0; k + 1 < chain.size(); ++k) {
          add(chain[k + 1], chain[k], share);  // reduce towards the head
          add(chain[k], chain[k + 1], share);  // broadcast away from it
        }
        if (i == 0) continue;
        const int parent = chains[static_cast<std::size_t>((i - 1) / 2)].front();
        add(chain.front(), parent, share);
        add(parent, chain.front(), share);
      }
      steps = std::max(steps, 2 * (depth + static_cast<int>(longest) - 1));
    }
  }
  return std::max(steps, 1);
}

}  // namespace

std::vector<double> simulate_flows(const Topology& topology, std::span<const Flow> flows,
                                   const FlowEngineOptions& options) {
  check_flows(topology, flows);
  check_degradations(topology, options);

  // Flows that need no simulation: to itself (done at once) and empty (the route latency).
  std::vector<double> finish_s(flows.size(), 0.0);
  std::vector<Flow> simulated;
  std::vector<std::size_t> simulated_index;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& f = flows[i];
    if (f.src_gpu == f.dst_gpu) {
      finish_s[i] = f.start_s;
    } else if (std::llround(f.bytes) == 0) {
      finish_s[i] = f.start_s + topology.route(f.src_gpu, f.dst_gpu, options.routes).latency_s;
    } else {
      simulated.push_back(f);
      simulated_index.push_back(i);
    }
  }
  if (simulated.empty()) return finish_s;

  const std::vector<double> simulated_finish_s =
      run_simgrid_job(options.isolation, simulated.size(),
                      [&] { return run_flows_on_simgrid(topology, simulated, options); });
  for (std::size_t k = 0; k < simulated.size(); ++k)
    finish_s[simulated_index[k]] = simulated_finish_s[k];
  return finish_s;
}

CommGroup comm_group_on(const Topology& topology, std::span<const int> ranks) {
  std::vector<int> per_node(static_cast<std::size_t>(topology.n_nodes()), 0);
  int nodes = 0;
  int ranks_per_node = 0;
  for (const int r : ranks) {
    check_gpu(topology, r, "rank");
    int& n = per_node[static_cast<std::size_t>(topology.node_of(r))];
    if (n++ == 0) ++nodes;
    ranks_per_node = std::max(ranks_per_node, n);
  }
  return CommGroup{nodes * ranks_per_node, nodes, ranks_per_node};
}

RingChannels nccl_ring_channels(const Topology& topology, std::span<const int> ranks) {
  RingChannels out;
  if (ranks.size() < 2) return out;
  const CommGroup group = comm_group_on(topology, ranks);
  const NcclConstants& constants = default_nccl_constants();
  const NcclMachine machine =
      describe_nccl_machine(constants, topology.gpu(), topology.node(), topology.network());
  const NcclGraph ring = derive_nccl_topology(constants, machine, group).ring;
  if (ring.n_channels <= 0) return out;
  out.channels = ring.n_channels;
  // NCCL's tuner (tuning.cc): bw = nNodes <= 2 ? bwIntra : bwInter, per channel, GB = 1e9 B.
  out.per_channel_Bps = 1e9 * (group.nodes <= 2 ? ring.bw_intra_GBps : ring.bw_inter_GBps);
  return out;
}

LoweredCollective lower_collective(const Topology& topology, const FlowCollective& collective,
                                   int group, const RouteOptions& routes) {
  check_collective(topology, collective);
  LoweredCollective out;
  const std::vector<int>& ranks = collective.ranks;
  const int p = static_cast<int>(ranks.size());
  if (p < 2 || (collective.kind == CollectiveKind::send_recv && ranks[0] == ranks[1])) return out;

  int channels = collective.channels;
  double cap_Bps = collective.per_channel_Bps;
  if (channels == 0) {
    if (collective.kind == CollectiveKind::all_to_all ||
        collective.kind == CollectiveKind::send_recv) {
      channels = 1;  // point-to-point: one flow, bounded by its path
      cap_Bps = 0;
    } else {
      const RingChannels ring = nccl_ring_channels(topology, ranks);
      channels = ring.channels;
      cap_Bps = ring.per_channel_Bps;
    }
  }

  auto add = [&](int src, int dst, double bytes, double cap) {
    out.flows.push_back(Flow{src, dst, bytes, collective.start_s, cap, group});
  };
  const double S = collective.bytes;
  bool pays_step_latency = false;  // ring and chain steps follow one another
  if (collective.algorithm == FlowAlgorithm::tree) {
    // Channels come in pairs, one channel per tree.
    const int pairs = std::max(1, channels / 2);
    out.steps = lower_double_binary_tree(
        topology, ranks, S, pairs, [&](int a, int b, double bytes) { add(a, b, bytes, cap_Bps); });
    pays_step_latency = true;
  } else {
    switch (collective.kind) {
      case CollectiveKind::all_reduce:
      case CollectiveKind::all_gather:
      case CollectiveKind::reduce_scatter: {
        // Each ring pass moves (p−1)/p of the buffer over every edge (comm-model.md §3.2).
        const double per_edge = traits_of(collective.kind).ring_passes *
                                static_cast<double>(p - 1) / static_cast<double>(p) * S;
        out.flows.reserve(static_cast<std::size_t>(p) * static_cast<std::size_t>(channels));
        for (int ch = 0; ch < channels; ++ch) {
          const std::vector<int> ring = channel_ring(topology, ranks, ch);
          for (int i = 0; i < p; ++i)
            add(ring[static_cast<std::size_t>(i)], ring[static_cast<std::size_t>((i + 1) % p)],
                per_edge / channels, cap_Bps);
        }
        pays_step_latency = true;
        break;
      }
      case CollectiveKind::broadcast:
      case CollectiveKind::reduce: {
        const bool towards_root = collective.kind == CollectiveKind::reduce;
        for (int ch = 0; ch < channels; ++ch)
          for (int i = 0; i + 1 < p; ++i) {
            const int a = ranks[static_cast<std::size_t>(i)];
            const int b = ranks[static_cast<std::size_t>(i + 1)];
            add(towards_root ? b : a, towards_root ? a : b, S / channels, cap_Bps);
          }
        pays_step_latency = true;
        break;
      }
      case CollectiveKind::all_to_all:
        out.flows.reserve(static_cast<std::size_t>(p) * static_cast<std::size_t>(p - 1));
        for (const int src : ranks)
          for (const int dst : ranks)
            if (src != dst) add(src, dst, S / p, 0.0);
        break;
      case CollectiveKind::send_recv:
        for (int ch = 0; ch < channels; ++ch) add(ranks[0], ranks[1], S / channels, cap_Bps);
        break;
    }
  }

  if (collective.algorithm == FlowAlgorithm::ring)
    out.steps = collective.kind == CollectiveKind::all_to_all  ? p - 1
                : collective.kind == CollectiveKind::send_recv ? 1
                                                               : ring_steps(collective.kind, p);
  double max_route_latency_s = 0;
  if (pays_step_latency) {
    std::unordered_set<std::uint64_t> seen;
    const auto n = static_cast<std::uint64_t>(topology.n_gpus());
    for (const Flow& f : out.flows) {
      const std::uint64_t key =
          static_cast<std::uint64_t>(f.src_gpu) * n + static_cast<std::uint64_t>(f.dst_gpu);
      if (!seen.insert(key).second) continue;
      max_route_latency_s =
          std::max(max_route_latency_s, topology.route(f.src_gpu, f.dst_gpu, routes).latency_s);
    }
  }
  out.extra_latency_s = (pays_step_latency ? (out.steps - 1) * max_route_latency_s : 0.0) +
                        out.steps * collective.step_overhead_s;
  return out;
}

std::vector<CollectiveFlowTime> estimate_collectives_flow(
    const Topology& topology, std::span<const FlowCollective> collectives,
    const FlowEngineOptions& options) {
  std::vector<LoweredCollective> lowered;
  lowered.reserve(collectives.size());
  std::vector<Flow> flows;
  for (std::size_t i = 0; i < collectives.size(); ++i) {
    lowered.push_back(
        lower_collective(topology, collectives[i], static_cast<int>(i), options.routes));
    flows.insert(flows.end(), lowered.back().flows.begin(), lowered.back().flows.end());
  }
  const std::vector<double> finish_s = simulate_flows(topology, flows, options);

  std::vector<CollectiveFlowTime> out(collectives.size());
  for (std::size_t i = 0; i < collectives.size(); ++i) {
    out[i].start_s = collectives[i].start_s;
    out[i].end_s = collectives[i].start_s;
  }
  for (std::size_t k = 0; k < flows.size(); ++k) {
    CollectiveFlowTime& t = out[static_cast<std::size_t>(flows[k].group)];
    t.end_s = std::max(t.end_s, finish_s[k]);
  }
  for (std::size_t i = 0; i < collectives.size(); ++i) {
    if (!lowered[i].flows.empty()) out[i].end_s += lowered[i].extra_latency_s;
    out[i].time_s = out[i].end_s - out[i].start_s;
  }
  return out;
}

}  // namespace trainsim
