#include "sim/collectives/collective_cost.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "sim/collectives/collective_kinds.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/collectives/nccl_memory.hpp"
#include "sim/collectives/nccl_topology.hpp"
#include "sim/collectives/nccl_tuning.hpp"
#include "sim/collectives/p2p_cost.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

namespace {

constexpr std::string_view kAlgorithmPath = "comm.algorithm";
constexpr std::string_view kProtocolPath = "comm.protocol";
constexpr std::string_view kCollnetPath = "comm.collnet";

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

template <typename Enum, std::size_t N>
std::string join_names(const std::array<Enum, N>& all, unsigned mask) {
  std::string out;
  for (Enum e : all) {
    if (!(mask & (1u << index_of(e)))) continue;
    if (!out.empty()) out += ", ";
    out += name_of(e);
  }
  return out.empty() ? "none" : out;
}

// NCCL_ALGO / NCCL_PROTO-style list: "a", "a,b" (only these) or "^a,b" (all but these).
template <typename Enum, std::size_t N, typename Parse>
unsigned parse_selection(const std::string& text, const std::array<Enum, N>& all, Parse parse,
                         std::string_view path, std::string_view what) {
  const unsigned every = (1u << N) - 1;
  std::string body = trim(text);
  if (body.empty()) return every;
  bool exclude = false;
  if (body.front() == '^') {
    exclude = true;
    body = trim(std::string_view(body).substr(1));
  }
  unsigned mask = 0;
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t comma = std::min(body.find(',', start), body.size());
    const std::string name = trim(std::string_view(body).substr(start, comma - start));
    if (!name.empty()) {
      const auto parsed = parse(name);
      if (!parsed)
        throw InputError(std::string(path),
                         fmt::format("unknown {} '{}'; allowed: {} (one name, a comma-separated "
                                     "list, or '^' followed by names to exclude)",
                                     what, name, join_names(all, every)));
      mask |= 1u << index_of(*parsed);
    }
    start = comma + 1;
  }
  if (mask == 0)
    throw InputError(std::string(path), fmt::format("no {} named in '{}'", what, text));
  return exclude ? (every & ~mask) : mask;
}

// Algorithms this machine can run for some group and collective.
unsigned machine_algorithms(const NcclConstants& c, const NcclMachine& m) {
  unsigned mask = bit(NcclAlgo::ring) | bit(NcclAlgo::tree);
  const bool nvls = m.nvidia && m.nvls_switch && m.nvlink_GBps > 0 && m.arch >= NcclArch::hopper &&
                    c.nvls_efficiency_frac[index_of(m.arch)] > 0;
  if (nvls) mask |= bit(NcclAlgo::nvls) | bit(NcclAlgo::nvls_tree);
  if (m.in_network_reduction) {
    mask |= bit(NcclAlgo::collnet_chain);
    if (m.nvswitch) mask |= bit(NcclAlgo::collnet_direct);
  }
  if (m.nvidia && m.sm >= 60) mask |= bit(NcclAlgo::pat);
  return mask;
}

unsigned machine_protocols(const NcclMachine& m) {
  unsigned mask = bit(NcclProto::ll) | bit(NcclProto::simple);
  if (m.intra_hw == NcclHw::nvlink && m.sm >= 70) mask |= bit(NcclProto::ll128);
  return mask;
}

std::string describe_group(CollectiveKind kind, const CommGroup& g) {
  return fmt::format("{} on {} ranks over {} node(s) ({} per node)", name_of(kind), g.ranks,
                     g.nodes, g.ranks_per_node);
}

// NCCL's search graphs and cost table for one (collective, group), prepared once per thread:
// estimate() is called 10^4–10^5 times per prediction with a handful of distinct groups. The key
// carries the owning model's serial number, so entries never outlive or cross models.
struct PreparedTable {
  std::uint64_t model = 0;  // 0 = empty slot
  int kind = -1, ranks = 0, nodes = 0, ranks_per_node = 0;
  NcclCommTopology topo;
  NcclTuning tuning;
};

std::atomic<std::uint64_t> g_next_model_serial{1};

}  // namespace

