#pragma once
// The datasheet numbers a calibration needs to turn achieved rates into efficiencies: dense peak
// FLOP/s per precision, HBM bandwidth and SM count. Read from a GPU preset file
// (hardware/presets/gpus/<name>.json: "dense_peak_TFLOPs", "hbm_GBps", "sm_count") or given on
// the command line, so that calibrate/ does not depend on the preset loader.
#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "hardware/gpu_spec.hpp"
#include "sim/core/json_fields.hpp"
#include "sim/core/precision.hpp"

namespace trainsim::calibrate {

struct GpuPeaks {
  std::string gpu;  // preset name, e.g. "h100-sxm5-80gb"
  std::string vendor;
  int compute_capability = 0;
  int sm_count = 0;
  std::array<double, kPrecisionCount> dense_peak_flops_per_s{};  // 0 = not supported
  double hbm_Bps = 0;
  std::string origin;  // where the numbers came from ("hardware/presets/gpus/x.json", flags)
};

// Reads the fields above from a preset object; `path` names it in errors. Unknown keys are
// ignored (the preset has more fields than a calibration needs).
GpuPeaks parse_gpu_peaks(const Json& preset, std::string_view gpu_name, std::string_view path);
GpuPeaks load_gpu_peaks(const std::filesystem::path& preset_file);

// data_root()/hardware/presets/gpus/<gpu_name>.json
std::filesystem::path gpu_preset_path(std::string_view gpu_name);

// A GpuSpec with just these numbers filled in (enough for ComputeCost).
GpuSpec to_gpu_spec(const GpuPeaks& peaks);

// The peaks as they are written into a profile's "source" block (TFLOP/s and GB/s).
Json gpu_peaks_to_json(const GpuPeaks& peaks);

}  // namespace trainsim::calibrate
