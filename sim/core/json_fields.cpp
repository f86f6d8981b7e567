#include "sim/core/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "sim/core/errors.hpp"

namespace trainsim {

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

namespace {

Json::parser_callback_t depth_limit(std::string_view origin) {
  return [origin = std::string(origin)](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw InputError(origin, fmt::format("JSON nested deeper than {} levels; trainsim's "
                                           "inputs nest a few levels at most",
                                           kMaxJsonDepth));
    return true;
  };
}

}  // namespace

std::optional<Json> parse_json_value(std::string_view text, std::string_view origin) {
  try {
    return Json::parse(text.begin(), text.end(), depth_limit(origin), /*allow_exceptions=*/true,
                       /*ignore_comments=*/true);
  } catch (const Json::parse_error&) {
    return std::nullopt;
  } catch (const Json::out_of_range&) {
    throw InputError(std::string(origin),
                     fmt::format("{} is out of range for a number (must fit a double, below "
                                 "about 1.8e308)",
                                 shown_value(Json(std::string(text)))));
  }
}

std::string shown_value(const Json& value, std::size_t max_chars) {
  std::string text = value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  if (text.size() > max_chars) {
    text.resize(max_chars);
    // Do not cut a UTF-8 sequence in half.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80)
      text.pop_back();
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
    text += "...";
  }
  return text;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode are not UTF-8 (RFC 3629).
    const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += length;
  }
  return true;
}

Json parse_json_text(std::string_view text, std::string_view origin) {
  try {
    return Json::parse(text.begin(), text.end(), depth_limit(origin), /*allow_exceptions=*/true,
                       /*ignore_comments=*/true);
  } catch (const Json::parse_error& e) {
    // One position, ours: nlohmann's message repeats its own ("parse error at line 2, column 1:
    // ...") counting the end of input as a character of a next line; keep only what it says.
    const std::string what = e.what();
    const std::size_t column_at = what.find("column ");
    const std::size_t detail_at =
        column_at == std::string::npos ? column_at : what.find(": ", column_at);
    const std::string detail = detail_at == std::string::npos ? what : what.substr(detail_at + 2);
    // e.byte counts the characters read, the offending one included.
    const std::size_t offending = e.byte == 0 ? 0 : e.byte - 1;
    if (offending >= text.size())
      throw InputError(std::string(origin),
                       fmt::format("malformed JSON at the end of the input: {}", detail));
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < offending; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw InputError(std::string(origin),
                     fmt::format("malformed JSON at line {}, column {}: {}", line, column, detail));
  } catch (const Json::out_of_range& e) {
    // A number beyond double's range (1e400): valid JSON grammar, but no value to read.
    throw InputError(std::string(origin),
                     fmt::format("a number is out of range ({}); numbers must fit a double, "
                                 "below about 1.8e308",
                                 e.what()));
  }
}

Json load_json_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string(), "cannot open file (does it exist and is it readable?)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), file.string());
}

std::string describe_json_type(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return fmt::format("the string {}", shown_value(value));
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return fmt::format("the number {}", value.dump());
    case Json::value_t::binary:
    case Json::value_t::discarded:
      return "an unsupported value";
  }
  return "an unsupported value";
}

void require_object(const Json& value, std::string_view path) {
  if (!value.is_object())
    throw InputError(std::string(path),
                     fmt::format("expected an object, got {}", describe_json_type(value)));
}

const Json& require_field(const Json& obj, std::string_view key, std::string_view path) {
  require_object(obj, path);
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    throw InputError(join_path(path, key), "required field is missing");
  return *it;
}

