#include "calibrate/fit/microbench_import.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/compute/compute_cost.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::calibrate {

namespace fs = std::filesystem;

namespace {

// FlashAttention's FLOP convention: the backward pass executes 2.5x the forward FLOPs (five
// matmuls instead of two; the score matrix is recomputed). See AttentionEfficiencyPoint.
constexpr double kAttentionBackwardFlopsPerForward = 2.5;
// Profile numbers are written with this many significant digits.
constexpr int kSignificantDigits = 6;

double round_sig(double x) {
  if (x == 0 || !std::isfinite(x)) return x;
  return std::stod(fmt::format("{:.{}g}", x, kSignificantDigits));
}

std::string where(const fs::path& file, std::size_t line) {
  return fmt::format("{}:{}", file.string(), line);
}

// Runs `read` on one row; an InputError from it is re-thrown naming the file and line.
template <class F>
auto at_row(const fs::path& file, const JsonlRow& row, F&& read) {
  try {
    return read(row.value);
  } catch (const InputError& e) {
    throw InputError(where(file, row.line), e.what());
  }
}

// Kernel time of a measurement: the measured time minus the one launch ComputeCost adds back.
double kernel_time_s(double measured_s, double launch_s) {
  return measured_s - launch_s;
}

Op gemm_op(Precision p, std::int64_t m, std::int64_t n, std::int64_t k) {
  Op op;
  op.name = "gemm";
  op.kind = OpKind::gemm;
  op.precision = p;
  op.gemm = {m, n, k, 1};
  op.flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  return op;
}

Op attention_op(Pass pass, Precision p, const AttentionShape& shape, double flops) {
  Op op;
  op.name = "attention";
  op.kind = OpKind::attention;
  op.pass = pass;
  op.precision = p;
  op.attention = shape;
  op.flops = flops;
  return op;
}

Op memory_op(double bytes) {
  Op op;
  op.name = "memory";
  op.kind = OpKind::memory_bound;
  op.bytes = bytes;
  return op;
}

double require_peak(const GpuPeaks& peaks, Precision p, const std::string& at) {
  const double peak = peaks.dense_peak_flops_per_s[index_of(p)];
  if (!(peak > 0))
    throw InputError(at, fmt::format("no dense {} peak for GPU '{}' (from {}); cannot compute "
                                     "an efficiency",
                                     name_of(p), peaks.gpu, peaks.origin));
  return peak;
}

// ---- copy.jsonl -----------------------------------------------------------------------------

struct CopyData {
  std::optional<double> launch_s;
  std::optional<double> host_to_device_Bps;
  double host_to_device_bytes = 0;
  // DRAM traffic (bytes read + written) → measured times, with labels.
  std::map<double, std::vector<std::pair<double, std::string>>> traffic;
  // Read-only and write-only kernels: bytes moved → measured times (validation only).
  std::vector<std::tuple<double, double, std::string>> one_way;
  std::size_t rows = 0;
};

CopyData read_copy(const fs::path& file) {
  CopyData out;
  for (const JsonlRow& row : read_jsonl(file)) {
    ++out.rows;
    at_row(file, row, [&](const Json& v) {
      const std::string op = require_string(v, "op", "");
      if (op == "launch_100_tiny") {
        out.launch_s = optional_positive_number(v, "s_per_launch", "")
                           .value_or(require_positive_number(v, "s_med", "") / 100.0);
      } else if (op == "d2d_copy" || op == "add") {
        // A copy reads and writes `bytes`. The add rows compute a + a: one tensor read (twice,
        // the second time from cache) and one written, so DRAM traffic is also 2 x bytes (their
        // gbps_rw counts 3 x bytes, overstating DRAM traffic by 1.5x).
        const double bytes = require_positive_number(v, "bytes", "");
        const double s = require_positive_number(v, "s_med", "");
        out.traffic[2.0 * bytes].emplace_back(s, fmt::format("{} {} bytes", op, bytes));
      } else if (op == "h2d_pinned") {
        const double bytes = require_positive_number(v, "bytes", "");
        const double s = require_positive_number(v, "s_med", "");
        if (bytes >= out.host_to_device_bytes) {  // the largest transfer: asymptotic bandwidth
          out.host_to_device_bytes = bytes;
          out.host_to_device_Bps = bytes / s;
        }
      } else if (op == "d2h_pinned") {
        require_positive_number(v, "s_med", "");  // not used by the profile
      } else if (op == "d2d_read" || op == "d2d_write") {
        const double bytes = require_positive_number(v, "bytes", "");
        const double s = require_positive_number(v, "s_med", "");
        out.one_way.emplace_back(bytes, s, fmt::format("{} {} bytes", op, bytes));
      } else {
        throw InputError(
            "op", unknown_name_message("copy benchmark", op,
                                       {"d2d_copy", "add", "d2d_read", "d2d_write", "h2d_pinned",
                                        "d2h_pinned", "launch_100_tiny"}));
      }
      return 0;
    });
  }
  return out;
}

// ---- gemm.jsonl -----------------------------------------------------------------------------

struct GemmRow {
  std::string label;
  double measured_s;
};
using GemmKey = std::tuple<std::size_t, std::int64_t, std::int64_t, std::int64_t>;  // p,m,n,k
struct GemmShapeData {
  std::vector<GemmRow> rows;
  std::string first_where;
};

std::map<GemmKey, GemmShapeData> read_gemm(const fs::path& file, std::vector<std::string>& notes) {
  std::map<GemmKey, GemmShapeData> out;
  double worst_tflops_mismatch = 0;
  bool saw_tflops = false;
  for (const JsonlRow& row : read_jsonl(file)) {
    at_row(file, row, [&](const Json& v) {
      const std::int64_t m = require_positive_int(v, "m", "");
      const std::int64_t n = require_positive_int(v, "n", "");
      const std::int64_t k = require_positive_int(v, "k", "");
      const std::string dtype = require_string(v, "dtype", "");
      const auto precision = precision_from_dtype(dtype);
      if (!precision)
        throw InputError("dtype", fmt::format("unknown dtype '{}'; allowed: bf16/bfloat16, "
                                              "fp16/float16, fp32/float32, tf32, fp8",
                                              dtype));
      const double s = require_positive_number(v, "s_med", "");
      if (const auto tflops = optional_positive_number(v, "tflops", "")) {
        saw_tflops = true;
        const double expected = 2.0 * m * n * k / s / 1e12;
        worst_tflops_mismatch = std::max(worst_tflops_mismatch, std::fabs(*tflops / expected - 1));
      }
      std::string label = fmt::format("{}x{}x{} {}", m, n, k, name_of(*precision));
      if (const auto layer = optional_string(v, "layer", "")) {
        const auto kind = optional_string(v, "kind", "").value_or("");
        label = fmt::format("{} {} ({}{})", label, *layer, kind,
                            v.contains("h") ? fmt::format(" h={} tokens={}", v["h"].dump(),
                                                          v.value("tokens", Json()).dump())
                                            : "");
      }
      auto& shape = out[{index_of(*precision), m, n, k}];
      if (shape.rows.empty()) shape.first_where = where(file, row.line);
      shape.rows.push_back({label, s});
      return 0;
    });
  }
  if (saw_tflops)
    notes.push_back(
        fmt::format("gemm.jsonl: tflops = 2mnk/s_med on every row (largest deviation "
                    "{:.2g}); FLOPs are taken from m, n, k and times from s_med",
                    worst_tflops_mismatch));
  notes.push_back(
      "gemm.jsonl: repeats of a shape (fwd/dgrad/wgrad layouts, square runs) are "
      "averaged in time into one table point");
  return out;
}

// ---- sdpa.jsonl -----------------------------------------------------------------------------

struct SdpaRow {
  AttentionShape shape;
  Precision precision = Precision::bf16;
  double forward_flops = 0;  // executed (causal: half the score matrix)
  double forward_s = 0, forward_backward_s = 0;
  std::string label, at;
};

std::vector<SdpaRow> read_sdpa(const fs::path& file, std::vector<std::string>& notes) {
  std::vector<SdpaRow> out;
  std::optional<double> tflops_convention, fwd_bwd_multiplier;
  bool dtype_given = false;
  for (const JsonlRow& row : read_jsonl(file)) {
    out.push_back(at_row(file, row, [&](const Json& v) {
      SdpaRow r;
      const std::int64_t b = require_positive_int(v, "b", "");
      const std::int64_t heads = require_positive_int(v, "heads", "");
      const std::int64_t s = require_positive_int(v, "s", "");
      const std::int64_t d = require_positive_int(v, "d", "");
      const bool causal = optional_bool(v, "causal", "").value_or(true);
      r.shape = {b, heads, heads, s, s, d, causal};
      if (const auto dtype = optional_string(v, "dtype", "")) {
        const auto p = precision_from_dtype(*dtype);
        if (!p) throw InputError("dtype", fmt::format("unknown dtype '{}'", *dtype));
        r.precision = *p;
        dtype_given = true;
      }
      r.forward_s = require_positive_number(v, "s_fwd", "");
      r.forward_backward_s = require_positive_number(v, "s_fwd_bwd", "");
      if (!(r.forward_backward_s > r.forward_s))
        throw InputError("s_fwd_bwd", fmt::format("must exceed s_fwd ({} <= {})",
                                                  r.forward_backward_s, r.forward_s));
      const double full = 4.0 * b * heads * static_cast<double>(s) * s * d;
      r.forward_flops = causal ? full / 2 : full;
      // Which FLOP count did the benchmark's tflops use? ratio 1 = executed (causal halved),
      // 2 = full score matrix.
      if (const auto tf = optional_positive_number(v, "tflops_fwd", "")) {
        tflops_convention = *tf * 1e12 * r.forward_s / r.forward_flops;
        if (const auto tfb = optional_positive_number(v, "tflops_fwd_bwd", ""))
          fwd_bwd_multiplier = (*tfb * r.forward_backward_s) / (*tf * r.forward_s);
      }
      r.label = fmt::format("b={} heads={} s={} d={}{}", b, heads, s, d, causal ? " causal" : "");
      r.at = where(file, row.line);
      return r;
    }));
  }
  if (tflops_convention)
    notes.push_back(fmt::format(
        "sdpa.jsonl: tflops_fwd counts {:.3g}x the executed FLOPs ({}); fwd+bwd tflops count "
        "{:.3g}x the forward FLOPs, i.e. backward = {:.3g}x forward. The profile uses executed "
        "FLOPs (causal: half the score matrix) and backward = {}x forward, computed from the "
        "shapes and times, not from the tflops fields",
        *tflops_convention,
        std::fabs(*tflops_convention - 1) < 0.02 ? "causal masking already halved"
                                                 : "causal masking NOT halved",
        fwd_bwd_multiplier.value_or(0), fwd_bwd_multiplier.value_or(1) - 1,
        kAttentionBackwardFlopsPerForward));
  if (!dtype_given)
    notes.push_back(
        "sdpa.jsonl: no dtype field; assumed bf16 (efficiency against the 16-bit "
        "tensor-core peak)");
  return out;
}

// ---- norm.jsonl -----------------------------------------------------------------------------

struct NormRow {
  double bytes = 0, measured_s = 0;
  std::string op, label;
};

std::vector<NormRow> read_norm(const fs::path& file) {
  std::vector<NormRow> out;
  for (const JsonlRow& row : read_jsonl(file)) {
    out.push_back(at_row(file, row, [&](const Json& v) {
      NormRow r;
      const std::string op = require_string(v, "op", "");
      r.op = op;
      r.measured_s = require_positive_number(v, "s_med", "");
      // gbps_rw counts the bytes the kernel reads and writes once each.
      r.bytes = require_positive_number(v, "gbps_rw", "") * 1e9 * r.measured_s;
      r.label = fmt::format("{} h={} tokens={}", op, v.value("h", Json()).dump(),
                            v.value("tokens", Json()).dump());
      return r;
    }));
  }
  return out;
}

}  // namespace