struct CollectiveCost::Impl {
  std::shared_ptr<const NcclConstants> constants_owner;  // null for the shipped default
  const NcclConstants* c = nullptr;
  NcclMachine machine;
  P2pPaths p2p;
  unsigned algo_mask = kAllNcclAlgos;
  unsigned proto_mask = kAllNcclProtos;
  bool algo_forced = false;
  bool proto_forced = false;
  CollectiveOptions options;
  std::uint64_t serial = g_next_model_serial.fetch_add(1);

  const PreparedTable& prepared(CollectiveKind kind, const CommGroup& g) const {
    constexpr std::size_t kSlots = 128;
    thread_local std::array<PreparedTable, kSlots> cache;
    const int k = static_cast<int>(kind);
    std::uint64_t h = serial;
    for (std::uint64_t v : {std::uint64_t(k), std::uint64_t(g.ranks), std::uint64_t(g.nodes),
                            std::uint64_t(g.ranks_per_node)}) {
      h = (h ^ v) + 0x9E3779B97F4A7C15ull;  // splitmix64 step
      h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
      h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
      h ^= h >> 31;
    }
    PreparedTable& slot = cache[h % kSlots];
    if (slot.model != serial || slot.kind != k || slot.ranks != g.ranks || slot.nodes != g.nodes ||
        slot.ranks_per_node != g.ranks_per_node) {
      slot.topo = derive_nccl_topology(*c, machine, g);
      slot.tuning = build_nccl_tuning(*c, machine, slot.topo, kind);
      slot.model = serial;
      slot.kind = k;
      slot.ranks = g.ranks;
      slot.nodes = g.nodes;
      slot.ranks_per_node = g.ranks_per_node;
    }
    return slot;
  }

  void check_group(CollectiveKind kind, const CommGroup& g) const {
    if (g.ranks < 1 || g.nodes < 1 || g.ranks_per_node < 1)
      throw std::invalid_argument(fmt::format(
          "CommGroup needs ranks, nodes, ranks_per_node >= 1 ({})", describe_group(kind, g)));
    if (kind == CollectiveKind::send_recv) return;
    // The last node may hold fewer ranks than the others (a group that does not fill whole
    // nodes), but never none.
    if (g.ranks > g.nodes * g.ranks_per_node || g.ranks <= (g.nodes - 1) * g.ranks_per_node)
      throw std::invalid_argument(
          fmt::format("CommGroup ranks must fill nodes x ranks_per_node but the last node ({})",
                      describe_group(kind, g)));
    if (g.ranks_per_node > machine.gpus_per_node)
      throw std::invalid_argument(
          fmt::format("CommGroup has {} ranks per node but a node has {} "
                      "GPUs ({})",
                      g.ranks_per_node, machine.gpus_per_node, describe_group(kind, g)));
  }

  void check_network(const CommGroup& g) const {
    if (g.nodes > 1 && !(machine.nic_GBps > 0))
      throw InputError("cluster.node.nic_Bps",
                       "a communicator spans several nodes but the node has no NIC bandwidth "
                       "(set node.nic_Bps or network.link_Bps)");
  }

  struct Choice {
    NcclAlgo algo = NcclAlgo::ring;
    NcclProto proto = NcclProto::simple;
    double time_us = -1;
  };

  Choice choose(CollectiveKind kind, const CommGroup& g, double bytes) const {
    const PreparedTable& table = prepared(kind, g);
    const NcclCommTopology& topo = table.topo;
    const NcclTuning& tuning = table.tuning;
    Choice best;
    unsigned algos_here = 0, protos_here_for_forced_algos = 0;
    for (NcclAlgo a : kNcclAlgos) {
      for (NcclProto p : kNcclProtos) {
        if (!tuning.available(a, p)) continue;
        algos_here |= bit(a);
        if (!(algo_mask & bit(a))) continue;
        protos_here_for_forced_algos |= bit(p);
        if (!(proto_mask & bit(p))) continue;
        // latency + bytes / bw is a lower bound of every refinement: skip hopeless candidates.
        const double lower = tuning.latency_us[index_of(a)][index_of(p)] +
                             bytes / (1000.0 * tuning.bandwidth_GBps[index_of(a)][index_of(p)]);
        if (best.time_us >= 0 && lower >= best.time_us) continue;
        const double t = nccl_time_us(*c, machine, topo, tuning, a, p, bytes);
        if (t >= 0 && (best.time_us < 0 || t < best.time_us)) best = {a, p, t};
      }
    }
    if (best.time_us >= 0) return best;
    if (!(algos_here & algo_mask))
      throw InputError(std::string(kAlgorithmPath),
                       fmt::format("algorithm '{}' is not available for {}; available there: {}",
                                   options.algorithm, describe_group(kind, g),
                                   join_names(kNcclAlgos, algos_here)));
    throw InputError(std::string(kProtocolPath),
                     fmt::format("protocol '{}' is not available for {} with algorithm(s) {}; "
                                 "available there: {}",
                                 options.protocol, describe_group(kind, g),
                                 join_names(kNcclAlgos, algos_here & algo_mask),
                                 join_names(kNcclProtos, protos_here_for_forced_algos)));
  }
};

