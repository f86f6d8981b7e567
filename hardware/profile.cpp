#include "hardware/profile.hpp"

#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

namespace {

// ---- JSON helpers -------------------------------------------------------------------------

std::string index_path(std::string_view path, std::size_t i) {
  return fmt::format("{}[{}]", path, i);
}

// An efficiency fraction: a number in (0, 1].
double require_fraction(const Json& obj, std::string_view key, std::string_view path) {
  const double x = require_number(obj, key, path);
  if (!(x > 0 && x <= 1))
    throw InputError(join_path(path, key),
                     fmt::format("must be a fraction of peak in (0, 1], got {}", x));
  return x;
}

std::optional<double> optional_fraction(const Json& obj, std::string_view key,
                                        std::string_view path) {
  if (!optional_number(obj, key, path)) return std::nullopt;
  return require_fraction(obj, key, path);
}

const Json& require_array(const Json& obj, std::string_view key, std::string_view path) {
  const Json& v = require_field(obj, key, path);
  if (!v.is_array())
    throw InputError(join_path(path, key),
                     fmt::format("expected an array, got {}", describe_json_type(v)));
  return v;
}

const Json* optional_object(const Json& obj, std::string_view key, std::string_view path) {
  require_object(obj, path);
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  require_object(*it, join_path(path, key));
  return &*it;
}

// A value converted to an edge unit (us, GB/s), rounded to 12 significant digits so that the
// conversion's floating-point noise (7.499999999999999) does not reach the file.
double to_edge_unit(double x) {
  if (x == 0 || !std::isfinite(x)) return x;
  return std::stod(fmt::format("{:.12g}", x));
}

// ---- sections -----------------------------------------------------------------------------

std::vector<GemmEfficiencyPoint> parse_gemm_table(const Json& array, std::string_view path) {
  std::vector<GemmEfficiencyPoint> table;
  table.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string p = index_path(path, i);
    const Json& row = array[i];
    require_object(row, p);
    reject_unknown_fields(row, p, {"m", "n", "k", "efficiency"});
    table.push_back({static_cast<double>(require_positive_int(row, "m", p)),
                     static_cast<double>(require_positive_int(row, "n", p)),
                     static_cast<double>(require_positive_int(row, "k", p)),
                     require_fraction(row, "efficiency", p)});
  }
  return table;
}

void parse_gemm(const Json& gemm, std::string_view path, HardwareProfile& out) {
  reject_unknown_fields(gemm, path,
                        {"max_efficiency_frac", "max_efficiency_frac_by_precision", "tables"});
  out.gemm_max_efficiency_frac = require_fraction(gemm, "max_efficiency_frac", path);

  const auto unknown_precision = [](std::string_view key, std::string_view at) {
    const std::vector<std::string> names(kPrecisionNames.begin(), kPrecisionNames.end());
    return InputError(join_path(at, key), unknown_name_message("precision", key, names));
  };
  if (const Json* by = optional_object(gemm, "max_efficiency_frac_by_precision", path)) {
    const std::string p = join_path(path, "max_efficiency_frac_by_precision");
    for (const auto& [key, value] : by->items()) {
      const auto precision = parse_precision(key);
      if (!precision) throw unknown_precision(key, p);
      out.gemm_max_efficiency_frac_by_precision[index_of(*precision)] =
          require_fraction(*by, key, p);
    }
  }
  if (const Json* tables = optional_object(gemm, "tables", path)) {
    const std::string p = join_path(path, "tables");
    for (const auto& [key, value] : tables->items()) {
      const auto precision = parse_precision(key);
      if (!precision) throw unknown_precision(key, p);
      out.gemm_tables[index_of(*precision)] =
          parse_gemm_table(require_array(*tables, key, p), join_path(p, key));
    }
  }
}

