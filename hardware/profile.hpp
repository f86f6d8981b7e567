#pragma once
// A GPU's *achieved* performance, as opposed to its datasheet (GpuSpec): GEMM efficiency by
// shape, flash-attention efficiency by sequence length, achievable HBM bandwidth, kernel launch
// overhead. Calibrated profiles live in hardware/profiles/<gpu>.json (written by calibrate/ or
// derived from recorded microbenchmarks); GPUs without one get datasheet-derived defaults.
#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hardware/gpu_spec.hpp"
#include "sim/core/json_fields.hpp"
#include "sim/core/precision.hpp"

namespace trainsim {

// Host time of one eagerly dispatched PyTorch op (dispatcher, allocator, launch): 7.11 us per tiny
// op in a stream of 100, measured with PyTorch 2.11 on the H100 host
// (calibrate/data/h100-microbench/copy.jsonl, "launch_100_tiny"). Work issued op by op from
// Python cannot run faster than this, whatever a profile's per-kernel launch cost.
inline constexpr double kEagerOpDispatchS = 7.11e-6;

// One measured GEMM: C[m,n] = A[m,k] B[k,n]; efficiency = achieved / dense peak of its precision.
struct GemmEfficiencyPoint {
  double m = 0, n = 0, k = 0;
  double efficiency_frac = 0;
};

// Flash attention efficiency (achieved FLOP/s over dense peak, FLOPs counted as executed, i.e.
// halved for causal masks) by sequence length and head dimension. Convention (FlashAttention's):
// forward = 4·b·h·s_q·s_kv·d (÷2 causal); backward = 2.5 × forward (five matmuls, the score
// matrix recomputed), so backward_frac is defined against 2.5 × the forward FLOPs.
struct AttentionEfficiencyPoint {
  double seq_len = 0;
  double head_dim = 0;
  double forward_frac = 0;
  double backward_frac = 0;
};

// Achievable fraction of HBM bandwidth by bytes moved (small kernels do not saturate HBM).
struct BandwidthEfficiencyPoint {
  double bytes = 0;
  double efficiency_frac = 0;
};

struct HardwareProfile {
  std::string name;    // e.g. "h100-sxm5-80gb (microbench 2026)"
  std::string gpu;     // GPU preset it describes
  std::string source;  // how it was obtained (the "source" block's "description")
  // The whole "source" block of the JSON (description, command, input files, peaks used,
  // residuals...), kept verbatim for provenance; null when the profile was built in code.
  Json source_details;
  // Per precision; an empty table means "use the roofline fallback for this precision".
  std::array<std::vector<GemmEfficiencyPoint>, kPrecisionCount> gemm_tables;
  // Roofline fallback: best GEMM efficiency a large, well-shaped GEMM reaches.
  double gemm_max_efficiency_frac = 0.75;
  // Per-precision override of gemm_max_efficiency_frac (0 = use gemm_max_efficiency_frac);
  // e.g. fp8 GEMMs reach a lower fraction of their (doubled) peak than bf16 ones.
  std::array<double, kPrecisionCount> gemm_max_efficiency_frac_by_precision{};
  std::vector<AttentionEfficiencyPoint> attention;    // empty = use attention_max_efficiency_frac
  double attention_max_efficiency_frac = 0.5;         // forward pass (and recompute)
  double attention_backward_max_efficiency_frac = 0;  // 0 = same as the forward value
  std::vector<BandwidthEfficiencyPoint> memory_bandwidth;  // empty = use the scalar below
  double memory_bandwidth_efficiency_frac = 0.8;
  double kernel_launch_overhead_s = 4.0e-6;
  double host_to_device_Bps = 0;  // pinned copies; 0 = unknown

  double gemm_max_efficiency_for(Precision p) const {
    const double v = gemm_max_efficiency_frac_by_precision[index_of(p)];
    return v > 0 ? v : gemm_max_efficiency_frac;
  }
  double attention_backward_max_efficiency() const {
    return attention_backward_max_efficiency_frac > 0 ? attention_backward_max_efficiency_frac
                                                      : attention_max_efficiency_frac;
  }
};

// Reads a profile JSON (format documented in hardware/profiles/README.md).
HardwareProfile load_profile(const std::filesystem::path& file);
HardwareProfile parse_profile(const Json& json, std::string_view path);
Json profile_to_json(const HardwareProfile& profile);

// The shipped profile for this GPU (hardware/profiles/<gpu.name>.json) when there is one,
// otherwise datasheet-derived defaults for the GPU's generation.
HardwareProfile default_profile_for(const GpuSpec& gpu);

// Datasheet-derived defaults for the GPU's generation (vendor + compute capability), ignoring
// any shipped file. The numbers and their sources are listed in hardware/profiles/README.md.
HardwareProfile datasheet_default_profile(const GpuSpec& gpu);

// Where default_profile_for looks: data_root()/hardware/profiles/<gpu_name>.json.
std::filesystem::path shipped_profile_path(std::string_view gpu_name);

}  // namespace trainsim
