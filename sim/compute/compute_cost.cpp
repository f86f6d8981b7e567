#include "sim/compute/compute_cost.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "sim/core/errors.hpp"

namespace trainsim {

namespace {

// GEMM table interpolation: inverse-distance weighting over the nearest measured shapes in
// (log m, log n, log k) space, with Franke & Little's compactly supported weights
// w_i = ((R - d_i)+ / (R d_i))^p, R = distance to the (K+1)-th nearest shape ("modified
// Shepard"). It is a convex combination, so it returns the table value at a table point, never
// leaves [min, max] of its neighbours (no extrapolation above the best measured efficiency), and
// it is continuous (plain K-nearest IDW jumps when the neighbour set changes; here a shape
// entering or leaving the set has zero weight). K = 8, p = 1: leave-one-out on the H100
// microbench's 176 transformer GEMM shapes gives 6.8 % mean / 4.4 % median time error (plain
// IDW K=8 p=2: 6.6 % / 4.3 %, but discontinuous and non-monotone between monotone points); the
// same shape measured in two layouts differs by ~5 %.
constexpr std::size_t kIdwNeighbours = 8;
constexpr double kIdwPower = 1.0;
constexpr double kSamePointDistance2 = 1e-18;

// Output tiles of one CTA in the roofline fallback. cuBLAS's heuristics pick, per shape, among
// large tensor-core tiles (128x256 / 256x128, the fastest per SM) and smaller 128x128 ones, which
// leave fewer SMs idle in the last wave of a mid-sized GEMM but move more operand bytes per FLOP.
// The smaller tile's relative rate (0.9) is the value at which the roofline's shape dependence
// best matches the H100 table (calibrate/data/h100-microbench/gemm.jsonl, h >= 4096: spread of
// log(roofline / measured) 9.29% at 0.9 vs 9.85% with one tile); the figure is flat between
// 0.85 and 0.95. SIMT fp32 kernels use 128x128.
struct Tile {
  double m, n;
};
struct TileConfig {
  Tile tile;
  double relative_rate;
};
constexpr std::array<TileConfig, 3> kTensorCoreTiles{
    {{{128, 256}, 1.0}, {{256, 128}, 1.0}, {{128, 128}, 0.9}}};
constexpr Tile kSimtTile{128, 128};
// Split-K slices are kept at least this deep along K.
constexpr double kMinSplitKDepth = 256;

// Flash attention processes 128 query rows (forward) or 128 key rows (backward) per CTA.
constexpr double kAttentionBlockRows = 128;

// Piecewise-linear interpolation in x, clamped to the end values outside [xs.front, xs.back].
double interpolate_clamped(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  assert(!xs.empty() && xs.size() == ys.size());
  if (x <= xs.front()) return ys.front();
  if (x >= xs.back()) return ys.back();
  const auto hi = static_cast<std::size_t>(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin());
  const std::size_t lo = hi - 1;
  const double t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

bool gemm_shape_empty(const GemmShape& s) {
  assert(s.m >= 0 && s.n >= 0 && s.k >= 0 && s.batch >= 0 && "negative GEMM dimension");
  return s.m == 0 || s.n == 0 || s.k == 0 || s.batch == 0;
}

bool attention_shape_empty(const AttentionShape& s) {
  assert(s.batch >= 0 && s.heads >= 0 && s.seq_q >= 0 && s.seq_kv >= 0 && s.head_dim >= 0 &&
         "negative attention dimension");
  return s.batch == 0 || s.heads == 0 || s.seq_q == 0 || s.seq_kv == 0 || s.head_dim == 0;
}

// How well whole output tiles, issued in waves of one CTA per SM, use the GPU: useful FLOPs over
// the FLOPs of every tile slot of every wave (1 = no padding, no idle SM in the last wave). When
// there are fewer tiles than SMs the K dimension is split (split-K / stream-K) to fill the GPU.
// Without an SM count there is no quantization. The tensor-core figure is the best tile
// configuration's, its relative rate included (the choice cuBLAS's heuristics make).
struct TileWaves {
  double utilization_frac = 1;
  double split_k = 1;
};

TileWaves tile_waves_with(const GemmShape& shape, Tile tile, double relative_rate, int sm_count) {
  TileWaves out;
  const double m = static_cast<double>(shape.m), n = static_cast<double>(shape.n),
               k = static_cast<double>(shape.k), batch = static_cast<double>(shape.batch);
  const double sms = sm_count;
  const double tiles = batch * std::ceil(m / tile.m) * std::ceil(n / tile.n);
  if (tiles < sms)
    out.split_k = std::max(1.0, std::min(std::floor(sms / tiles), std::floor(k / kMinSplitKDepth)));
  const double waves = std::ceil(tiles * out.split_k / sms);
  const double slot_flops = 2.0 * tile.m * tile.n * (k / out.split_k);
  out.utilization_frac = relative_rate * (2.0 * m * n * k * batch) / (waves * sms * slot_flops);
  return out;
}

TileWaves tile_waves(const GemmShape& shape, Precision precision, int sm_count) {
  if (sm_count <= 0) return {};
  if (precision == Precision::fp32) return tile_waves_with(shape, kSimtTile, 1.0, sm_count);
  TileWaves best{0, 1};
  for (const auto& [tile, rate] : kTensorCoreTiles) {
    const TileWaves tw = tile_waves_with(shape, tile, rate, sm_count);
    if (tw.utilization_frac > best.utilization_frac) best = tw;
  }
  return best;
}

// HBM traffic of a GEMM: A and B read and C written once (tiles reuse operands through L2), plus
// fp32 partial sums written and read back when K is split.
double gemm_traffic_bytes(const GemmShape& shape, Precision precision, double split_k) {
  const double m = static_cast<double>(shape.m), n = static_cast<double>(shape.n),
               k = static_cast<double>(shape.k), batch = static_cast<double>(shape.batch);
  double bytes = batch * (m * k + k * n + m * n) * bytes_per_element(precision);
  if (split_k > 1) bytes += batch * 2.0 * m * n * 4.0 * split_k;
  return bytes;
}

}  // namespace

ComputeCost::ComputeCost(GpuSpec gpu, HardwareProfile profile)
    : gpu_(std::move(gpu)), profile_(std::move(profile)) {
  if (!(gpu_.hbm_Bps > 0))
    throw std::logic_error(fmt::format(
        "ComputeCost: GPU '{}' has no HBM bandwidth; presets must be validated first", gpu_.name));

  build_gemm_tables();

  // Attention: one curve per head dimension, points sorted by sequence length, duplicates
  // averaged.
  std::vector<AttentionEfficiencyPoint> points = profile_.attention;
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) {
    return std::pair(a.head_dim, a.seq_len) < std::pair(b.head_dim, b.seq_len);
  });
  for (std::size_t i = 0; i < points.size();) {
    AttentionCurve curve;
    curve.log_head_dim = std::log(points[i].head_dim);
    const double head_dim = points[i].head_dim;
    while (i < points.size() && points[i].head_dim == head_dim) {
      const double seq = points[i].seq_len;
      double fwd = 0, bwd = 0;
      int count = 0;
      for (; i < points.size() && points[i].head_dim == head_dim && points[i].seq_len == seq; ++i) {
        fwd += points[i].forward_frac;
        bwd += points[i].backward_frac;
        ++count;
      }
      curve.log_seq_len.push_back(std::log(seq));
      curve.forward_frac.push_back(fwd / count);
      curve.backward_frac.push_back(bwd / count);
    }
    attention_curves_.push_back(std::move(curve));
  }

