#include <fmt/format.h>

#include <iostream>

#include "hardware/presets.hpp"
#include "models/model_presets.hpp"
#include "sim/cli/commands.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::cli {

int run_presets(const std::string& kind) {
  std::vector<PresetSummary> presets;
  if (kind == "models")
    presets = list_model_presets();
  else if (kind == "gpus")
    presets = list_gpu_presets();
  else if (kind == "nodes")
    presets = list_node_presets();
  else if (kind == "networks")
    presets = list_network_presets();
  else
    throw InputError("presets", fmt::format("unknown preset kind '{}'; allowed: models, gpus, "
                                            "nodes, networks",
                                            kind));
  std::size_t width = 0;
  for (const auto& p : presets) width = std::max(width, p.name.size());
  for (const auto& p : presets)
    std::cout << fmt::format("{:<{}}  {}\n", p.name, width, p.description);
  return 0;
}

}  // namespace trainsim::cli
