#include "hardware/presets.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "hardware/hardware_limits.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

namespace {

// Units at the edge: preset keys carry datasheet units, the structs hold SI.
constexpr double kTeraflopsToFlops = 1e12;  // TFLOP/s -> FLOP/s
constexpr double kGBToBytes = 1e9;          // GB, GB/s (decimal, as NCCL and datasheets)
constexpr double kGiBToBytes = 1024.0 * 1024.0 * 1024.0;
constexpr double kMiBToBytes = 1024.0 * 1024.0;
constexpr double kGbitToBytes = 1e9 / 8.0;  // Gb/s -> bytes/s
constexpr double kMicrosecondsToSeconds = 1e-6;

// Keys every preset kind accepts besides its own: an optional name (objects in scenarios), the
// one-line description and the provenance block.
void check_common_fields(const Json& obj, std::string_view path) {
  optional_string(obj, "name", path);  // type-checked; a preset file's name is its identity
  optional_string(obj, "description", path);
  if (const auto it = obj.find("source"); it != obj.end() && !it->is_null()) {
    if (!it->is_object() && !it->is_string())
      throw InputError(join_path(path, "source"),
                       fmt::format("expected an object (field -> citation) or a string, got {}",
                                   describe_json_type(*it)));
  }
}

std::string name_or(const Json& obj, std::string_view path, std::string_view fallback) {
  if (auto name = optional_string(obj, "name", path)) return *name;
  return std::string(fallback);
}

int require_positive_int32(const Json& obj, std::string_view key, std::string_view path,
                           Limit limit = {}) {
  return static_cast<int>(require_positive_int(obj, key, path, limit));
}

// --- preset files ------------------------------------------------------------------------------

std::filesystem::path preset_dir(std::string_view kind) {
  return data_root() / "hardware" / "presets" / kind;
}

// Loads presets/<kind>/<name>.json, or throws InputError(path) with the nearest names.
// `what` is the noun for messages ("gpu preset").
Json load_preset(std::string_view kind, std::string_view what, const std::string& name,
                 std::string_view path, std::filesystem::path* file_out) {
  const auto dir = preset_dir(kind);
  const auto names = preset_names_in(dir);
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw InputError(std::string(path), unknown_name_message(what, name, names));
  *file_out = dir / (name + ".json");
  return load_json_file(*file_out);
}

template <typename Spec, typename Parse>
Spec resolve(const Json& value, std::string_view path, std::string_view kind, std::string_view what,
             Parse parse) {
  if (value.is_string()) {
    const std::string name = value.get<std::string>();
    std::filesystem::path file;
    const Json json = load_preset(kind, what, name, path, &file);
    Spec spec = parse(json, file.string());
    spec.name = name;
    return spec;
  }
  if (value.is_object()) return parse(value, path);
  throw InputError(std::string(path),
                   fmt::format("expected a {} name (a string) or an object, got {}", what,
                               describe_json_type(value)));
}

}  // namespace

Json hardware_preset_object(std::string_view kind, const std::string& name, std::string_view path) {
  std::filesystem::path file;
  return load_preset(kind, fmt::format("{} preset", kind.substr(0, kind.size() - 1)), name, path,
                     &file);
}

std::vector<std::string> preset_names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;  // a missing folder lists nothing
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<PresetSummary> list_presets_in(const std::filesystem::path& dir) {
  std::vector<PresetSummary> out;
  for (const auto& name : preset_names_in(dir)) {
    const auto file = dir / (name + ".json");
    const Json json = load_json_file(file);
    out.push_back({name, optional_string(json, "description", file.string()).value_or("")});
  }
  return out;
}

// --- GPU ---------------------------------------------------------------------------------------