  std::vector<BandwidthEfficiencyPoint> bw = profile_.memory_bandwidth;
  std::sort(bw.begin(), bw.end(), [](const auto& a, const auto& b) { return a.bytes < b.bytes; });
  for (std::size_t i = 0; i < bw.size();) {
    const double bytes = bw[i].bytes;
    double sum = 0;
    int count = 0;
    for (; i < bw.size() && bw[i].bytes == bytes; ++i, ++count) sum += bw[i].efficiency_frac;
    bandwidth_curve_.log_bytes.push_back(std::log(bytes));
    bandwidth_curve_.efficiency_frac.push_back(sum / count);
  }
}

// The table each precision is answered from (see the header): its own measured points, plus
//  - bf16 <-> fp16: the other 16-bit format's points at shapes it did not measure itself (same
//    tensor-core rate, so a sparse fp16 table gains the dense bf16 one without changing any
//    fp16 measurement);
//  - fp8 without a table: the 16-bit points scaled by max_eff(fp8) / max_eff(bf16) (the 16-bit
//    shape dependence at fp8's lower best efficiency).
// tf32 and fp32 only use their own points (tf32 runs on tensor cores, fp32 on the SIMT units).
void ComputeCost::build_gemm_tables() {
  const auto own = [&](Precision p) -> const std::vector<GemmEfficiencyPoint>& {
    return profile_.gemm_tables[index_of(p)];
  };
  // Appends `points` (scaled) to `to`'s table, skipping shapes that `measured` already has.
  const auto add = [&](Precision to, const std::vector<GemmEfficiencyPoint>& points, double scale,
                       const std::vector<GemmEfficiencyPoint>* measured) {
    auto& table = gemm_log_tables_[index_of(to)];
    for (const auto& point : points) {
      assert(point.m > 0 && point.n > 0 && point.k > 0 && point.efficiency_frac > 0);
      if (measured &&
          std::any_of(measured->begin(), measured->end(), [&](const GemmEfficiencyPoint& q) {
            return q.m == point.m && q.n == point.n && q.k == point.k;
          }))
        continue;
      table.push_back({std::log(point.m), std::log(point.n), std::log(point.k),
                       std::min(1.0, scale * point.efficiency_frac)});
    }
  };
  for (std::size_t i = 0; i < kPrecisionCount; ++i)
    add(static_cast<Precision>(i), profile_.gemm_tables[i], 1.0, nullptr);
  add(Precision::bf16, own(Precision::fp16), 1.0, &own(Precision::bf16));
  add(Precision::fp16, own(Precision::bf16), 1.0, &own(Precision::fp16));
  if (own(Precision::fp8).empty()) {
    const Precision source = own(Precision::bf16).empty() ? Precision::fp16 : Precision::bf16;
    const double scale =
        profile_.gemm_max_efficiency_for(Precision::fp8) / profile_.gemm_max_efficiency_for(source);
    add(Precision::fp8, own(Precision::bf16), scale, nullptr);
    add(Precision::fp8, own(Precision::fp16), scale, &own(Precision::bf16));
  }
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    LogBox& box = gemm_table_boxes_[i];
    for (int d = 0; d < 3; ++d) box.lo[d] = box.hi[d] = 0;
    bool first = true;
    for (const auto& p : gemm_log_tables_[i]) {
      const double v[3] = {p.log_m, p.log_n, p.log_k};
      for (int d = 0; d < 3; ++d) {
        box.lo[d] = first ? v[d] : std::min(box.lo[d], v[d]);
        box.hi[d] = first ? v[d] : std::max(box.hi[d], v[d]);
      }
      first = false;
    }
  }
}

