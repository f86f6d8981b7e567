#include "calibrate/fit/gpu_peaks.hpp"

#include <fmt/format.h>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::calibrate {

GpuPeaks parse_gpu_peaks(const Json& preset, std::string_view gpu_name, std::string_view path) {
  require_object(preset, path);
  GpuPeaks out;
  out.gpu = std::string(gpu_name);
  out.vendor = optional_string(preset, "vendor", path).value_or("");
  out.compute_capability =
      static_cast<int>(optional_non_negative_int(preset, "compute_capability", path).value_or(0));
  out.sm_count = static_cast<int>(optional_non_negative_int(preset, "sm_count", path).value_or(0));
  out.hbm_Bps = require_positive_number(preset, "hbm_GBps", path) * 1e9;

  const std::string peaks_path = join_path(path, "dense_peak_TFLOPs");
  const Json& peaks = require_field(preset, "dense_peak_TFLOPs", path);
  require_object(peaks, peaks_path);
  for (const auto& [key, value] : peaks.items()) {
    const auto precision = parse_precision(key);
    if (!precision) {
      const std::vector<std::string> names(kPrecisionNames.begin(), kPrecisionNames.end());
      throw InputError(join_path(peaks_path, key), unknown_name_message("precision", key, names));
    }
    out.dense_peak_flops_per_s[index_of(*precision)] =
        optional_non_negative_number(peaks, key, peaks_path).value_or(0.0) * 1e12;
  }
  return out;
}

GpuPeaks load_gpu_peaks(const std::filesystem::path& preset_file) {
  const Json json = load_json_file(preset_file);
  GpuPeaks out = parse_gpu_peaks(json, preset_file.stem().string(), preset_file.string());
  // Name the file relative to the data root when it is inside it, so that profiles written from
  // it do not record a machine-specific absolute path.
  const auto relative =
      std::filesystem::absolute(preset_file)
          .lexically_normal()
          .lexically_relative(std::filesystem::absolute(data_root()).lexically_normal());
  const bool inside = !relative.empty() && *relative.begin() != "..";
  out.origin = inside ? relative.generic_string() : preset_file.string();
  return out;
}

std::filesystem::path gpu_preset_path(std::string_view gpu_name) {
  return data_root() / "hardware" / "presets" / "gpus" / (std::string(gpu_name) + ".json");
}

GpuSpec to_gpu_spec(const GpuPeaks& peaks) {
  GpuSpec spec;
  spec.name = peaks.gpu;
  spec.vendor = peaks.vendor;
  spec.compute_capability = peaks.compute_capability;
  spec.sm_count = peaks.sm_count;
  spec.dense_peak_flops_per_s = peaks.dense_peak_flops_per_s;
  spec.hbm_Bps = peaks.hbm_Bps;
  return spec;
}

Json gpu_peaks_to_json(const GpuPeaks& peaks) {
  Json tflops = Json::object();
  for (std::size_t i = 0; i < kPrecisionCount; ++i)
    if (peaks.dense_peak_flops_per_s[i] > 0)
      tflops[std::string(kPrecisionNames[i])] = peaks.dense_peak_flops_per_s[i] / 1e12;
  return Json{{"gpu", peaks.gpu},
              {"dense_peak_TFLOPs", tflops},
              {"hbm_GBps", peaks.hbm_Bps / 1e9},
              {"sm_count", peaks.sm_count},
              {"from", peaks.origin}};
}

}  // namespace trainsim::calibrate