GpuSpec parse_gpu_spec(const Json& obj, std::string_view path) {
  require_object(obj, path);
  reject_unknown_fields(
      obj, path,
      {"name", "description", "source", "vendor", "compute_capability", "sm_count",
       "dense_peak_TFLOPs", "hbm_capacity_GiB", "hbm_GBps", "nvlink_GBps_per_direction",
       "pcie_GBps_per_direction", "l2_cache_MiB", "tdp_W"});
  check_common_fields(obj, path);

  GpuSpec gpu;
  gpu.name = name_or(obj, path, "custom-gpu");
  gpu.vendor = require_string(obj, "vendor", path);
  if (gpu.vendor != "nvidia" && gpu.vendor != "amd")
    throw InputError(join_path(path, "vendor"),
                     fmt::format("unknown vendor '{}'; allowed: nvidia, amd", gpu.vendor));
  gpu.compute_capability =
      static_cast<int>(optional_non_negative_int(obj, "compute_capability", path).value_or(0));
  gpu.sm_count = require_positive_int32(obj, "sm_count", path, hardware_limits::kSmCount);

  const std::string peaks_path = join_path(path, "dense_peak_TFLOPs");
  const Json& peaks = require_field(obj, "dense_peak_TFLOPs", path);
  require_object(peaks, peaks_path);
  reject_unknown_fields(
      peaks, peaks_path,
      std::vector<std::string_view>(kPrecisionNames.begin(), kPrecisionNames.end()));
  bool any_supported = false;
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    // Absent or 0 = the GPU has no (tensor) support for this format.
    const double tflops = optional_non_negative_number(peaks, kPrecisionNames[i], peaks_path,
                                                       hardware_limits::kPeakTFLOPs)
                              .value_or(0.0);
    gpu.dense_peak_flops_per_s[i] = tflops * kTeraflopsToFlops;
    any_supported = any_supported || tflops > 0;
  }
  if (!any_supported)
    throw InputError(peaks_path, fmt::format("at least one precision needs a peak > 0; allowed "
                                             "keys: {}",
                                             fmt::join(kPrecisionNames, ", ")));

  gpu.hbm_capacity_bytes =
      require_positive_number(obj, "hbm_capacity_GiB", path, hardware_limits::kHbmGiB) *
      kGiBToBytes;
  gpu.hbm_Bps =
      require_positive_number(obj, "hbm_GBps", path, hardware_limits::kHbmGBps) * kGBToBytes;
  gpu.nvlink_Bps = optional_non_negative_number(obj, "nvlink_GBps_per_direction", path,
                                                hardware_limits::kNvlinkGBps)
                       .value_or(0.0) *
                   kGBToBytes;
  gpu.pcie_Bps =
      require_positive_number(obj, "pcie_GBps_per_direction", path, hardware_limits::kPcieGBps) *
      kGBToBytes;
  gpu.l2_cache_bytes =
      optional_non_negative_number(obj, "l2_cache_MiB", path, hardware_limits::kL2MiB)
          .value_or(0.0) *
      kMiBToBytes;
  gpu.tdp_W = optional_positive_number(obj, "tdp_W", path, hardware_limits::kTdpW).value_or(0.0);
  return gpu;
}

GpuSpec resolve_gpu(const Json& value, std::string_view path) {
  return resolve<GpuSpec>(value, path, "gpus", "gpu preset", parse_gpu_spec);
}

std::vector<PresetSummary> list_gpu_presets() {
  return list_presets_in(preset_dir("gpus"));
}

// --- node --------------------------------------------------------------------------------------

NodeSpec parse_node_spec(const Json& obj, std::string_view path) {
  require_object(obj, path);
  reject_unknown_fields(obj, path,
                        {"name", "description", "source", "default_gpu", "gpus_per_node",
                         "nvswitch", "nvls", "nics_per_node", "nic_Gbps", "max_system_power_kW"});
  check_common_fields(obj, path);

  NodeSpec node;
  node.name = name_or(obj, path, "custom-node");
  // Optional in a scenario's own node (cluster.gpu names the GPU); every preset has one.
  node.default_gpu = optional_string(obj, "default_gpu", path).value_or("");
  const auto gpu_names = preset_names_in(preset_dir("gpus"));
  if (!node.default_gpu.empty() &&
      std::find(gpu_names.begin(), gpu_names.end(), node.default_gpu) == gpu_names.end())
    throw InputError(join_path(path, "default_gpu"),
                     unknown_name_message("gpu preset", node.default_gpu, gpu_names));
  node.gpus_per_node =
      require_positive_int32(obj, "gpus_per_node", path, hardware_limits::kGpusPerNode);
  node.nvswitch = optional_bool(obj, "nvswitch", path).value_or(false);
  node.nvls = optional_bool(obj, "nvls", path).value_or(false);
  if (node.nvls && !node.nvswitch)
    throw InputError(join_path(path, "nvls"),
                     "NVLink SHARP needs an NVSwitch fabric; set \"nvswitch\": true or "
                     "\"nvls\": false");
  node.nics_per_node =
      require_positive_int32(obj, "nics_per_node", path, hardware_limits::kNicsPerNode);
  node.nic_Bps =
      require_positive_number(obj, "nic_Gbps", path, hardware_limits::kLinkGbps) * kGbitToBytes;
  node.max_system_power_W =
      optional_positive_number(obj, "max_system_power_kW", path, hardware_limits::kSystemPowerKW)
          .value_or(0.0) *
      1e3;
  return node;
}

