#pragma once
// Hugging Face `config.json` → ModelSpec, for Llama/Mistral/Mixtral/GPT-NeoX/GPT-2 style configs.
#include <string>
#include <string_view>

#include "models/model_spec.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {

// `path` names the config in error messages (e.g. "model.hf_config (configs/llama.json)").
ModelSpec import_hf_config(const Json& config, std::string name, std::string_view path);

}  // namespace trainsim