CollectiveCost::CollectiveCost(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network,
                               CollectiveOptions options)
    : CollectiveCost(gpu, node, network, std::move(options), nullptr) {}

CollectiveCost::CollectiveCost(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& network,
                               CollectiveOptions options,
                               std::shared_ptr<const NcclConstants> constants) {
  auto impl = std::make_shared<Impl>();
  impl->constants_owner = std::move(constants);
  impl->c = impl->constants_owner ? impl->constants_owner.get() : &default_nccl_constants();
  const NcclConstants& c = *impl->c;
  impl->options = std::move(options);
  if (impl->options.collnet && !network.in_network_reduction)
    throw InputError(std::string(kCollnetPath),
                     fmt::format("network '{}' has no in-network reduction "
                                 "(in_network_reduction is false): NCCL's CollNet cannot run "
                                 "there; leave comm.collnet false or choose a SHARP network",
                                 network.name.empty() ? "network" : network.name));
  impl->machine = describe_nccl_machine(c, gpu, node, network);
  // From here on the machine's in-network reduction means "NCCL may use it": the switches can
  // reduce and CollNet is enabled.
  impl->machine.in_network_reduction = network.in_network_reduction && impl->options.collnet;
  impl->p2p = describe_p2p_paths(c, impl->machine);

  impl->algo_mask = parse_selection(impl->options.algorithm, kNcclAlgos, parse_nccl_algo,
                                    kAlgorithmPath, "algorithm");
  impl->proto_mask = parse_selection(impl->options.protocol, kNcclProtos, parse_nccl_proto,
                                     kProtocolPath, "protocol");
  impl->algo_forced = impl->algo_mask != kAllNcclAlgos;
  impl->proto_forced = impl->proto_mask != kAllNcclProtos;

  // Names that this hardware can never run are an input error now, not at the first call.
  const unsigned algos_possible = machine_algorithms(c, impl->machine);
  if (impl->algo_forced && !trim(impl->options.algorithm).starts_with("^") &&
      (impl->algo_mask & ~algos_possible))
    throw InputError(
        std::string(kAlgorithmPath),
        fmt::format("algorithm(s) {} cannot run on this cluster ({}, {}{}); "
                    "possible here: {}{}",
                    join_names(kNcclAlgos, impl->algo_mask & ~algos_possible),
                    gpu.name.empty() ? "gpu" : gpu.name, node.name.empty() ? "node" : node.name,
                    network.in_network_reduction ? ", in-network reduction" : "",
                    join_names(kNcclAlgos, algos_possible),
                    network.in_network_reduction && !impl->options.collnet
                        ? " (CollNet and multi-node NVLS need comm.collnet: true, as "
                          "NCCL_COLLNET_ENABLE=1)"
                        : ""));
  const unsigned protos_possible = machine_protocols(impl->machine);
  if (impl->proto_forced && !trim(impl->options.protocol).starts_with("^") &&
      (impl->proto_mask & ~protos_possible))
    throw InputError(std::string(kProtocolPath),
                     fmt::format("protocol(s) {} cannot run on this cluster (LL128 needs NVLink "
                                 "and SM70+); possible here: {}",
                                 join_names(kNcclProtos, impl->proto_mask & ~protos_possible),
                                 join_names(kNcclProtos, protos_possible)));
  impl_ = std::move(impl);
}