void parse_attention(const Json& attention, std::string_view path, HardwareProfile& out) {
  reject_unknown_fields(attention, path,
                        {"max_efficiency_frac", "backward_max_efficiency_frac", "points"});
  out.attention_max_efficiency_frac = require_fraction(attention, "max_efficiency_frac", path);
  out.attention_backward_max_efficiency_frac =
      optional_fraction(attention, "backward_max_efficiency_frac", path).value_or(0.0);
  if (attention.contains("points") && !attention["points"].is_null()) {
    const Json& points = require_array(attention, "points", path);
    const std::string p = join_path(path, "points");
    for (std::size_t i = 0; i < points.size(); ++i) {
      const std::string pi = index_path(p, i);
      const Json& row = points[i];
      require_object(row, pi);
      reject_unknown_fields(row, pi,
                            {"seq_len", "head_dim", "forward_efficiency", "backward_efficiency"});
      out.attention.push_back({static_cast<double>(require_positive_int(row, "seq_len", pi)),
                               static_cast<double>(require_positive_int(row, "head_dim", pi)),
                               require_fraction(row, "forward_efficiency", pi),
                               require_fraction(row, "backward_efficiency", pi)});
    }
  }
}

void parse_memory_bandwidth(const Json& memory, std::string_view path, HardwareProfile& out) {
  reject_unknown_fields(memory, path, {"efficiency_frac", "points"});
  out.memory_bandwidth_efficiency_frac = require_fraction(memory, "efficiency_frac", path);
  if (memory.contains("points") && !memory["points"].is_null()) {
    const Json& points = require_array(memory, "points", path);
    const std::string p = join_path(path, "points");
    for (std::size_t i = 0; i < points.size(); ++i) {
      const std::string pi = index_path(p, i);
      const Json& row = points[i];
      require_object(row, pi);
      reject_unknown_fields(row, pi, {"bytes", "efficiency"});
      out.memory_bandwidth.push_back(
          {require_positive_number(row, "bytes", pi), require_fraction(row, "efficiency", pi)});
    }
  }
}

// ---- datasheet defaults -------------------------------------------------------------------

// Achieved fractions of the datasheet peaks for one GPU generation, each with its basis.
// hardware/profiles/README.md repeats this table for readers.
struct GenerationDefaults {
  std::string_view generation;
  double gemm_max_efficiency_frac;
  double fp8_gemm_max_efficiency_frac;  // 0 = same as gemm_max_efficiency_frac
  double attention_forward_frac;
  double attention_backward_frac;
  double memory_bandwidth_frac;
  std::string_view basis;
};

// Kernel launch plus framework dispatch per kernel for uncalibrated GPUs: bare CUDA launches cost
// ~2-3 us, eager PyTorch ops ~5-10 us (7.1 us per tiny op measured in the H100 microbench,
// calibrate/data/h100-microbench/copy.jsonl "launch_100_tiny"); 4 us sits between the two.
constexpr double kDefaultLaunchOverheadS = 4.0e-6;

// The generation figures below are the *best* GEMM efficiency a brute-force shape search finds
// (the MAMF tables). Transformer-layer GEMMs sustain less: on the one GPU with a measured table,
// the H100 (calibrate/data/h100-microbench/gemm.jsonl, the 108 layer GEMMs with h >= 4096), the
// roofline capped at the MAMF best (0.80) over-predicted the measured efficiency by 17.6%
// (geometric mean); capped at 0.85 x the best it is within 1% on average (spread 9%). The roofline
// fallback uses that share of each generation's best.
constexpr double kLayerGemmShareOfBestShape = 0.85;

constexpr GenerationDefaults kAmpere{
    "ampere",
    0.86,
    0.0,
    0.62,
    0.55,
    0.85,
    "GEMM 0.86: stas00/ml-engineering MAMF table, A100 SXM bf16 271.2 (v2) / 267.9 (v1) of 312 "
    "TFLOP/s; attention 0.62 fwd / 0.55 bwd: FlashAttention-2 paper, up to 0.73 of peak at 16k "
    "tokens per sequence, x0.85 for 2k-8k training lengths (the ratio seen in the H100 "
    "microbench); HBM 0.85: assumed (streaming kernels reach 0.8-0.9; H100 measured 0.89)"};
constexpr GenerationDefaults kAda{"ada",
                                  0.70,
                                  0.65,
                                  0.50,
                                  0.45,
                                  0.80,
                                  "assumed: no measurement in this repository (L40S-class, GDDR6)"};
constexpr GenerationDefaults kHopper{
    "hopper",
    0.80,
    0.71,
    0.60,
    0.50,
    0.89,
    "GEMM 0.80: stas00/ml-engineering MAMF table, H100 SXM bf16 794.5 of 989 TFLOP/s (GH200 "
    "0.836); fp8 0.71: same table, H100 SXM fp8 1402.6 of 1979 TFLOP/s; attention 0.60 fwd / "
    "0.50 bwd: H100 microbench (PyTorch SDPA, causal, head dim 128, 8k-16k); HBM 0.89: H100 "
    "microbench device-to-device copy of 4 GiB, 2.99 of 3.35 TB/s"};
