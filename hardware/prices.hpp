#pragma once
// Default prices per GPU-hour (hardware/presets/prices.json, each with its source), for the cost
// of a training run when the scenario states none (cluster.gpu_hour_usd).
#include <optional>
#include <string_view>

namespace trainsim {

// The default price of a GPU preset; nullopt when prices.json has none for it.
std::optional<double> default_gpu_hour_usd(std::string_view gpu_preset);

}  // namespace trainsim