std::optional<Precision> precision_from_dtype(std::string_view dtype) {
  if (auto p = parse_precision(dtype)) return p;
  if (dtype == "bfloat16") return Precision::bf16;
  if (dtype == "float16" || dtype == "half") return Precision::fp16;
  if (dtype == "float32" || dtype == "float") return Precision::fp32;
  if (dtype == "float8_e4m3fn" || dtype == "float8_e5m2" || dtype == "e4m3" || dtype == "e5m2")
    return Precision::fp8;
  return std::nullopt;
}

std::vector<JsonlRow> read_jsonl(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string(), "cannot open file (does it exist and is it readable?)");
  std::vector<JsonlRow> rows;
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json value = parse_json_text(text, where(file, line));
    if (!value.is_object())
      throw InputError(where(file, line), fmt::format("expected one JSON object per line, got {}",
                                                      describe_json_type(value)));
    rows.push_back({line, std::move(value)});
  }
  return rows;
}

void Agreement::add(double measured_s, double predicted_s, std::string_view label) {
  stats_.add(predicted_s / measured_s - 1, fmt::format("{}: measured {:.4g} s, predicted {:.4g} s",
                                                       label, measured_s, predicted_s));
  count = stats_.count();
  mean_rel_err = stats_.mean();
  mean_abs_rel_err = stats_.mape();
  max_abs_rel_err = stats_.worst_abs();
  worst = stats_.worst_item();
}