double ComputeCost::peak_flops_per_s(Precision precision, const char* what) const {
  const double peak = gpu_.peak_flops_per_s(precision);
  if (!(peak > 0))
    throw InfeasibleError(fmt::format(
        "{} in {} cannot run on {}: its preset gives no dense {} throughput; choose a precision "
        "this GPU supports",
        what, name_of(precision), gpu_.name, name_of(precision)));
  return peak;
}

double ComputeCost::estimate_s(const Op& op) const {
  return slowdown_ * nominal_estimate_s(op);
}

double ComputeCost::nominal_estimate_s(const Op& op) const {
  assert(op.flops >= 0 && op.bytes >= 0 && op.kernels >= 0 && "negative work in an Op");
  const double launch_s = op.kernels * profile_.kernel_launch_overhead_s;
  switch (op.kind) {
    case OpKind::gemm: {
      if (op.flops == 0) return 0.0;
      assert(!gemm_shape_empty(op.gemm) && "GEMM op with FLOPs but no shape");
      const double peak = peak_flops_per_s(op.precision, "a GEMM");
      return op.flops / (peak * gemm_efficiency_frac(op.gemm, op.precision)) + launch_s;
    }
    case OpKind::attention: {
      if (op.flops == 0) return 0.0;
      assert(!attention_shape_empty(op.attention) && "attention op with FLOPs but no shape");
      // The attention curve is measured in 16-bit; fp8 attention runs at the bf16 rate (FP8
      // training recipes keep attention in bf16).
      const Precision p = op.precision == Precision::fp8 ? Precision::bf16 : op.precision;
      const double peak = peak_flops_per_s(p, "attention");
      return op.flops / (peak * attention_efficiency_frac(op.attention, op.pass)) + launch_s;
    }
    case OpKind::memory_bound: {
      if (op.bytes == 0) return 0.0;
      // Each kernel of the op moves its share of the bytes; small kernels reach less bandwidth.
      const double bytes_per_kernel = op.bytes / std::max(1, op.kernels);
      return op.bytes / memory_bandwidth_Bps(bytes_per_kernel) + launch_s;
    }
  }
  assert(false && "unhandled OpKind");
  return 0.0;
}