CollectiveEstimate CollectiveCost::estimate(CollectiveKind kind, const CommGroup& group,
                                            double bytes) const {
  const Impl& impl = *impl_;
  impl.check_group(kind, group);
  if (!(bytes >= 0))
    throw std::invalid_argument(fmt::format("collective size must be >= 0 bytes, got {}", bytes));
  const int peers = kind == CollectiveKind::send_recv ? std::max(group.ranks, 2) : group.ranks;
  if (peers <= 1 || bytes == 0) return CollectiveEstimate{0.0, CollectiveAlgorithm::none, {}};
  impl.check_network(group);

  switch (kind) {
    case CollectiveKind::all_to_all:
      return CollectiveEstimate{1e-6 * estimate_all_to_all_us(impl.p2p, impl.machine, group, bytes),
                                CollectiveAlgorithm::direct, NcclProto::simple};
    case CollectiveKind::send_recv:
      return CollectiveEstimate{1e-6 * estimate_send_recv_us(impl.p2p, group, bytes),
                                CollectiveAlgorithm::p2p, NcclProto::simple};
    case CollectiveKind::all_reduce:
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter:
    case CollectiveKind::broadcast:
    case CollectiveKind::reduce:
      break;
  }
  const Impl::Choice choice = impl.choose(kind, group, bytes);
  return CollectiveEstimate{1e-6 * choice.time_us, collective_algorithm(choice.algo), choice.proto};
}

double CollectiveCost::communicator_buffer_bytes(const CommGroup& group) const {
  const Impl& impl = *impl_;
  impl.check_group(CollectiveKind::all_reduce, group);
  if (group.ranks <= 1) return 0;
  return nccl_collective_buffer_bytes(impl.machine,
                                      derive_nccl_topology(*impl.c, impl.machine, group));
}

std::string_view name_of(CollectiveAlgorithm algorithm) {
  switch (algorithm) {
    case CollectiveAlgorithm::none:
      return "none";
    case CollectiveAlgorithm::direct:
      return "direct";
    case CollectiveAlgorithm::p2p:
      return "p2p";
    case CollectiveAlgorithm::ring:
      return name_of(NcclAlgo::ring);
    case CollectiveAlgorithm::tree:
      return name_of(NcclAlgo::tree);
    case CollectiveAlgorithm::nvls:
      return name_of(NcclAlgo::nvls);
    case CollectiveAlgorithm::nvls_tree:
      return name_of(NcclAlgo::nvls_tree);
    case CollectiveAlgorithm::collnet_direct:
      return name_of(NcclAlgo::collnet_direct);
    case CollectiveAlgorithm::collnet_chain:
      return name_of(NcclAlgo::collnet_chain);
    case CollectiveAlgorithm::pat:
      return name_of(NcclAlgo::pat);
  }
  return "none";
}

std::string_view name_of(std::optional<NcclProto> protocol) {
  return protocol ? name_of(*protocol) : std::string_view();
}

std::string CollectiveCost::explain(CollectiveKind kind, const CommGroup& group) const {
  const Impl& impl = *impl_;
  impl.check_group(kind, group);
  const auto& m = impl.machine;
  std::string out = fmt::format(
      "NCCL {} model, {}\nmachine: SM{} ({}), NVLink {:.1f} GB/s ({} links), PCIe {:.1f} GB/s, "
      "{} NIC(s) x {:.1f} GB/s per node\n",
      impl.c->nccl_version, describe_group(kind, group), m.sm, name_of(m.arch), m.nvlink_GBps,
      m.nvlink_links, m.pci_GBps, m.nics_per_node, m.nic_GBps);
  if (group.ranks <= 1) return out + "a group of one rank costs nothing\n";
  if (traits_of(kind).nccl_algos == 0)
    return out +
           fmt::format("{} is point-to-point: alpha-beta per path (p2p_cost.hpp)\n", name_of(kind));
  impl.check_network(group);
  const NcclCommTopology topo = derive_nccl_topology(*impl.c, m, group);
  const auto graph_line = [](std::string_view name, const NcclGraph& g) {
    return fmt::format("  {:8} nChannels {:2}, bw {:.1f}/{:.1f} GB/s per channel\n", name,
                       g.n_channels, g.bw_intra_GBps, g.bw_inter_GBps);
  };
  out += "search graphs (intra/inter):\n";
  out += graph_line("ring", topo.ring);
  out += graph_line("tree", topo.tree);
  if (topo.nvls.n_channels > 0) out += graph_line("nvls", topo.nvls);
  if (topo.collnet.n_channels > 0) out += graph_line("collnet", topo.collnet);
  out += format_nccl_tuning(build_nccl_tuning(*impl.c, m, topo, kind));
  return out;
}

}  // namespace trainsim