constexpr GenerationDefaults kBlackwell{
    "blackwell",
    0.75,
    0.70,
    0.55,
    0.50,
    0.85,
    "assumed: no measurement in this repository (Hopper values, slightly lower for a younger "
    "software stack)"};
constexpr GenerationDefaults kCdna{
    "cdna",
    0.60,
    0.55,
    0.40,
    0.35,
    0.80,
    "assumed: no measurement in this repository (AMD Instinct; GEMM libraries reach a lower "
    "fraction of peak than cuBLAS does on Hopper)"};
constexpr GenerationDefaults kGeneric{
    "unknown",
    0.70,
    0.0,
    0.45,
    0.40,
    0.80,
    "assumed: generation not recognised (vendor/compute capability), generic values"};

const GenerationDefaults& generation_of(const GpuSpec& gpu) {
  if (gpu.vendor == "amd") return kCdna;
  const int cc = gpu.compute_capability;
  if (cc >= 100) return kBlackwell;
  if (cc >= 90) return kHopper;
  if (cc == 89) return kAda;
  if (cc >= 80) return kAmpere;
  return kGeneric;
}

}  // namespace

HardwareProfile parse_profile(const Json& json, std::string_view path) {
  require_object(json, path);
  reject_unknown_fields(json, path,
                        {"format_version", "name", "gpu", "source", "kernel_launch_overhead_us",
                         "host_to_device_GBps", "gemm", "attention", "memory_bandwidth"});
  if (const auto version = optional_positive_int(json, "format_version", path);
      version && *version != 1)
    throw InputError(
        join_path(path, "format_version"),
        fmt::format("unsupported profile format version {}; this trainsim reads 1", *version));

  HardwareProfile out;
  out.name = require_string(json, "name", path);
  out.gpu = require_string(json, "gpu", path);

  const Json& source = require_field(json, "source", path);
  if (source.is_string()) {
    out.source = source.get<std::string>();
    out.source_details = Json{{"description", out.source}};
  } else {
    const std::string p = join_path(path, "source");
    require_object(source, p);
    out.source = require_string(source, "description", p);
    out.source_details = source;
  }

  const double launch_us = require_number(json, "kernel_launch_overhead_us", path);
  if (launch_us < 0)
    throw InputError(join_path(path, "kernel_launch_overhead_us"),
                     fmt::format("must be >= 0, got {}", launch_us));
  out.kernel_launch_overhead_s = launch_us / 1e6;
  out.host_to_device_Bps =
      optional_non_negative_number(json, "host_to_device_GBps", path).value_or(0.0) * 1e9;

  parse_gemm(require_field(json, "gemm", path), join_path(path, "gemm"), out);
  parse_attention(require_field(json, "attention", path), join_path(path, "attention"), out);
  parse_memory_bandwidth(require_field(json, "memory_bandwidth", path),
                         join_path(path, "memory_bandwidth"), out);
  return out;
}

HardwareProfile load_profile(const std::filesystem::path& file) {
  const Json json = load_json_file(file);  // syntax errors already name the file
  try {
    return parse_profile(json, "");
  } catch (const InputError& e) {
    // Keep the JSON path as the error's path; say which file it is in.
    std::string message = e.what();
    const std::string prefix = e.json_path() + ": ";
    if (!e.json_path().empty() && message.rfind(prefix, 0) == 0)
      message = message.substr(prefix.size());
    throw InputError(e.json_path(), fmt::format("{} (in profile {})", message, file.string()));
  }
}

