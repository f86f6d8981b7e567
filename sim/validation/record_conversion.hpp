#pragma once
// A published training-step record (the format of tests/data/validation/published-dev.json) as a
// trainsim scenario: the scenario JSON, the measured iteration time (or how it follows from the
// prediction), and every assumption made for a field the source leaves unstated. A record that
// cannot be modelled is skipped with the reason.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/core/json_fields.hpp"

namespace trainsim {

struct SkippedRecord {
  std::string reason;  // "model.layers is not stated", "no preset for GPU 'V100'", ...
};

struct RecordConversion {
  Json scenario;  // sim/parallel/scenario.hpp's format; "name" is the record id
  // The measured iteration time; 0 when it follows from a throughput in Megatron-Core's FLOP
  // convention (mcore_tflops_per_gpu) and the predicted FLOP count: see measured_time_s().
  double measured_s = 0;
  double mcore_tflops_per_gpu = 0;
  std::string measured_from;             // "measured.iter_time_s", ...
  std::vector<std::string> assumptions;  // one sentence per unstated field, in record order

  // measured_s when the record states it, else the time at which `gpus` GPUs at
  // mcore_tflops_per_gpu perform `model_flops_per_step` (the prediction's model FLOPs).
  double measured_time_s(double model_flops_per_step, double gpus) const;
  // The scenario with a "description" listing the assumptions (what --write-scenarios writes).
  Json described_scenario() const;
};

std::variant<RecordConversion, SkippedRecord> convert_record(const Json& record);

// The group a record id is reported under ("Megatron SC'21 Table 1 (A100)"); an id of no known
// family falls in the group named by its prefix up to the first '-'.
std::string group_of(std::string_view record_id);

}  // namespace trainsim
