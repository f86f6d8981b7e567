// A file of published records (a JSON array) with an empty supplement, each record converted to a
// scenario and predicted as `trainsim validate` does; or, for an object with "sets", the
// comparison-set reading of its first set.
#include "fuzz_input.hpp"
#include "sim/api/trainsim.hpp"
#include "sim/validation/published_record.hpp"
#include "sim/validation/ranking_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trainsim;
  fuzz::expect_accepted_or_refused([&] {
    const Json doc = parse_json_text(fuzz::as_text(data, size), "records.json");
    std::vector<Json> scenarios;
    if (doc.is_array()) {
      const Supplement none;
      for (std::size_t i = 0; i < doc.size() && i < 8; ++i) {
        const PublishedRecord r = convert_published(doc, i, none);
        if (const auto* c = std::get_if<RecordConversion>(&r.conversion))
          scenarios.push_back(c->scenario);
      }
    } else if (doc.is_object() && doc.contains("sets") && doc["sets"].is_array() &&
               !doc["sets"].empty() && doc["sets"][0].is_object()) {
      const Json& set = doc["sets"][0];
      if (set.contains("records") && set["records"].is_array())
        for (const Json& record : set["records"]) {
          if (scenarios.size() >= 8) break;
          const auto read = ranking_record(set, record);
          if (const auto* r = std::get_if<RankingRecord>(&read))
            if (const auto c = convert_record(r->published);
                std::holds_alternative<RecordConversion>(c))
              scenarios.push_back(std::get<RecordConversion>(c).scenario);
        }
    }
    for (const Json& s : scenarios) {
      fuzz::expect_accepted_or_refused([&] { predict(parse_scenario(s, data_root())); });
    }
  });
  return 0;
}
