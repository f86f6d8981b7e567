#pragma once
// One strategy of a comparison set (the format of ranking-dev.json: sets of strategies of one
// model on one cluster, each with the throughput measured or "OOM") as a published training-step
// record (record_conversion.hpp's format), so that it becomes a scenario the way every
// validation record does. The set's text fields ("64 per later note ...", "1 (ZeRO-1 via
// DeepSpeed ...)") are read by their leading number; what a set leaves unstated is skipped with
// the reason, never guessed.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/core/json_fields.hpp"
#include "sim/validation/record_conversion.hpp"

namespace trainsim {

enum class RankingOutcome { measured, out_of_memory };

struct RankingRecord {
  std::string id;
  RankingOutcome outcome = RankingOutcome::measured;
  Json published;                        // record_conversion.hpp's record format
  std::vector<std::string> assumptions;  // readings of the set's text beyond convert_record's
  // Device memory the run reported (measured.gpu_mem, "39GB"), read as GiB: what nvidia-smi and
  // the frameworks' logs print as "GB" is MiB / 1024, and 80 GB cards report at most 79-80.
  std::optional<double> measured_memory_bytes;
};

// `record` of comparison set `set`; SkippedRecord when it cannot be modelled or has no
// measurement (a status other than ok and OOM).
std::variant<RankingRecord, SkippedRecord> ranking_record(const Json& set, const Json& record);

}  // namespace trainsim