namespace {

const Json* find_present(const Json& obj, std::string_view key, std::string_view path) {
  require_object(obj, path);
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

double as_number(const Json& value, std::string_view key, std::string_view path) {
  if (!value.is_number())
    throw InputError(join_path(path, key),
                     fmt::format("expected a number, got {}", describe_json_type(value)));
  const double x = value.get<double>();
  if (!std::isfinite(x)) throw InputError(join_path(path, key), "expected a finite number");
  return x;
}

double as_positive(double x, std::string_view key, std::string_view path) {
  if (!(x > 0)) throw InputError(join_path(path, key), fmt::format("must be > 0, got {}", x));
  return x;
}

double within(double x, std::string_view key, std::string_view path, const Limit& limit) {
  if (x > limit.max)
    throw InputError(join_path(path, key),
                     fmt::format("{} is beyond the limit of {}{}{}", x, limit.max,
                                 limit.why.empty() ? "" : ": ", limit.why));
  return x;
}

std::int64_t as_int(const Json& value, std::string_view key, std::string_view path,
                    const Limit& limit) {
  const double x = as_number(value, key, path);
  if (std::floor(x) != x || std::fabs(x) > 9.0e15)
    throw InputError(join_path(path, key), fmt::format("expected an integer, got {}", x));
  if (x > kMaxInt && limit.max > kMaxInt)
    throw InputError(join_path(path, key),
                     fmt::format("{} is beyond the largest count trainsim holds, {}", x, kMaxInt));
  return static_cast<std::int64_t>(within(x, key, path, limit));
}

}  // namespace

double require_number(const Json& obj, std::string_view key, std::string_view path, Limit limit) {
  return within(as_number(require_field(obj, key, path), key, path), key, path, limit);
}

double require_positive_number(const Json& obj, std::string_view key, std::string_view path,
                               Limit limit) {
  return as_positive(require_number(obj, key, path, limit), key, path);
}

std::optional<double> optional_number(const Json& obj, std::string_view key, std::string_view path,
                                      Limit limit) {
  const Json* v = find_present(obj, key, path);
  if (!v) return std::nullopt;
  return within(as_number(*v, key, path), key, path, limit);
}

std::optional<double> optional_positive_number(const Json& obj, std::string_view key,
                                               std::string_view path, Limit limit) {
  auto x = optional_number(obj, key, path, limit);
  if (x) as_positive(*x, key, path);
  return x;
}

std::optional<double> optional_non_negative_number(const Json& obj, std::string_view key,
                                                   std::string_view path, Limit limit) {
  auto x = optional_number(obj, key, path, limit);
  if (x && *x < 0) throw InputError(join_path(path, key), fmt::format("must be >= 0, got {}", *x));
  return x;
}

std::int64_t require_positive_int(const Json& obj, std::string_view key, std::string_view path,
                                  Limit limit) {
  const std::int64_t x = as_int(require_field(obj, key, path), key, path, limit);
  if (x <= 0)
    throw InputError(join_path(path, key), fmt::format("must be a positive integer, got {}", x));
  return x;
}

std::optional<std::int64_t> optional_positive_int(const Json& obj, std::string_view key,
                                                  std::string_view path, Limit limit) {
  const Json* v = find_present(obj, key, path);
  if (!v) return std::nullopt;
  const std::int64_t x = as_int(*v, key, path, limit);
  if (x <= 0)
    throw InputError(join_path(path, key), fmt::format("must be a positive integer, got {}", x));
  return x;
}

std::optional<std::int64_t> optional_non_negative_int(const Json& obj, std::string_view key,
                                                      std::string_view path, Limit limit) {
  const Json* v = find_present(obj, key, path);
  if (!v) return std::nullopt;
  const std::int64_t x = as_int(*v, key, path, limit);
  if (x < 0) throw InputError(join_path(path, key), fmt::format("must be >= 0, got {}", x));
  return x;
}

std::string require_string(const Json& obj, std::string_view key, std::string_view path) {
  const Json& v = require_field(obj, key, path);
  if (!v.is_string())
    throw InputError(join_path(path, key),
                     fmt::format("expected a string, got {}", describe_json_type(v)));
  return v.get<std::string>();
}

std::optional<std::string> optional_string(const Json& obj, std::string_view key,
                                           std::string_view path) {
  const Json* v = find_present(obj, key, path);
  if (!v) return std::nullopt;
  if (!v->is_string())
    throw InputError(join_path(path, key),
                     fmt::format("expected a string, got {}", describe_json_type(*v)));
  return v->get<std::string>();
}

std::optional<bool> optional_bool(const Json& obj, std::string_view key, std::string_view path) {
  const Json* v = find_present(obj, key, path);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    throw InputError(join_path(path, key),
                     fmt::format("expected true or false, got {}", describe_json_type(*v)));
  return v->get<bool>();
}

void reject_unknown_fields(const Json& obj, std::string_view path,
                           const std::vector<std::string_view>& allowed) {
  require_object(obj, path);
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::vector<std::string> names(allowed.begin(), allowed.end());
    const auto near = nearest_names(key, names, 1);
    throw InputError(join_path(path, key),
                     fmt::format("unknown field '{}'{}; allowed: {}", key,
                                 near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near[0]),
                                 fmt::join(names, ", ")));
  }
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> nearest_names(std::string_view wanted,
                                       const std::vector<std::string>& known,
                                       std::size_t max_count) {
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // (distance, index)
  for (std::size_t i = 0; i < known.size(); ++i) {
    // A name that contains the query ("h100" in "h100-sxm5-80gb") ranks before any other.
    const bool contains = !wanted.empty() && known[i].find(wanted) != std::string::npos;
    scored.emplace_back(contains ? 0 : 1 + edit_distance(wanted, known[i]), i);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && out.size() < max_count; ++i)
    out.push_back(known[scored[i].second]);
  return out;
}

std::string unknown_name_message(std::string_view what, std::string_view wanted,
                                 const std::vector<std::string>& known) {
  const auto near = nearest_names(wanted, known);
  if (near.empty()) return fmt::format("unknown {} '{}'", what, wanted);
  return fmt::format("unknown {} '{}'; did you mean: {}?", what, wanted, fmt::join(near, ", "));
}

}  // namespace trainsim
