// `trainsim presets [KIND [NAME]]`: the kinds, a kind's presets with their descriptions, or one
// preset's fields (the object a scenario may give inline instead of the name, and which
// `--set cluster.gpu.hbm_GBps=...` edits).
#include <fmt/format.h>

#include <iostream>

#include "hardware/presets.hpp"
#include "models/model_presets.hpp"
#include "sim/cli/commands.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::cli {
namespace {

struct PresetKind {
  std::string_view name;
  std::string_view holds;
  std::vector<PresetSummary> (*list)();
};

constexpr PresetKind kKinds[] = {
    {"models", "model architectures (scenario field model)", list_model_presets},
    {"gpus", "GPUs: peaks, memory, links (cluster.gpu)", list_gpu_presets},
    {"nodes", "servers: GPUs per node, NVLink/NVSwitch, NICs (cluster.node)", list_node_presets},
    {"networks", "fabrics between nodes: link rate, latency, topology (cluster.network)",
     list_network_presets},
};

const PresetKind& kind_named(const std::string& name) {
  for (const PresetKind& kind : kKinds)
    if (kind.name == name) return kind;
  throw InputError("presets", fmt::format("unknown preset kind '{}'; allowed: models, gpus, "
                                          "nodes, networks",
                                          name));
}

// One line per field, nested objects as dotted paths; the sources last.
void print_fields(const Json& object, const std::string& prefix, std::string& out) {
  for (const auto& [key, value] : object.items()) {
    if (prefix.empty() && key == "source") continue;
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object())
      print_fields(value, path, out);
    else
      out += fmt::format("  {:<34} {}\n", path,
                         value.is_string() ? value.get<std::string>() : value.dump());
  }
}

}  // namespace

int run_presets(const PresetsArgs& args) {
  if (args.kind.empty()) {
    for (const PresetKind& kind : kKinds)
      std::cout << fmt::format("{:<9} {:>3} presets  {}\n", kind.name, kind.list().size(),
                               kind.holds);
    std::cout << "trainsim presets KIND lists them; trainsim presets KIND NAME shows one\n";
    return 0;
  }
  const PresetKind& kind = kind_named(args.kind);
  if (args.name.empty()) {
    const std::vector<PresetSummary> presets = kind.list();
    if (args.format == "json") {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& p : presets)
        list.push_back({{"name", p.name}, {"description", p.description}});
      std::cout << list.dump(2) << "\n";
      return 0;
    }
    std::size_t width = 0;
    for (const auto& p : presets) width = std::max(width, p.name.size());
    for (const auto& p : presets)
      std::cout << fmt::format("{:<{}}  {}\n", p.name, width, p.description);
    return 0;
  }
  const Json object = args.kind == "models"
                          ? model_preset_object(args.name, "presets " + args.kind)
                          : hardware_preset_object(args.kind, args.name, "presets " + args.kind);
  if (args.format == "json") {
    std::cout << object.dump(2) << "\n";
    return 0;
  }
  std::string out =
      fmt::format("{} preset {}\n", args.kind.substr(0, args.kind.size() - 1), args.name);
  print_fields(object, "", out);
  if (object.contains("source") && object["source"].is_string())
    out += fmt::format("source: {}\n", object["source"].get<std::string>());
  if (object.contains("source") && object["source"].is_object()) {
    out += "sources:\n";
    for (const auto& [key, value] : object["source"].items())
      out += fmt::format("  {}: {}\n", key,
                         value.is_string() ? value.get<std::string>() : value.dump());
  }
  std::cout << out;
  return 0;
}

}  // namespace trainsim::cli
