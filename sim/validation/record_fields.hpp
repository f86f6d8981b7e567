#pragma once
// Lenient reads of a hand-transcribed published record (tests/data/validation/published-dev.json):
// a field that is absent, null or of the wrong type reads as "not stated", so that the record is
// skipped with a reason instead of failing the whole file.
#include <optional>
#include <string>

#include "sim/core/json_fields.hpp"

namespace trainsim::record_fields {

// The field `key` of `obj`, or nullptr when `obj` is not an object or the field is absent or null.
const Json* field(const Json& obj, const char* key);
// The field as a number, or nullopt when it is not stated or not a number.
std::optional<double> number(const Json& obj, const char* key);
// A string field, or "" when it is absent or not a string.
std::string text(const Json& obj, const char* key);
// Why a numeric field cannot be used ("model.layers is not stated"), or nullopt when it is a
// number.
std::optional<std::string> unusable_number(const Json& obj, const char* section, const char* key);
// ASCII lower case.
std::string lower(std::string s);

}  // namespace trainsim::record_fields