double ComputeCost::best_memory_bandwidth_Bps() const {
  if (bandwidth_curve_.efficiency_frac.empty())
    return gpu_.hbm_Bps * profile_.memory_bandwidth_efficiency_frac;
  return gpu_.hbm_Bps * *std::max_element(bandwidth_curve_.efficiency_frac.begin(),
                                          bandwidth_curve_.efficiency_frac.end());
}

double ComputeCost::memory_bandwidth_Bps(double bytes) const {
  assert(bytes >= 0 && "negative byte count");
  if (bandwidth_curve_.log_bytes.empty())
    return gpu_.hbm_Bps * profile_.memory_bandwidth_efficiency_frac;
  // Below the smallest measured size the efficiency stays at its first value (time keeps falling
  // linearly with bytes, down to the launch overhead).
  const double x = bytes > 0 ? std::log(bytes) : bandwidth_curve_.log_bytes.front();
  return gpu_.hbm_Bps *
         interpolate_clamped(bandwidth_curve_.log_bytes, bandwidth_curve_.efficiency_frac, x);
}

double ComputeCost::roofline_gemm_efficiency_frac(const GemmShape& shape, Precision precision,
                                                  double max_efficiency_frac) const {
  if (gemm_shape_empty(shape)) return 0.0;
  assert(max_efficiency_frac > 0 && max_efficiency_frac <= 1);
  const double peak = peak_flops_per_s(precision, "a GEMM");
  const double flops = 2.0 * static_cast<double>(shape.m) * static_cast<double>(shape.n) *
                       static_cast<double>(shape.k) * static_cast<double>(shape.batch);
  const TileWaves tw = tile_waves(shape, precision, gpu_.sm_count);
  const double compute_s = flops / (peak * max_efficiency_frac * tw.utilization_frac);
  const double memory_s =
      gemm_traffic_bytes(shape, precision, tw.split_k) / best_memory_bandwidth_Bps();
  return flops / (peak * std::max(compute_s, memory_s));
}

double ComputeCost::table_gemm_efficiency_frac(const std::vector<LogGemmPoint>& table, double lm,
                                               double ln, double lk) const {
  assert(!table.empty());

  // The K+1 nearest points by squared distance (insertion into a small sorted buffer).
  constexpr std::size_t kKept = kIdwNeighbours + 1;
  std::array<std::pair<double, double>, kKept> nearest;  // (distance², efficiency)
  std::size_t count = 0;
  for (const auto& p : table) {
    const double dm = p.log_m - lm, dn = p.log_n - ln, dk = p.log_k - lk;
    const double d2 = dm * dm + dn * dn + dk * dk;
    if (count < kKept) {
      nearest[count++] = {d2, p.efficiency_frac};
    } else if (d2 < nearest[count - 1].first) {
      nearest[count - 1] = {d2, p.efficiency_frac};
    } else {
      continue;
    }
    for (std::size_t i = count - 1; i > 0 && nearest[i].first < nearest[i - 1].first; --i)
      std::swap(nearest[i], nearest[i - 1]);
  }

  if (nearest[0].first < kSamePointDistance2) {  // a measured shape: its value (averaged)
    double sum = 0;
    int same = 0;
    for (std::size_t i = 0; i < count && nearest[i].first < kSamePointDistance2; ++i, ++same)
      sum += nearest[i].second;
    return sum / same;
  }
  // Support radius: the (K+1)-th distance; with K or fewer points, just beyond the farthest.
  const std::size_t used = std::min(count, kIdwNeighbours);
  const double radius = count > kIdwNeighbours ? std::sqrt(nearest[kIdwNeighbours].first)
                                               : std::sqrt(nearest[count - 1].first) * (1 + 1e-9);
  double weighted = 0, weights = 0;
  for (std::size_t i = 0; i < used; ++i) {
    const double d = std::sqrt(nearest[i].first);
    const double w = std::pow(std::max(0.0, radius - d) / (radius * d), kIdwPower);
    weighted += w * nearest[i].second;
    weights += w;
  }
  if (!(weights > 0)) return nearest[0].second;  // all K tied with the (K+1)-th: nearest wins
  return weighted / weights;
}