Json Agreement::to_json() const {
  return Json{{"count", count},
              {"mean_abs_rel_err", round_sig(mean_abs_rel_err)},
              {"mean_rel_err", round_sig(mean_rel_err)},
              {"max_abs_rel_err", round_sig(max_abs_rel_err)},
              {"worst", worst}};
}

MicrobenchImport import_microbench(const fs::path& dir, const GpuPeaks& peaks,
                                   const MicrobenchImportOptions& options) {
  if (!(peaks.hbm_Bps > 0))
    throw InputError("hbm_GBps", fmt::format("GPU '{}' needs an HBM bandwidth", peaks.gpu));
  const fs::path gemm_file = dir / "gemm.jsonl", copy_file = dir / "copy.jsonl",
                 sdpa_file = dir / "sdpa.jsonl", norm_file = dir / "norm.jsonl",
                 env_file = dir / "env.jsonl";
  const auto present = [](const fs::path& f) {
    std::error_code ec;
    return fs::is_regular_file(f, ec);
  };
  if (!present(gemm_file))
    throw InputError(gemm_file.string(), "required microbenchmark file is missing");

  MicrobenchImport out;
  const GpuSpec spec = to_gpu_spec(peaks);
  HardwareProfile& profile = out.profile;
  profile = datasheet_default_profile(spec);  // parts without measurements keep these
  profile.name = options.profile_name.empty() ? fmt::format("{} (microbenchmark import)", peaks.gpu)
                                              : options.profile_name;
  profile.gpu = peaks.gpu;

  Json inputs = Json::object();
  Json environment;
  if (present(env_file)) {
    const auto rows = read_jsonl(env_file);
    inputs["env.jsonl"] = rows.size();
    if (!rows.empty()) {
      environment = rows.front().value;
      if (environment.contains("sms") && environment["sms"].is_number_integer() &&
          peaks.sm_count > 0 && environment["sms"].get<int>() != peaks.sm_count)
        out.notes.push_back(fmt::format("env.jsonl reports {} SMs, the GPU peaks {}",
                                        environment["sms"].get<int>(), peaks.sm_count));
    }
  }

  // Launch overhead first: every other efficiency is computed net of one launch.
  CopyData copy;
  if (present(copy_file)) {
    copy = read_copy(copy_file);
    inputs["copy.jsonl"] = copy.rows;
  }
  if (copy.launch_s) {
    profile.kernel_launch_overhead_s = round_sig(*copy.launch_s * 1e6) / 1e6;
  } else {
    out.notes.push_back("no launch_100_tiny row: launch overhead is the datasheet default");
  }
  const double launch_s = profile.kernel_launch_overhead_s;
  if (copy.host_to_device_Bps)
    profile.host_to_device_Bps = round_sig(*copy.host_to_device_Bps / 1e9) * 1e9;

  if (!copy.traffic.empty()) {
    const auto defaults = profile.memory_bandwidth;
    profile.memory_bandwidth.clear();
    std::size_t within_launch = 0;
    for (const auto& [traffic, runs] : copy.traffic) {
      double sum = 0;
      for (const auto& run : runs) sum += run.first;
      const double measured_s = sum / runs.size();
      if (traffic / (measured_s * peaks.hbm_Bps) > 1)
        throw InputError(copy_file.string(),
                         fmt::format("{} bytes moved in {} s exceeds the HBM bandwidth {} GB/s",
                                     traffic, measured_s, peaks.hbm_Bps / 1e9));
      const double kernel_s = kernel_time_s(measured_s, launch_s);
      const double eff = traffic / (kernel_s * peaks.hbm_Bps);
      if (!(kernel_s > 0) || eff > 1) {  // within one launch of the HBM time: no information
        ++within_launch;
        continue;
      }
      profile.memory_bandwidth.push_back({traffic, round_sig(eff)});
    }
    if (within_launch)
      out.notes.push_back(fmt::format(
          "copy.jsonl: {} size(s) took less than one launch ({} s) more than HBM needs; left "
          "out of the bandwidth curve",
          within_launch, launch_s));
    if (profile.memory_bandwidth.empty()) {
      profile.memory_bandwidth = defaults;
    } else {
      double best = 0;
      for (const auto& p : profile.memory_bandwidth) best = std::max(best, p.efficiency_frac);
      profile.memory_bandwidth_efficiency_frac = best;
    }
  }

  // GEMM tables.
  const auto gemm_shapes = read_gemm(gemm_file, out.notes);
  std::size_t gemm_rows = 0;
  for (auto& table : profile.gemm_tables) table.clear();
  profile.gemm_max_efficiency_frac_by_precision = {};
  std::vector<std::string> gemm_within_launch;
  for (const auto& [key, data] : gemm_shapes) {
    const auto [p_index, m, n, k] = key;
    const auto p = static_cast<Precision>(p_index);
    const double peak = require_peak(peaks, p, data.first_where);
    double sum = 0;
    for (const auto& row : data.rows) sum += row.measured_s;
    gemm_rows += data.rows.size();
    const double flops = 2.0 * m * n * k;
    const double measured_s = sum / data.rows.size();
    if (flops / (peak * measured_s) > 1)
      throw InputError(data.first_where,
                       fmt::format("{}x{}x{} {}: {} s is faster than the dense peak {} TFLOP/s", m,
                                   n, k, name_of(p), measured_s, peak / 1e12));
    const double kernel_s = kernel_time_s(measured_s, launch_s);
    const double eff = flops / (peak * kernel_s);
    if (!(kernel_s > 0) || eff > 1) {
      // Less than one launch overhead above the peak time: the efficiency is not measurable.
      gemm_within_launch.push_back(fmt::format("{}x{}x{} {}", m, n, k, name_of(p)));
      continue;
    }
    profile.gemm_tables[p_index].push_back(
        {static_cast<double>(m), static_cast<double>(n), static_cast<double>(k), round_sig(eff)});
    auto& best = profile.gemm_max_efficiency_frac_by_precision[p_index];
    best = std::max(best, round_sig(eff));
  }
  inputs["gemm.jsonl"] = gemm_rows;
  if (!gemm_within_launch.empty())
    out.notes.push_back(fmt::format(
        "gemm.jsonl: {} shape(s) took less than one launch ({} s) more than the dense peak "
        "needs and were left out of the tables: {}",
        gemm_within_launch.size(), launch_s, fmt::join(gemm_within_launch, ", ")));
  {
    const auto& by = profile.gemm_max_efficiency_frac_by_precision;
    const double bf16 = by[index_of(Precision::bf16)];
    profile.gemm_max_efficiency_frac = bf16 > 0 ? bf16 : *std::max_element(by.begin(), by.end());
  }
  Json external = Json::object();
  if (profile.gemm_tables[index_of(Precision::fp8)].empty() &&
      options.fp8_max_efficiency_frac > 0) {
    profile.gemm_max_efficiency_frac_by_precision[index_of(Precision::fp8)] =
        options.fp8_max_efficiency_frac;
    external["gemm.max_efficiency_frac_by_precision.fp8"] = fmt::format(
        "{}: not measured here; stas00/ml-engineering 'Maximum Achievable Matmul FLOPS' (MAMF) "
        "table, "
        "H100 SXM fp8 e4m3 1402.6 of 1979 TFLOP/s (published-dev.json mamf-h100-sxm-fp8-v2)",
        options.fp8_max_efficiency_frac);
  }

  // Attention curve.
  std::vector<SdpaRow> sdpa;
  if (present(sdpa_file)) {
    sdpa = read_sdpa(sdpa_file, out.notes);
    inputs["sdpa.jsonl"] = sdpa.size();
  }
  if (!sdpa.empty()) {
    profile.attention.clear();
    double best_fwd = 0, best_bwd = 0;
    for (const SdpaRow& r : sdpa) {
      const double peak = require_peak(peaks, r.precision, r.at);
      const double fwd_s = kernel_time_s(r.forward_s, launch_s);
      const double bwd_s = kernel_time_s(r.forward_backward_s - r.forward_s, launch_s);
      const double fwd = r.forward_flops / (peak * fwd_s);
      const double bwd = kAttentionBackwardFlopsPerForward * r.forward_flops / (peak * bwd_s);
      if (!(fwd_s > 0 && bwd_s > 0) || fwd > 1 || bwd > 1)
        throw InputError(r.at, fmt::format("{}: times less one launch are faster than the dense "
                                           "peak (forward {:.3g}, backward {:.3g} of peak)",
                                           r.label, fwd, bwd));
      profile.attention.push_back({static_cast<double>(r.shape.seq_q),
                                   static_cast<double>(r.shape.head_dim), round_sig(fwd),
                                   round_sig(bwd)});
      best_fwd = std::max(best_fwd, round_sig(fwd));
      best_bwd = std::max(best_bwd, round_sig(bwd));
    }
    std::sort(profile.attention.begin(), profile.attention.end(), [](const auto& a, const auto& b) {
      return std::pair(a.head_dim, a.seq_len) < std::pair(b.head_dim, b.seq_len);
    });
    profile.attention_max_efficiency_frac = best_fwd;
    profile.attention_backward_max_efficiency_frac = best_bwd;
  }

  std::vector<NormRow> norm;
  if (present(norm_file)) {
    norm = read_norm(norm_file);
    inputs["norm.jsonl"] = norm.size();
  }

  // Agreement: ComputeCost with this profile against the measurements.
  const ComputeCost cost(spec, profile);
  for (const auto& [key, data] : gemm_shapes) {
    const auto [p_index, m, n, k] = key;
    const double predicted = cost.estimate_s(gemm_op(static_cast<Precision>(p_index), m, n, k));
    double sum = 0;
    for (const auto& row : data.rows) {
      sum += row.measured_s;
      out.gemm_rows.add(row.measured_s, predicted, row.label);
    }
    out.gemm_shapes.add(sum / data.rows.size(), predicted,
                        fmt::format("{}x{}x{} {} ({} runs)", m, n, k,
                                    name_of(static_cast<Precision>(p_index)), data.rows.size()));
    out.gemm_shape_residuals.push_back({static_cast<Precision>(p_index), m, n, k, data.rows.size(),
                                        sum / data.rows.size(), predicted, 0,
                                        data.rows.front().label});
  }
  {
    const auto& bf16 = profile.gemm_tables[index_of(Precision::bf16)];
    for (std::size_t i = 0; i < bf16.size() && bf16.size() > 1; ++i) {
      HardwareProfile without = profile;
      auto& table = without.gemm_tables[index_of(Precision::bf16)];
      table.erase(table.begin() + static_cast<std::ptrdiff_t>(i));
      // Also drop fp16's point at this shape, which the bf16 table would otherwise borrow.
      auto& fp16 = without.gemm_tables[index_of(Precision::fp16)];
      std::erase_if(fp16, [&](const GemmEfficiencyPoint& q) {
        return q.m == bf16[i].m && q.n == bf16[i].n && q.k == bf16[i].k;
      });
      const ComputeCost loo(spec, without);
      const auto m = static_cast<std::int64_t>(bf16[i].m), n = static_cast<std::int64_t>(bf16[i].n),
                 k = static_cast<std::int64_t>(bf16[i].k);
      const Op op = gemm_op(Precision::bf16, m, n, k);
      const double loo_s = loo.estimate_s(op);
      out.gemm_bf16_leave_one_out.add(cost.estimate_s(op), loo_s,
                                      fmt::format("{}x{}x{} bf16", m, n, k));
      for (GemmShapeResidual& r : out.gemm_shape_residuals)
        if (r.precision == Precision::bf16 && r.m == m && r.n == n && r.k == k)
          r.leave_one_out_s = loo_s;
    }
  }
  for (const SdpaRow& r : sdpa) {
    const double fwd =
        cost.estimate_s(attention_op(Pass::forward, r.precision, r.shape, r.forward_flops));
    const double bwd = cost.estimate_s(attention_op(
        Pass::backward, r.precision, r.shape, kAttentionBackwardFlopsPerForward * r.forward_flops));
    out.attention_forward.add(r.forward_s, fwd, r.label);
    out.attention_backward.add(r.forward_backward_s - r.forward_s, bwd, r.label);
    out.attention_forward_backward.add(r.forward_backward_s, fwd + bwd, r.label);
  }
  for (const auto& [traffic, runs] : copy.traffic)
    for (const auto& [measured_s, label] : runs)
      out.copy.add(measured_s, cost.estimate_s(memory_op(traffic)), label);
  for (const auto& [bytes, measured_s, label] : copy.one_way)
    out.memory_validation.add(measured_s, cost.estimate_s(memory_op(bytes)), label);
  for (const NormRow& r : norm)
    out.norm_by_op[r.op].add(r.measured_s, cost.estimate_s(memory_op(r.bytes)), r.label);

  // Provenance.
  Json agreement = Json::object();
  agreement["note"] =
      "relative error of ComputeCost with this profile against the measurements (time). In "
      "sample: gemm_shapes, gemm_rows, attention_*, copy. Out of sample: gemm_bf16_leave_one_out "
      "(each bf16 shape predicted without its own point) and norm_validation (not fitted)";
  agreement["gemm_shapes"] = out.gemm_shapes.to_json();
  agreement["gemm_rows"] = out.gemm_rows.to_json();
  if (out.gemm_bf16_leave_one_out.count)
    agreement["gemm_bf16_leave_one_out"] = out.gemm_bf16_leave_one_out.to_json();
  if (!sdpa.empty()) {
    agreement["attention_forward"] = out.attention_forward.to_json();
    agreement["attention_backward"] = out.attention_backward.to_json();
    agreement["attention_forward_backward"] = out.attention_forward_backward.to_json();
  }
  if (out.copy.count) agreement["copy"] = out.copy.to_json();
  if (out.memory_validation.count)
    agreement["read_write_only_validation"] = out.memory_validation.to_json();
  if (!out.norm_by_op.empty()) {
    Json by_op = Json::object();
    for (const auto& [op, a] : out.norm_by_op) by_op[op] = a.to_json();
    agreement["norm_validation"] = by_op;
  }

  profile.source = fmt::format(
      "imported from recorded microbenchmarks{} by trainsim-calibrate import-microbench: "
      "efficiency = achieved rate / datasheet peak, each time less one kernel launch",
      environment.is_object() && environment.contains("gpu")
          ? (environment.contains("torch") || !environment.contains("tool")
                 ? fmt::format(" ({}, torch {}, CUDA {})", environment.value("gpu", ""),
                               environment.value("torch", "?"), environment.value("cuda", "?"))
                 : fmt::format(" ({}, {}, CUDA {})", environment.value("gpu", ""),
                               environment.value("tool", "?"), environment.value("cuda", "?")))
          : "");
  Json source = Json::object();
  source["description"] = profile.source;
  source["kind"] = "microbenchmark-import";
  if (!options.command.empty()) source["command"] = options.command;
  source["inputs"] = Json{{"directory", dir.generic_string()}, {"rows", inputs}};
  if (!environment.is_null()) source["environment"] = environment;
  source["peaks"] = gpu_peaks_to_json(peaks);
  source["conventions"] = out.notes;
  if (!external.empty()) source["external"] = external;
  source["agreement"] = agreement;
  profile.source_details = std::move(source);
  return out;
}

}  // namespace trainsim::calibrate
