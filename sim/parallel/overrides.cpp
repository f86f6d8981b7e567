#include "sim/parallel/overrides.hpp"

#include <fmt/format.h>

#include "hardware/presets.hpp"
#include "models/model_presets.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

namespace {

// The scenario fields that name a preset or hold an object with the preset's fields.
struct PresetField {
  std::string_view path;
  std::string_view hardware_kind;  // presets/<kind>/; empty for the model
};
constexpr PresetField kPresetFields[] = {
    {"model", ""},
    {"cluster.gpu", "gpus"},
    {"cluster.node", "nodes"},
    {"cluster.network", "networks"},
};

const PresetField* preset_field_at(std::string_view path) {
  for (const PresetField& field : kPresetFields)
    if (field.path == path) return &field;
  return nullptr;
}

Json preset_object(const PresetField& field, const std::string& name) {
  return field.hardware_kind.empty()
             ? model_preset_object(name, field.path)
             : hardware_preset_object(field.hardware_kind, name, field.path);
}

}  // namespace

void apply_override(Json& scenario, std::string_view assignment) {
  const std::size_t eq = assignment.find('=');
  // The assignment as messages name it: cut, so that a huge value cannot flood them.
  const std::string origin =
      fmt::format("--set {}{}", assignment.substr(0, 80), assignment.size() > 80 ? "..." : "");
  if (eq == std::string_view::npos || eq == 0)
    throw InputError(origin, "expected PATH=VALUE, e.g. --set parallel.tp=4");
  const std::string_view path = assignment.substr(0, eq);
  const std::string_view text = assignment.substr(eq + 1);

  if (!is_valid_utf8(assignment))
    throw InputError("--set", "not valid UTF-8 text (a byte that is not part of a character)");
  // Not JSON: a plain string such as a preset name.
  Json value = parse_json_value(text, origin).value_or(Json(std::string(text)));

  Json* node = &scenario;
  std::string walked;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = path.find('.', begin);
    const std::string key(
        path.substr(begin, dot == std::string_view::npos ? path.npos : dot - begin));
    if (key.empty()) throw InputError(origin, fmt::format("empty field name in path '{}'", path));
    if (!node->is_object()) {
      throw InputError(origin,
                       fmt::format("'{}' is {}, not an object, so it has no field '{}'"
                                   "{}",
                                   walked, describe_json_type(*node), key,
                                   node->is_string() ? "; replace it with an object first" : ""));
    }
    walked = walked.empty() ? key : walked + "." + key;
    if (dot == std::string_view::npos) {
      (*node)[key] = value;
      return;
    }
    if (!node->contains(key) || (*node)[key].is_null()) (*node)[key] = Json::object();
    node = &(*node)[key];
    begin = dot + 1;
    if (const PresetField* field = preset_field_at(walked)) {
      // Editing one field of a preset: the preset becomes the object it stands for, renamed
      // after the edits so reports do not present the edited hardware as the preset itself.
      const std::string edit = fmt::format("{}={}", path.substr(begin), text);
      if (node->is_string()) {
        const std::string name = node->get<std::string>();
        *node = preset_object(*field, name);
        (*node)["name"] = fmt::format("{} with {}", name, edit);
      } else if (node->is_object() && node->contains("name") && (*node)["name"].is_string()) {
        const std::string name = (*node)["name"].get<std::string>();
        if (name.find(" with ") != std::string::npos)  // an edited preset: one more edit
          (*node)["name"] = fmt::format("{}, {}", name, edit);
      }
    }
  }
}

}  // namespace trainsim
