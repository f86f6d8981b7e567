#pragma once
// Typed, path-aware access to JSON objects. Every failure is an InputError naming the JSON path
// of the field ("cluster.nodes") and what is allowed, so loaders never print bare exceptions.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainsim {

using Json = nlohmann::json;

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string join_path(std::string_view parent, std::string_view key);

// Parses JSON text; comments (// and /* */) are allowed. Syntax errors become InputError with
// `origin` (a file name or "--set parallel.tp") and the line/column.
Json parse_json_text(std::string_view text, std::string_view origin);
Json load_json_file(const std::filesystem::path& file);

// Type name of a JSON value as a user would say it ("a string", "a number", ...).
std::string describe_json_type(const Json& value);

// Field readers. `obj` must be an object (checked); `path` is the object's own JSON path.
// `require_*` throw when the field is missing; `optional_*` return nullopt when missing or null.
const Json& require_field(const Json& obj, std::string_view key, std::string_view path);
void require_object(const Json& value, std::string_view path);

double require_number(const Json& obj, std::string_view key, std::string_view path);
double require_positive_number(const Json& obj, std::string_view key, std::string_view path);
std::optional<double> optional_number(const Json& obj, std::string_view key, std::string_view path);
std::optional<double> optional_positive_number(const Json& obj, std::string_view key,
                                               std::string_view path);
std::optional<double> optional_non_negative_number(const Json& obj, std::string_view key,
                                                   std::string_view path);

std::int64_t require_positive_int(const Json& obj, std::string_view key, std::string_view path);
std::optional<std::int64_t> optional_positive_int(const Json& obj, std::string_view key,
                                                  std::string_view path);
std::optional<std::int64_t> optional_non_negative_int(const Json& obj, std::string_view key,
                                                      std::string_view path);

std::string require_string(const Json& obj, std::string_view key, std::string_view path);
std::optional<std::string> optional_string(const Json& obj, std::string_view key,
                                           std::string_view path);
std::optional<bool> optional_bool(const Json& obj, std::string_view key, std::string_view path);

// Throws InputError(path, "unknown field 'x'; allowed: a, b, c") for keys not in `allowed`.
void reject_unknown_fields(const Json& obj, std::string_view path,
                           const std::vector<std::string_view>& allowed);

// Up to `max_count` of `known` closest to `wanted` by edit distance, closest first (for
// "did you mean ...?" messages). Deterministic: ties keep the order of `known`.
std::vector<std::string> nearest_names(std::string_view wanted,
                                       const std::vector<std::string>& known,
                                       std::size_t max_count = 3);

// "unknown gpu preset 'h100'; did you mean: h100-sxm5-80gb, h200-sxm-141gb?"
std::string unknown_name_message(std::string_view what, std::string_view wanted,
                                 const std::vector<std::string>& known);

}  // namespace trainsim
