#include "sim/collectives/nccl_topology.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace trainsim {

namespace {

constexpr double kEps = 1e-9;

// The entry for the largest SM <= sm (tables are sorted by SM); the first entry below all.
double by_sm(const std::vector<std::pair<int, double>>& table, int sm) {
  double value = table.front().second;
  for (const auto& [key, v] : table)
    if (key <= sm) value = v;
  return value;
}

int floor_count(double budget, double per_unit) {
  if (per_unit <= 0) return 0;
  return static_cast<int>(std::floor(budget / per_unit + kEps));
}

// ncclTopoDupChannels (search.cc).
void dup_channels(const NcclConstants& c, int sm, NcclGraph& g) {
  if (g.bw_intra_GBps < c.dup_min_bw_intra_GBps) return;
  if (sm > c.dup_newer_than_sm && g.bw_intra_GBps < c.dup_newer_min_bw_intra_GBps &&
      g.n_channels > c.dup_newer_max_channels)
    return;
  const int dup = std::min(g.n_channels * 2, c.ring_search_max_channels);
  const int divisor = (dup + g.n_channels - 1) / g.n_channels;
  g.bw_intra_GBps /= divisor;
  g.bw_inter_GBps /= divisor;
  g.n_channels = dup;
}

// ncclTopoCompute's speed loop (search.cc), pass 1: start at the first speed <= limit, keep
// lowering it while the next speed is more than min_ratio (0.49) × the best graph's, keep the one
// with the most nChannels × speed (ncclTopoCompareGraphs; ties keep the faster channels). Stops
// early at max channels ("optimal solution") or once nChannels × speed reaches total_GBps.
template <typename ChannelsAt>
NcclGraph search_speeds(const std::vector<double>& speeds, double limit_GBps, double total_GBps,
                        int max_channels, double min_ratio, ChannelsAt channels_at) {
  NcclGraph best;
  for (double s : speeds) {
    if (s > limit_GBps + kEps) continue;
    if (best.n_channels > 0 && s / best.bw_intra_GBps <= min_ratio) break;
    const int n = std::min(channels_at(s), max_channels);
    if (n > 0 && n * s > best.n_channels * best.bw_intra_GBps + kEps) {
      best.n_channels = n;
      best.bw_intra_GBps = best.bw_inter_GBps = s;
    }
    if (best.n_channels >= max_channels ||
        best.n_channels * best.bw_intra_GBps >= total_GBps - kEps)
      break;
  }
  if (best.n_channels == 0) {  // below the speed array: one channel at what the path allows
    best.n_channels = 1;
    best.bw_intra_GBps = best.bw_inter_GBps = std::min(speeds.back(), limit_GBps);
  }
  return best;
}

// Pass 2 for rings, after ncclTopoDupChannels: try each faster speed with at least the current
// channel count and keep any graph with more nChannels × speed.
template <typename ChannelsAt>
void raise_ring_speed(const std::vector<double>& speeds, double limit_GBps, int max_channels,
                      ChannelsAt channels_at, NcclGraph& g) {
  for (auto it = speeds.rbegin(); it != speeds.rend(); ++it) {
    const double s = *it;
    if (s <= g.bw_intra_GBps + kEps || s > limit_GBps + kEps) continue;
    const int n = std::min(channels_at(s), max_channels);
    if (n >= g.n_channels && n * s > g.n_channels * g.bw_intra_GBps + kEps) {
      g.n_channels = n;
      g.bw_intra_GBps = g.bw_inter_GBps = s;
    }
  }
}

}  // namespace

double first_speed_at_most(const std::vector<double>& speeds, double limit_GBps) {
  for (double s : speeds)
    if (s <= limit_GBps + kEps) return s;
  return std::min(speeds.back(), limit_GBps);  // below the array: NCCL keeps relaxing
}

