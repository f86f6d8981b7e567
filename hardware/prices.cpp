#include "hardware/prices.hpp"

#include <string>

#include "sim/core/data_dir.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {

std::optional<double> default_gpu_hour_usd(std::string_view gpu_preset) {
  const Json prices = load_json_file(data_root() / "hardware" / "presets" / "prices.json");
  const Json& table = require_field(prices, "gpu_hour_usd", "prices.json");
  const std::string name(gpu_preset);
  if (!table.contains(name)) return std::nullopt;
  return require_positive_number(table, name, "prices.json.gpu_hour_usd");
}

}  // namespace trainsim
