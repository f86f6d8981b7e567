#pragma once
// Op → seconds on one GPU, from its datasheet (GpuSpec) and achieved efficiencies
// (HardwareProfile).
//
//   gemm:         flops / (peak[precision] · gemm_efficiency_frac(shape)) + kernels · launch
//   attention:    flops / (peak[precision] · attention_efficiency_frac(shape, pass))
//                 + kernels · launch
//   memory_bound: bytes / memory_bandwidth_Bps(bytes per kernel) + kernels · launch
//
// An op with no work (zero FLOPs for gemm/attention, zero bytes for memory_bound) takes 0 s.
// Negative work or a non-empty op with an empty shape is a bug (assert). A GEMM or attention op
// in a precision the GPU has no peak for throws InfeasibleError.
#include <array>
#include <vector>

#include "hardware/gpu_spec.hpp"
#include "hardware/profile.hpp"
#include "models/op.hpp"

namespace trainsim {

class ComputeCost {
 public:
  ComputeCost(GpuSpec gpu, HardwareProfile profile);

  // Time of one op, launch overhead included (times the slowdown).
  double estimate_s(const Op& op) const;
  // What-if: every op of this GPU takes `factor` times as long (a straggler: 1 / its speed).
  void set_slowdown(double factor) { slowdown_ = factor; }

  // The pieces, exposed for tests and `explain`:
  // GEMM efficiency (0..1] of the dense peak for this shape (one GEMM of a grouped batch) and
  // precision: inverse-distance weighting (Franke-Little weights) of the 8 nearest measured
  // shapes in log(m, n, k) space, exact at measured shapes and never above the best measured
  // value. Outside the table's range a dimension is clamped to the range and the value scaled by
  // the tile/wave utilization ratio between the shape and its clamped copy (at most 1:
  // extrapolation only ever lowers it); the result is capped by the A+B+C memory roofline.
  // bf16 and fp16 share points (same tensor-core rate; a precision's own measurements win at its
  // measured shapes); fp8 without a table uses the 16-bit points scaled by
  // max_eff(fp8) / max_eff(bf16). A precision with no points at all: the roofline below.
  double gemm_efficiency_frac(const GemmShape& shape, Precision precision) const;
  // Flash attention efficiency: piecewise-linear in log(sequence length) (the geometric mean of
  // seq_q and seq_kv) and log(head_dim) over the profile's points, clamped at the ends; the
  // backward curve for Pass::backward, the forward one otherwise (recompute included). Scaled
  // down when batch × heads × 128-row blocks cannot occupy every SM.
  double attention_efficiency_frac(const AttentionShape& shape, Pass pass) const;
  // Achieved HBM bandwidth for a kernel moving `bytes`: piecewise-linear in log(bytes) over the
  // profile's points, clamped at the ends; the scalar efficiency when there are none.
  double memory_bandwidth_Bps(double bytes) const;

  // The tile/wave-quantization roofline used when no GEMM table applies (exposed for tests):
  // time = max(flops / (peak · max_efficiency · tile-wave utilization),
  //            A+B+C bytes / best HBM bandwidth), with 128x256 tiles (128x128 for SIMT fp32),
  // one CTA per SM per wave, and split-K when there are fewer tiles than SMs.
  double roofline_gemm_efficiency_frac(const GemmShape& shape, Precision precision,
                                       double max_efficiency_frac) const;
  // Best bandwidth the profile says HBM reaches (largest efficiency on the curve, or the scalar).
  double best_memory_bandwidth_Bps() const;

  const GpuSpec& gpu() const { return gpu_; }
  const HardwareProfile& profile() const { return profile_; }

 private:
  struct LogGemmPoint {
    double log_m, log_n, log_k, efficiency_frac;
  };
  struct AttentionCurve {  // one head dimension, sorted by sequence length
    double log_head_dim = 0;
    std::vector<double> log_seq_len, forward_frac, backward_frac;
  };
  struct BandwidthCurve {  // sorted by bytes, duplicates averaged
    std::vector<double> log_bytes, efficiency_frac;
  };

  struct LogBox {  // bounding box of a table in log space
    double lo[3], hi[3];
  };
  double table_gemm_efficiency_frac(const std::vector<LogGemmPoint>& table, double log_m,
                                    double log_n, double log_k) const;
  double peak_flops_per_s(Precision precision, const char* what) const;
  double nominal_estimate_s(const Op& op) const;
  void build_gemm_tables();

  GpuSpec gpu_;
  HardwareProfile profile_;
  // Per precision, the points its GEMMs are interpolated over (own table plus borrowed points,
  // see build_gemm_tables); empty = roofline fallback.
  std::array<std::vector<LogGemmPoint>, kPrecisionCount> gemm_log_tables_;
  std::array<LogBox, kPrecisionCount> gemm_table_boxes_{};
  std::vector<AttentionCurve> attention_curves_;  // sorted by head dimension
  BandwidthCurve bandwidth_curve_;
  double slowdown_ = 1.0;
};

}  // namespace trainsim
