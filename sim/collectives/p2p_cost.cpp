#include "sim/collectives/p2p_cost.hpp"

#include "sim/collectives/alpha_beta.hpp"

namespace trainsim {

P2pPaths describe_p2p_paths(const NcclConstants& c, const NcclMachine& m) {
  P2pPaths paths;
  paths.intra_alpha_us = c.hw_latency(m.intra_hw, NcclAlgo::ring, NcclProto::simple);
  paths.net_alpha_us = c.hw_latency(NcclHw::net, NcclAlgo::ring, NcclProto::simple) +
                       2 * c.latency_inter_us +  // + flush, as for Simple collectives
                       m.net_transport_latency_us;
  paths.net_post_us = c.net_overhead_us * c.net_overhead_simple_multiplier;
  paths.intra_GBps = m.intra_hw == NcclHw::nvlink ? m.nvlink_GBps * c.nvlink_p2p_frac
                                                  : m.pci_GBps * c.pci_p2p_frac;
  paths.nic_GBps = m.nic_GBps * c.net_p2p_frac * m.net_bandwidth_frac;
  paths.nic_per_gpu_GBps = paths.nic_GBps * m.nics_per_node / m.gpus_per_node;
  return paths;
}

double estimate_send_recv_us(const P2pPaths& paths, const CommGroup& group, double bytes) {
  if (group.nodes > 1) return paths.net_alpha_us + bytes / (1000.0 * paths.nic_GBps);
  return paths.intra_alpha_us + bytes / (1000.0 * paths.intra_GBps);
}

double estimate_all_to_all_us(const P2pPaths& paths, const NcclMachine& machine,
                              const CommGroup& group, double bytes) {
  const int p = group.ranks, g = group.ranks_per_node, n = group.nodes;
  double alpha_total_us = (g - 1) * paths.intra_alpha_us;
  if (n > 1) alpha_total_us += (p - g) * paths.net_post_us + paths.net_alpha_us;
  double nic_GBps = paths.nic_per_gpu_GBps;
  if (n > machine.nodes_per_leaf_group) nic_GBps /= machine.oversubscription;
  // The formula takes SI units: α in s, bandwidths in B/s; convert back to µs.
  return 1e6 * estimate_two_level_all_to_all_s(n, g, bytes, alpha_total_us * 1e-6 / (p - 1),
                                               nic_GBps * 1e9, paths.intra_GBps * 1e9);
}

}  // namespace trainsim