double ComputeCost::gemm_efficiency_frac(const GemmShape& shape, Precision precision) const {
  if (gemm_shape_empty(shape)) return 0.0;

  const auto& table = gemm_log_tables_[index_of(precision)];
  if (table.empty())
    return roofline_gemm_efficiency_frac(shape, precision,
                                         profile_.gemm_max_efficiency_for(precision));
  // Clamp each dimension to the table's range; outside it, the roofline says how much worse
  // (never better) the real shape is than its clamped copy.
  const LogBox& box = gemm_table_boxes_[index_of(precision)];
  const double logs[3] = {std::log(static_cast<double>(shape.m)),
                          std::log(static_cast<double>(shape.n)),
                          std::log(static_cast<double>(shape.k))};
  double clamped[3];
  bool outside = false;
  for (int d = 0; d < 3; ++d) {
    clamped[d] = std::clamp(logs[d], box.lo[d], box.hi[d]);
    outside = outside || clamped[d] != logs[d];
  }
  double table_frac = table_gemm_efficiency_frac(table, clamped[0], clamped[1], clamped[2]);
  if (outside) {
    GemmShape inside = shape;
    inside.m = std::max<std::int64_t>(1, std::llround(std::exp(clamped[0])));
    inside.n = std::max<std::int64_t>(1, std::llround(std::exp(clamped[1])));
    inside.k = std::max<std::int64_t>(1, std::llround(std::exp(clamped[2])));
    const double ratio = tile_waves(shape, precision, gpu_.sm_count).utilization_frac /
                         tile_waves(inside, precision, gpu_.sm_count).utilization_frac;
    table_frac *= std::min(1.0, ratio);
  }

  // Memory roofline (per GEMM of a batch): a GEMV is memory-bound whatever its neighbours in the
  // table did. Never faster than moving A, B and C at the best bandwidth.
  const GemmShape one = {shape.m, shape.n, shape.k, 1};
  const double flops = 2.0 * static_cast<double>(shape.m) * static_cast<double>(shape.n) *
                       static_cast<double>(shape.k);
  const double memory_s = gemm_traffic_bytes(one, precision, 1) / best_memory_bandwidth_Bps();
  const double memory_cap_frac = flops / (peak_flops_per_s(precision, "a GEMM") * memory_s);
  return std::min(table_frac, memory_cap_frac);
}

double ComputeCost::attention_efficiency_frac(const AttentionShape& shape, Pass pass) const {
  if (attention_shape_empty(shape)) return 0.0;
  const bool backward = pass == Pass::backward;

  double frac = 0;
  if (attention_curves_.empty()) {
    frac = backward ? profile_.attention_backward_max_efficiency()
                    : profile_.attention_max_efficiency_frac;
  } else {
    // Sequence length: geometric mean of the query and key lengths (they are equal in the
    // measurements; context parallelism splits the queries).
    const double log_seq = 0.5 * (std::log(static_cast<double>(shape.seq_q)) +
                                  std::log(static_cast<double>(shape.seq_kv)));
    const auto at = [&](const AttentionCurve& c) {
      return interpolate_clamped(c.log_seq_len, backward ? c.backward_frac : c.forward_frac,
                                 log_seq);
    };
    const double log_d = std::log(static_cast<double>(shape.head_dim));
    if (log_d <= attention_curves_.front().log_head_dim) {
      frac = at(attention_curves_.front());
    } else if (log_d >= attention_curves_.back().log_head_dim) {
      frac = at(attention_curves_.back());
    } else {
      std::size_t hi = 1;
      while (attention_curves_[hi].log_head_dim < log_d) ++hi;
      const AttentionCurve& a = attention_curves_[hi - 1];
      const AttentionCurve& b = attention_curves_[hi];
      const double t = (log_d - a.log_head_dim) / (b.log_head_dim - a.log_head_dim);
      frac = at(a) + t * (at(b) - at(a));
    }
  }

  // Too few CTAs to occupy every SM (small batch × heads on a TP rank, short sequences): the
  // idle SMs are lost. The calibration points themselves fill the GPU (≥ 2048 CTAs on H100).
  if (gpu_.sm_count > 0) {
    const double rows = static_cast<double>(backward ? shape.seq_kv : shape.seq_q);
    const double ctas = static_cast<double>(shape.batch) * static_cast<double>(shape.heads) *
                        std::ceil(rows / kAttentionBlockRows);
    frac *= std::min(1.0, ctas / gpu_.sm_count);
  }
  return frac;
}

}  // namespace trainsim
