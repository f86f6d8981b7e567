#include "sim/validation/supplement.hpp"

#include <fmt/format.h>

#include <utility>

#include "sim/core/errors.hpp"
#include "sim/validation/record_fields.hpp"

namespace trainsim {

using record_fields::text;

Supplement Supplement::beside(const std::filesystem::path& records_file) {
  std::filesystem::path path = records_file;
  path.replace_extension(".supplement.json");
  if (!std::filesystem::exists(path)) return Supplement();
  Json doc = load_json_file(path.string());
  return Supplement(std::move(path), std::move(doc));
}

Supplement::Supplement(std::filesystem::path path, Json doc)
    : path_(std::move(path)), doc_(std::move(doc)) {
  if (!doc_.is_object() || !doc_.contains("records") || !doc_["records"].is_object())
    throw InputError(path_.string(), "expected an object with a \"records\" object");
}

std::vector<std::string> Supplement::fill(Json& record) const {
  std::vector<std::string> filled;
  if (doc_.is_null() || !record.is_object()) return filled;
  const std::string id = text(record, "id");
  const auto entry = doc_["records"].find(id);
  if (entry == doc_["records"].end()) return filled;
  const std::string where = fmt::format("{}: records.{}", path_.filename().string(), id);
  if (!entry->is_object()) throw InputError(where, "expected an object");
  const std::string cite = citation(text(*entry, "source"), where);
  for (const auto& [section, fields] : entry->items()) {
    if (section == "source") continue;
    if (!fields.is_object())
      throw InputError(where + "." + section, "expected an object of record fields");
    Json& target = record[section];
    if (target.is_null()) target = Json::object();
    if (!target.is_object())
      continue;  // a malformed record: convert_record() says why it is skipped
    for (const auto& [key, value] : fields.items()) {
      if (target.contains(key) && !target[key].is_null()) continue;  // the source stated it
      target[key] = value;
      filled.push_back(fmt::format("{}.{} = {} from {}", section, key, shown_value(value), cite));
    }
  }
  return filled;
}

std::string Supplement::citation(const std::string& source, const std::string& where) const {
  const Json& sources = doc_.contains("sources") ? doc_["sources"] : Json::object();
  const auto it = sources.find(source);
  if (it == sources.end() || !it->is_object() || !it->contains("cite"))
    throw InputError(where + ".source",
                     fmt::format("'{}' is not a key of \"sources\" with a \"cite\"", source));
  if (!(*it)["cite"].is_string())
    throw InputError(fmt::format("{}: sources.{}.cite", path_.filename().string(), source),
                     fmt::format("expected a string (the reference), got {}",
                                 describe_json_type((*it)["cite"])));
  return (*it)["cite"].get<std::string>();
}

}  // namespace trainsim