Json profile_to_json(const HardwareProfile& profile) {
  Json out = Json::object();
  out["format_version"] = 1;
  out["name"] = profile.name;
  out["gpu"] = profile.gpu;
  Json source = profile.source_details.is_object() ? profile.source_details : Json::object();
  source["description"] = profile.source;
  out["source"] = source;
  out["kernel_launch_overhead_us"] = to_edge_unit(profile.kernel_launch_overhead_s * 1e6);
  if (profile.host_to_device_Bps > 0)
    out["host_to_device_GBps"] = to_edge_unit(profile.host_to_device_Bps / 1e9);

  Json gemm = Json::object();
  gemm["max_efficiency_frac"] = profile.gemm_max_efficiency_frac;
  Json by_precision = Json::object();
  Json tables = Json::object();
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    const std::string name(kPrecisionNames[i]);
    if (profile.gemm_max_efficiency_frac_by_precision[i] > 0)
      by_precision[name] = profile.gemm_max_efficiency_frac_by_precision[i];
    if (profile.gemm_tables[i].empty()) continue;
    Json rows = Json::array();
    for (const auto& p : profile.gemm_tables[i])
      rows.push_back({{"m", static_cast<std::int64_t>(p.m)},
                      {"n", static_cast<std::int64_t>(p.n)},
                      {"k", static_cast<std::int64_t>(p.k)},
                      {"efficiency", p.efficiency_frac}});
    tables[name] = std::move(rows);
  }
  if (!by_precision.empty()) gemm["max_efficiency_frac_by_precision"] = std::move(by_precision);
  if (!tables.empty()) gemm["tables"] = std::move(tables);
  out["gemm"] = std::move(gemm);

  Json attention = Json::object();
  attention["max_efficiency_frac"] = profile.attention_max_efficiency_frac;
  if (profile.attention_backward_max_efficiency_frac > 0)
    attention["backward_max_efficiency_frac"] = profile.attention_backward_max_efficiency_frac;
  if (!profile.attention.empty()) {
    Json points = Json::array();
    for (const auto& p : profile.attention)
      points.push_back({{"seq_len", static_cast<std::int64_t>(p.seq_len)},
                        {"head_dim", static_cast<std::int64_t>(p.head_dim)},
                        {"forward_efficiency", p.forward_frac},
                        {"backward_efficiency", p.backward_frac}});
    attention["points"] = std::move(points);
  }
  out["attention"] = std::move(attention);

  Json memory = Json::object();
  memory["efficiency_frac"] = profile.memory_bandwidth_efficiency_frac;
  if (!profile.memory_bandwidth.empty()) {
    Json points = Json::array();
    for (const auto& p : profile.memory_bandwidth)
      points.push_back({{"bytes", p.bytes}, {"efficiency", p.efficiency_frac}});
    memory["points"] = std::move(points);
  }
  out["memory_bandwidth"] = std::move(memory);
  return out;
}

HardwareProfile datasheet_default_profile(const GpuSpec& gpu) {
  const GenerationDefaults& g = generation_of(gpu);
  HardwareProfile out;
  out.name = fmt::format("{} (datasheet defaults, {})", gpu.name, g.generation);
  out.gpu = gpu.name;
  out.source = fmt::format(
      "datasheet-derived defaults for the {} generation; no calibrated profile in "
      "hardware/profiles/. Basis: {}",
      g.generation, g.basis);
  out.source_details = Json{{"description", out.source},
                            {"kind", "datasheet-defaults"},
                            {"generation", std::string(g.generation)}};
  out.gemm_max_efficiency_frac = kLayerGemmShareOfBestShape * g.gemm_max_efficiency_frac;
  if (g.fp8_gemm_max_efficiency_frac > 0)
    out.gemm_max_efficiency_frac_by_precision[index_of(Precision::fp8)] =
        kLayerGemmShareOfBestShape * g.fp8_gemm_max_efficiency_frac;
  out.attention_max_efficiency_frac = g.attention_forward_frac;
  out.attention_backward_max_efficiency_frac = g.attention_backward_frac;
  out.memory_bandwidth_efficiency_frac = g.memory_bandwidth_frac;
  out.kernel_launch_overhead_s = kDefaultLaunchOverheadS;
  // Pinned host-to-device copies: 55.1 GB/s of PCIe 5.0 x16's 64 GB/s in the H100 microbench.
  constexpr double kPinnedCopyPcieFrac = 0.86;
  out.host_to_device_Bps = gpu.pcie_Bps > 0 ? kPinnedCopyPcieFrac * gpu.pcie_Bps : 0.0;
  return out;
}

std::filesystem::path shipped_profile_path(std::string_view gpu_name) {
  return data_root() / "hardware" / "profiles" / (std::string(gpu_name) + ".json");
}

HardwareProfile default_profile_for(const GpuSpec& gpu) {
  if (!gpu.name.empty()) {
    const auto file = shipped_profile_path(gpu.name);
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) return load_profile(file);
  }
  return datasheet_default_profile(gpu);
}

}  // namespace trainsim
