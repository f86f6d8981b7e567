#pragma once
// One record of a records file on its way to a prediction: its id as reported, and the record,
// completed by the supplement, converted to a scenario (or skipped with the reason). The
// supplement's filled fields come first among the conversion's assumptions.
#include <cstddef>
#include <string>
#include <variant>

#include "sim/core/json_fields.hpp"
#include "sim/validation/record_conversion.hpp"
#include "sim/validation/supplement.hpp"

namespace trainsim {

struct PublishedRecord {
  std::string id;  // the record's "id", or "[<index>] (no id)"
  std::variant<RecordConversion, SkippedRecord> conversion;
};

// `records[index]` of a records file (a JSON array). Throws InputError for a malformed
// supplement entry (Supplement::fill).
PublishedRecord convert_published(const Json& records, std::size_t index,
                                  const Supplement& supplement,
                                  UnstatedSettings unstated = UnstatedSettings::fixed);

}  // namespace trainsim
