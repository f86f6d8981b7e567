#include "sim/validation/published_record.hpp"

#include <fmt/format.h>

#include <vector>

#include "sim/validation/record_fields.hpp"

namespace trainsim {

PublishedRecord convert_published(const Json& records, std::size_t index,
                                  const Supplement& supplement, UnstatedSettings unstated) {
  const Json& published = records.at(index);
  const std::string stated_id = record_fields::text(published, "id");
  PublishedRecord out{stated_id.empty() ? fmt::format("[{}] (no id)", index) : stated_id,
                      SkippedRecord{}};
  Json record = published;
  const std::vector<std::string> supplied = supplement.fill(record);
  out.conversion = convert_record(record, unstated);
  if (auto* c = std::get_if<RecordConversion>(&out.conversion))
    c->assumptions.insert(c->assumptions.begin(), supplied.begin(), supplied.end());
  return out;
}

}  // namespace trainsim
