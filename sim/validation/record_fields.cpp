#include "sim/validation/record_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace trainsim::record_fields {

const Json* field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<double> number(const Json& obj, const char* key) {
  const Json* v = field(obj, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

std::string text(const Json& obj, const char* key) {
  const Json* v = field(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<std::string> unusable_number(const Json& obj, const char* section, const char* key) {
  if (number(obj, key)) return std::nullopt;
  return fmt::format("{}.{} is {}", section, key, field(obj, key) ? "not a number" : "not stated");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace trainsim::record_fields
