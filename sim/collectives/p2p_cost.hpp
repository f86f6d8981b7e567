#pragma once
// Point-to-point traffic, which NCCL's tuner does not model (comm-model.md §6): send_recv and the
// all_to_all PyTorch builds from grouped send/recv. α-β per path with NCCL's hardware latencies
// and path bandwidths from the same topology view as the collectives; the efficiencies are data
// (trainsim_refinements.point_to_point in the constants file).
//
//  send_recv, peer on the same node: hw_latency[nvlink|pci][ring][Simple]
//                                    + n / (NCCL NVLink bw × nvlink_p2p_frac)
//  send_recv, peer on another node:  hw_latency[net][ring][Simple] + transport latency
//                                    + n / (NIC bw × net_p2p_frac × transport bandwidth frac)
//  (the fabric's transport terms, NetworkSpec::transport_*, are zero and one on InfiniBand)
//  all_to_all (§3.4):  (p−1)·α_eff + max((N−1)/N·n / B_nic_per_gpu, (G−1)/G·n / B_nvl), with
//    (p−1)·α_eff = (G−1)·hw_latency[nvlink][ring][Simple]           (one NVLink step per local
//    peer)
//                + (p−G)·net_overhead × simple_multiplier          (one proxy post per remote peer)
//                + hw_latency[net][ring][Simple] once if N > 1      (the transfers overlap)
//    B_nic_per_gpu = nics_per_node × NIC bw / gpus_per_node × net_p2p_frac, ÷ oversubscription when
//    the group spans more than one leaf group; B_nvl = NCCL NVLink bw × nvlink_p2p_frac.
#include "sim/collectives/collective_cost.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/collectives/nccl_topology.hpp"

namespace trainsim {

struct P2pPaths {
  double intra_alpha_us = 0;    // one message over NVLink (or PCIe)
  double net_alpha_us = 0;      // one message over the network
  double net_post_us = 0;       // proxy cost per additional remote peer
  double intra_GBps = 0;        // achieved GPU↔GPU bandwidth inside a node
  double nic_GBps = 0;          // achieved bandwidth of one NIC
  double nic_per_gpu_GBps = 0;  // achieved NIC bandwidth per GPU (all NICs / GPUs per node)
};

P2pPaths describe_p2p_paths(const NcclConstants& c, const NcclMachine& machine);

double estimate_send_recv_us(const P2pPaths& paths, const CommGroup& group, double bytes);
double estimate_all_to_all_us(const P2pPaths& paths, const NcclMachine& machine,
                              const CommGroup& group, double bytes);

}  // namespace trainsim
