#pragma once
// Settings a record's source leaves unstated, from a cited secondary source: the optional
// `<records>.supplement.json` beside a records file (format: its "description"; example:
// tests/data/validation/published-dev.supplement.json). It fills only fields a record leaves null
// or absent, and each filled field becomes an assumption naming its citation.
#include <filesystem>
#include <string>
#include <vector>

#include "sim/core/json_fields.hpp"

namespace trainsim {

class Supplement {
 public:
  // No supplement: fill() changes nothing.
  Supplement() = default;
  // Reads `<records_file without extension>.supplement.json` when it exists; throws InputError
  // when it is not an object with a "records" object.
  static Supplement beside(const std::filesystem::path& records_file);
  // A supplement document read from `path` (named in errors and citations).
  Supplement(std::filesystem::path path, Json doc);

  // Fills the fields `record` leaves null or absent; returns one assumption per filled field,
  // "batch.micro = 16 from <cite>". Throws InputError (path "<file>: records.<id>...") for a
  // malformed entry or a source that is not a key of "sources" with a "cite".
  std::vector<std::string> fill(Json& record) const;

 private:
  std::string citation(const std::string& source, const std::string& where) const;

  std::filesystem::path path_;
  Json doc_;
};

}  // namespace trainsim
