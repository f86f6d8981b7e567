#pragma once
#include <array>
#include <string>

#include "sim/core/precision.hpp"

namespace trainsim {

// One GPU model, from its datasheet (presets/gpus/<name>.json). SI units inside.
struct GpuSpec {
  std::string name;            // preset id, e.g. "h100-sxm5-80gb"
  std::string vendor;          // "nvidia" | "amd"
  int compute_capability = 0;  // 80, 89, 90, 100 (NVIDIA); 0 when not applicable
  int sm_count = 0;            // SMs (NVIDIA) or CUs (AMD)
  // Dense (no sparsity) peak tensor/vector throughput per precision; 0 = not supported.
  std::array<double, kPrecisionCount> dense_peak_flops_per_s{};
  double hbm_capacity_bytes = 0;
  double hbm_Bps = 0;     // datasheet HBM bandwidth
  double nvlink_Bps = 0;  // per GPU, per direction (0 = no NVLink / Infinity Fabric)
  double pcie_Bps = 0;    // per direction
  double l2_cache_bytes = 0;
  double tdp_W = 0;  // board power limit; 0 = unknown (no energy estimate)

  double peak_flops_per_s(Precision p) const { return dense_peak_flops_per_s[index_of(p)]; }
};

}  // namespace trainsim