NodeSpec resolve_node(const Json& value, std::string_view path) {
  return resolve<NodeSpec>(value, path, "nodes", "node preset", parse_node_spec);
}

std::vector<PresetSummary> list_node_presets() {
  return list_presets_in(preset_dir("nodes"));
}

// --- network -----------------------------------------------------------------------------------

NetworkSpec parse_network_spec(const Json& obj, std::string_view path) {
  require_object(obj, path);
  reject_unknown_fields(
      obj, path,
      {"name", "description", "source", "fabric", "link_Gbps", "nic_latency_us",
       "switch_latency_us", "nodes_per_leaf_group", "oversubscription", "tiers", "switch_ports",
       "in_network_reduction", "transport_latency_us", "transport_bandwidth_frac"});
  check_common_fields(obj, path);

  NetworkSpec net;
  net.name = name_or(obj, path, "custom-network");
  const std::string fabric = require_string(obj, "fabric", path);
  if (fabric == "infiniband") {
    net.fabric = FabricKind::infiniband;
  } else if (fabric == "roce") {
    net.fabric = FabricKind::roce;
  } else if (fabric == "efa") {
    net.fabric = FabricKind::efa;
  } else {
    throw InputError(join_path(path, "fabric"),
                     fmt::format("unknown fabric '{}'; allowed: infiniband, roce, efa", fabric));
  }
  net.link_Bps =
      require_positive_number(obj, "link_Gbps", path, hardware_limits::kLinkGbps) * kGbitToBytes;
  net.nic_latency_s =
      require_positive_number(obj, "nic_latency_us", path, hardware_limits::kLatencyUs) *
      kMicrosecondsToSeconds;
  net.switch_latency_s =
      require_positive_number(obj, "switch_latency_us", path, hardware_limits::kLatencyUs) *
      kMicrosecondsToSeconds;
  net.nodes_per_leaf_group = require_positive_int32(obj, "nodes_per_leaf_group", path,
                                                    hardware_limits::kNodesPerLeafGroup);
  net.oversubscription =
      optional_positive_number(obj, "oversubscription", path, hardware_limits::kOversubscription)
          .value_or(1.0);
  if (net.oversubscription < 1.0)
    throw InputError(join_path(path, "oversubscription"),
                     fmt::format("must be >= 1 (downlink : uplink bandwidth; 1 = non-blocking), "
                                 "got {}",
                                 net.oversubscription));
  net.tiers = static_cast<int>(
      optional_positive_int(obj, "tiers", path, hardware_limits::kTiers).value_or(2));
  if (net.tiers > 3)
    throw InputError(join_path(path, "tiers"),
                     fmt::format("allowed: 1 (single switch), 2 (leaf/spine), 3 (leaf/spine/core); "
                                 "got {}",
                                 net.tiers));
  net.switch_ports = static_cast<int>(
      optional_positive_int(obj, "switch_ports", path, hardware_limits::kSwitchPorts).value_or(0));
  net.in_network_reduction = optional_bool(obj, "in_network_reduction", path).value_or(false);
  net.transport_latency_s =
      optional_non_negative_number(obj, "transport_latency_us", path, hardware_limits::kLatencyUs)
          .value_or(0.0) *
      kMicrosecondsToSeconds;
  net.transport_bandwidth_frac = optional_positive_number(obj, "transport_bandwidth_frac", path,
                                                          {1.0, "a fraction of the link rate"})
                                     .value_or(1.0);
  return net;
}

NetworkSpec resolve_network(const Json& value, std::string_view path) {
  return resolve<NetworkSpec>(value, path, "networks", "network preset", parse_network_spec);
}

std::vector<PresetSummary> list_network_presets() {
  return list_presets_in(preset_dir("networks"));
}

}  // namespace trainsim
