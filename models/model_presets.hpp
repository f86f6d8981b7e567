#pragma once
// Model presets (models/presets/<name>.json) and the scenario's "model" field.
#include <filesystem>
#include <string_view>
#include <vector>

#include "hardware/presets.hpp"  // PresetSummary
#include "models/model_spec.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {

// An explicit model object: {"layers","hidden","heads","kv_heads"?,"ffn_hidden"?,"vocab",
// "activation"?,"norm"?,"tied_embeddings"?,"moe"?:{...}} (interface.md). Validates sizes
// (positive, heads dividing hidden, kv_heads dividing heads, ...).
ModelSpec parse_model_spec(const Json& obj, std::string_view path);

// The scenario's "model": a preset name, an object, or {"hf_config": "path/config.json"}
// (relative paths resolve against `base_dir`, the scenario file's folder).
ModelSpec resolve_model(const Json& value, std::string_view path,
                        const std::filesystem::path& base_dir);

std::vector<PresetSummary> list_model_presets();

// A model preset's object (the fields parse_model_spec takes), for editing one of its fields
// (`--set model.layers=48`); unknown names throw InputError(path) suggesting the nearest.
Json model_preset_object(const std::string& name, std::string_view path);

}  // namespace trainsim