NcclMachine describe_nccl_machine(const NcclConstants& c, const GpuSpec& gpu, const NodeSpec& node,
                                  const NetworkSpec& network) {
  NcclMachine m;
  m.nvidia = gpu.vendor.empty() || gpu.vendor == "nvidia";
  const bool known_sm = m.nvidia && gpu.compute_capability > 0;
  // GPUs without NCCL tables (other vendors) are modelled with Ampere-class constants.
  m.sm = known_sm ? gpu.compute_capability : c.arch_min_sm[index_of(NcclArch::ampere)];
  m.arch = arch_for_sm(c, m.sm);
  m.gpus_per_node = std::max(1, node.gpus_per_node);
  m.nvswitch = node.nvswitch;
  m.nvls_switch = node.nvswitch && node.nvls;

  const double pcie_GBps = gpu.pcie_Bps / 1e9;
  m.pci_GBps = pcie_GBps > 0 ? pcie_GBps * c.pci_datasheet_frac : c.pci_default_GBps;

  const double nvlink_datasheet_GBps = gpu.nvlink_Bps / 1e9;
  if (nvlink_datasheet_GBps > 0) {
    if (known_sm) {
      const double link = by_sm(c.nvlink_datasheet_link_GBps_by_sm, m.sm);
      m.nvlink_links = std::max(1, static_cast<int>(std::lround(nvlink_datasheet_GBps / link)));
      m.nvlink_GBps = m.nvlink_links * by_sm(c.nvlink_per_link_GBps_by_sm, m.sm);
    } else {
      m.nvlink_links = 0;  // unknown link granularity: scale the aggregate instead
      m.nvlink_GBps = nvlink_datasheet_GBps * c.unknown_gpu_link_efficiency_frac;
    }
    m.intra_hw = NcclHw::nvlink;
    m.intra_total_GBps = m.nvlink_GBps;
    m.intra_peer_GBps = (m.nvswitch || m.gpus_per_node <= 2)
                            ? m.nvlink_GBps
                            : m.nvlink_GBps / (m.gpus_per_node - 1);
  } else {
    m.intra_hw = NcclHw::pci;
    m.intra_total_GBps = m.pci_GBps;
    m.intra_peer_GBps = m.pci_GBps;
  }

  double nic_GBps = node.nic_Bps > 0 ? node.nic_Bps / 1e9 : network.link_Bps / 1e9;
  if (network.link_Bps > 0) nic_GBps = std::min(nic_GBps, network.link_Bps / 1e9);
  m.nic_GBps = nic_GBps;
  m.net_bandwidth_frac = network.transport_bandwidth_frac;
  m.net_transport_latency_us = network.transport_latency_s * 1e6;
  m.nics_per_node = node.nics_per_node > 0 ? node.nics_per_node : (nic_GBps > 0 ? 1 : 0);
  m.nodes_per_leaf_group = std::max(1, network.nodes_per_leaf_group);
  m.oversubscription = std::max(1.0, network.oversubscription);
  m.in_network_reduction = network.in_network_reduction;
  return m;
}

NicShare nic_share(const NcclMachine& m, const CommGroup& group) {
  const double share =
      static_cast<double>(m.nics_per_node) * group.ranks_per_node / m.gpus_per_node;
  NicShare out;
  out.nics = std::max(1, static_cast<int>(std::ceil(share - kEps)));
  out.fraction = share / out.nics;
  if (group.nodes > m.nodes_per_leaf_group) out.fraction /= m.oversubscription;
  return out;
}

