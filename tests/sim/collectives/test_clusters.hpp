#pragma once
// Hardware used by the collective tests, written out so that each test states its machine.
// Datasheet values: NVLink per GPU per direction (A100 300 GB/s, H100 450, B200 900), PCIe
// Gen4/Gen5 x16 per direction (32 / 64 GB/s), DGX nodes with one compute NIC per GPU.
#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"
#include "sim/collectives/collective_cost.hpp"

namespace trainsim::test {

inline GpuSpec a100() {
  GpuSpec g;
  g.name = "a100-sxm4-80gb";
  g.vendor = "nvidia";
  g.compute_capability = 80;
  g.nvlink_Bps = 300e9;
  g.pcie_Bps = 32e9;
  return g;
}

inline GpuSpec h100() {
  GpuSpec g;
  g.name = "h100-sxm5-80gb";
  g.vendor = "nvidia";
  g.compute_capability = 90;
  g.nvlink_Bps = 450e9;
  g.pcie_Bps = 64e9;
  return g;
}

inline GpuSpec b200() {
  GpuSpec g;
  g.name = "b200";
  g.vendor = "nvidia";
  g.compute_capability = 100;
  g.nvlink_Bps = 900e9;
  g.pcie_Bps = 64e9;
  return g;
}

// A PCIe-only card (L40S-like): no NVLink.
inline GpuSpec pcie_gpu() {
  GpuSpec g;
  g.name = "l40s";
  g.vendor = "nvidia";
  g.compute_capability = 89;
  g.nvlink_Bps = 0;
  g.pcie_Bps = 32e9;
  return g;
}

inline NodeSpec dgx(const char* name, double nic_Bps, bool nvls) {
  NodeSpec n;
  n.name = name;
  n.gpus_per_node = 8;
  n.nvswitch = true;
  n.nvls = nvls;
  n.nics_per_node = 8;
  n.nic_Bps = nic_Bps;
  return n;
}
inline NodeSpec dgx_a100() {
  return dgx("dgx-a100", 25e9, false);
}  // 8 × HDR 200 Gb/s
inline NodeSpec dgx_h100() {
  return dgx("dgx-h100", 50e9, true);
}  // 8 × NDR 400 Gb/s
inline NodeSpec dgx_b200() {
  return dgx("dgx-b200", 50e9, true);
}  // 8 × 400 Gb/s

inline NodeSpec pcie_node() {
  NodeSpec n;
  n.name = "pcie-8gpu";
  n.gpus_per_node = 8;
  n.nics_per_node = 4;
  n.nic_Bps = 25e9;
  return n;
}

inline NetworkSpec ib(double link_Bps) {
  NetworkSpec n;
  n.name = "ib-rail-fattree";
  n.link_Bps = link_Bps;
  n.nic_latency_s = 1e-6;
  n.switch_latency_s = 0.3e-6;
  n.nodes_per_leaf_group = 32;
  n.oversubscription = 1.0;
  return n;
}
inline NetworkSpec ib_ndr400() {
  return ib(50e9);
}
inline NetworkSpec ib_hdr200() {
  return ib(25e9);
}

inline CommGroup one_node(int ranks) {
  return CommGroup{ranks, 1, ranks};
}
inline CommGroup nodes_of(int nodes, int per_node) {
  return CommGroup{nodes * per_node, nodes, per_node};
}

inline constexpr double kMiB = 1024.0 * 1024.0;
inline constexpr double kGiB = 1024.0 * kMiB;

}  // namespace trainsim::test
