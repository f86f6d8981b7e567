#pragma once
// Typed, path-aware access to JSON objects. Every failure is an InputError naming the JSON path
// of the field ("cluster.nodes") and what is allowed, so loaders never print bare exceptions.
#include <cstdint>
#include <filesystem>
#include <limits>
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
// Nesting deeper than kMaxJsonDepth is refused while parsing: nothing trainsim reads nests
// beyond a few levels, and copying, printing or freeing an unboundedly deep value recurses
// until the stack runs out.
inline constexpr int kMaxJsonDepth = 64;
Json parse_json_text(std::string_view text, std::string_view origin);
Json load_json_file(const std::filesystem::path& file);
// A `--set` or `--vary` value: its JSON when it is JSON (depth and number range checked as
// above, errors naming `origin`), else nullopt (a plain word such as a preset name).
std::optional<Json> parse_json_value(std::string_view text, std::string_view origin);

// A value as a message shows it: its JSON, cut to `max_chars` (with "...") so that a huge or
// deep value cannot flood or break the one-line message.
std::string shown_value(const Json& value, std::size_t max_chars = 60);
// Whether `text` is valid UTF-8 (JSON output needs it; a command-line byte string may not be).
bool is_valid_utf8(std::string_view text);

// Type name of a JSON value as a user would say it ("a string", "a number", ...).
std::string describe_json_type(const Json& value);

// The largest value a field may take and why: what the hardware or model could plausibly be,
// and what the simulation handles in its time and memory. Beyond it the reader throws naming
// the field, the value, the limit and the reason. Integers are always bounded by what an int
// holds (no silent truncation).
struct Limit {
  double max = std::numeric_limits<double>::max();
  std::string_view why;
};
inline constexpr double kMaxInt = std::numeric_limits<int>::max();

// Field readers. `obj` must be an object (checked); `path` is the object's own JSON path.
// `require_*` throw when the field is missing; `optional_*` return nullopt when missing or null.
const Json& require_field(const Json& obj, std::string_view key, std::string_view path);
void require_object(const Json& value, std::string_view path);

double require_number(const Json& obj, std::string_view key, std::string_view path,
                      Limit limit = {});
double require_positive_number(const Json& obj, std::string_view key, std::string_view path,
                               Limit limit = {});
std::optional<double> optional_number(const Json& obj, std::string_view key, std::string_view path,
                                      Limit limit = {});
std::optional<double> optional_positive_number(const Json& obj, std::string_view key,
                                               std::string_view path, Limit limit = {});
std::optional<double> optional_non_negative_number(const Json& obj, std::string_view key,
                                                   std::string_view path, Limit limit = {});

std::int64_t require_positive_int(const Json& obj, std::string_view key, std::string_view path,
                                  Limit limit = {});
std::optional<std::int64_t> optional_positive_int(const Json& obj, std::string_view key,
                                                  std::string_view path, Limit limit = {});
std::optional<std::int64_t> optional_non_negative_int(const Json& obj, std::string_view key,
                                                      std::string_view path, Limit limit = {});

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
