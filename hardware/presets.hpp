#pragma once
// GPU, node and network presets: JSON files under hardware/presets/{gpus,nodes,networks}/,
// each number with its source. A scenario names a preset or gives an object with the same fields.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hardware/gpu_spec.hpp"
#include "hardware/network_spec.hpp"
#include "hardware/node_spec.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {

struct PresetSummary {
  std::string name;
  std::string description;  // one line for `trainsim presets ...`
};

GpuSpec parse_gpu_spec(const Json& obj, std::string_view path);
NodeSpec parse_node_spec(const Json& obj, std::string_view path);
NetworkSpec parse_network_spec(const Json& obj, std::string_view path);

// `value` is a preset name (string) or an object; `path` is its JSON path ("cluster.gpu").
// Unknown names throw InputError suggesting the nearest preset names.
GpuSpec resolve_gpu(const Json& value, std::string_view path);
NodeSpec resolve_node(const Json& value, std::string_view path);
NetworkSpec resolve_network(const Json& value, std::string_view path);

// The preset file's object (the same fields an inline object takes), for editing one field of a
// preset (`--set cluster.node.nic_Gbps=200`). `kind` is "gpus", "nodes" or "networks"; unknown
// names throw InputError(path) suggesting the nearest.
Json hardware_preset_object(std::string_view kind, const std::string& name, std::string_view path);

// Sorted by name.
std::vector<PresetSummary> list_gpu_presets();
std::vector<PresetSummary> list_node_presets();
std::vector<PresetSummary> list_network_presets();

// Shared by the preset loaders (models/ too): the names (file stems) of the *.json files in
// `dir`, sorted; empty when the folder does not exist. And their summaries ("description").
std::vector<std::string> preset_names_in(const std::filesystem::path& dir);
std::vector<PresetSummary> list_presets_in(const std::filesystem::path& dir);

}  // namespace trainsim
