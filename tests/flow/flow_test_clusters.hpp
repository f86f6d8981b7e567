#pragma once
// Clusters shared by the flow engine tests, from the shipped presets: DGX H100 (8 × H100 SXM5,
// NVLink 450 GB/s per direction through one NVSwitch vertex, 8 NICs of 50 GB/s) on InfiniBand NDR
// (NIC 0.6 us per end, switch 0.13 us), and DGX A100 (NVLink 300 GB/s, 8 NICs of 25 GB/s) on HDR.
#include <numeric>
#include <vector>

#include "hardware/presets.hpp"
#include "hardware/topology.hpp"

namespace trainsim::flow_test {

inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
inline constexpr double kGB = 1e9;

inline Topology dgx_h100(int nodes) {
  return build_topology(resolve_gpu("h100-sxm5-80gb", "cluster.gpu"),
                        resolve_node("dgx-h100", "cluster.node"),
                        resolve_network("ib-ndr400-rail-fattree", "cluster.network"), nodes);
}

inline Topology dgx_a100(int nodes) {
  return build_topology(resolve_gpu("a100-sxm4-80gb", "cluster.gpu"),
                        resolve_node("dgx-a100", "cluster.node"),
                        resolve_network("ib-hdr200-rail-fattree", "cluster.network"), nodes);
}

// Ranks first, first + 1, ..., first + count − 1.
inline std::vector<int> iota_ranks(int count, int first = 0) {
  std::vector<int> ranks(static_cast<std::size_t>(count));
  std::iota(ranks.begin(), ranks.end(), first);
  return ranks;
}

// nccl-tests busbw of a ring all_reduce: 2(p−1)/p · S / t.
inline double all_reduce_busbw_Bps(int p, double bytes, double time_s) {
  return 2.0 * (p - 1) / p * bytes / time_s;
}

}  // namespace trainsim::flow_test