NcclCommTopology derive_nccl_topology(const NcclConstants& c, const NcclMachine& m,
                                      const CommGroup& group) {
  NcclCommTopology t;
  t.ranks = group.ranks;
  t.nodes = group.nodes;
  t.ranks_per_node = group.ranks_per_node;
  const int ppn = group.ranks_per_node;
  const bool multi_node = group.nodes > 1;
  const SpeedArrays& speeds = c.speeds_for(m.sm);

  // NICs the group uses per node (rail-optimized: each GPU brings its share of the node's NICs).
  double nic_path_GBps = 0;  // GPU→NIC path bandwidth per NIC
  if (multi_node) {
    const NicShare share = nic_share(m, group);
    t.nics = share.nics;
    t.nic_GBps = m.nic_GBps * share.fraction;
    t.multi_leaf = group.nodes > m.nodes_per_leaf_group;
    nic_path_GBps = std::min(t.nic_GBps, m.pci_GBps);
  }

  // ---- ring (and tree) ----
  // Every ring channel reserves s into and out of each GPU's NVLink (or PCIe) port, and between
  // nodes s on one NIC.
  const auto ring_channels_at = [&](double s) {
    if (!multi_node) return floor_count(m.intra_total_GBps, s);
    int n = t.nics * floor_count(t.nic_GBps, s);
    if (ppn > 1) n = std::min(n, floor_count(m.intra_total_GBps, s));
    return n;
  };
  const std::vector<double>& ring_speeds = multi_node ? speeds.inter : speeds.intra;
  double ring_limit = multi_node ? nic_path_GBps : m.intra_peer_GBps;
  if (!multi_node || ppn > 1) ring_limit = std::min(ring_limit, m.intra_total_GBps);
  NcclGraph ring =
      search_speeds(ring_speeds, ring_limit, m.intra_total_GBps, c.ring_search_max_channels,
                    c.search_min_speed_ratio, ring_channels_at);
  dup_channels(c, m.sm, ring);
  raise_ring_speed(ring_speeds, ring_limit, c.ring_search_max_channels, ring_channels_at, ring);
  t.ring = ring;
  t.tree = ring;  // init.cc: tree channels pinned to the ring's; balanced tree pattern

  // ---- NVLS ----
  const bool nvls_hw = m.nvidia && m.nvls_switch && m.nvlink_GBps > 0 &&
                       m.arch >= NcclArch::hopper && c.nvls_efficiency_frac[index_of(m.arch)] > 0 &&
                       ppn >= 2;
  if (nvls_hw) {
    NcclGraph g;
    const int heads =
        multi_node ? std::min({ppn, t.nics, c.nvls_max_arity}) : std::min(ppn, c.nvls_max_arity);
    const int heads_per_gpu = (heads + ppn - 1) / ppn;
    const double per_port_limit = m.intra_total_GBps / (heads + heads_per_gpu);
    g.n_channels = heads;
    if (!multi_node) {
      g.bw_intra_GBps = g.bw_inter_GBps =
          first_speed_at_most(speeds.intra, std::min(per_port_limit, m.intra_total_GBps));
    } else {
      g.bw_intra_GBps = first_speed_at_most(speeds.inter, std::min(per_port_limit, nic_path_GBps));
      g.bw_inter_GBps = first_speed_at_most(speeds.inter, nic_path_GBps);
    }
    t.nvls = g;
    t.nvls_runtime_channels = m.arch == NcclArch::blackwell
                                  ? (multi_node ? c.nvls_runtime_channels_blackwell_multi
                                                : c.nvls_runtime_channels_blackwell_single)
                                  : c.nvls_runtime_channels_hopper;
    // Multi-node NVLS needs CollNet (IB SHARP); NVLSTree is off on a single node.
    t.nvls_available = !multi_node || m.in_network_reduction;
    t.nvls_tree_available = multi_node;
  }

  // ---- CollNet (in-network reduction between nodes) ----
  if (multi_node && m.in_network_reduction) {
    NcclGraph g;
    g.n_channels = t.nics;
    g.bw_intra_GBps = g.bw_inter_GBps = first_speed_at_most(speeds.inter, nic_path_GBps);
    t.collnet = g;
    t.collnet_available = true;
    t.collnet_direct_available = m.nvswitch && ppn <= c.collnet_direct_max_local_ranks;
  }

  // ---- PAT: one GPU per node, SM60 and later ----
  t.pat_available = multi_node && ppn == 1 && m.nvidia && m.sm >= 60;

  // ---- LL128: NVLink inside the node (typeIntra <= NVB), SM70+; the GPU→NIC path is assumed to
  // be PXB (NIC on the GPU's PCIe switch), which every rail-optimized node satisfies.
  t.ll128_enabled = m.intra_hw == NcclHw::nvlink && m.sm >= 70;
  return t;
}

}  // namespace trainsim
