#pragma once
// `--set PATH=VALUE`: overrides a scenario field by its JSON path. VALUE is parsed as JSON when it
// parses, else taken as a string (interface.md).
#include <string_view>

#include "sim/core/json_fields.hpp"

namespace trainsim {

void apply_override(Json& scenario, std::string_view assignment);

}  // namespace trainsim
