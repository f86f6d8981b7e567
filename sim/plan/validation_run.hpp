#pragma once
// `trainsim validate` as one call (the CLI and the Python module): published measurements
// (tests/data/validation/published-dev.json's format) become scenarios, each one trainsim can
// model is predicted through the façade and held against its measurement; the others are listed
// with the reason. Reading and converting records is sim/validation/.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/error_stats.hpp"

namespace trainsim {

struct ValidationRequest {
  std::filesystem::path records_file;
  std::vector<std::string> overrides;   // --set, applied to every generated scenario
  std::filesystem::path scenarios_dir;  // when set, each scenario is written as <id>.json
  std::string unstated = "auto";        // auto | default (UnstatedSettings)
};

struct ValidatedRecord {
  std::string id, group;
  std::string framework;  // training.framework of the scenario it became
  double predicted_s = 0, measured_s = 0;
  double error = 0;  // relative_error(predicted, measured)
  // Every setting the source leaves unstated and what it became, each "auto" choice, and
  // where the measured time comes from.
  std::vector<std::string> assumptions;
  // Where the record reports its peak device memory: the predicted peak (the GPU with the
  // highest) against it.
  std::optional<double> predicted_peak_bytes, measured_memory_bytes, memory_error;
};

struct UnmodelledRecord {
  std::string id, reason;
};

struct ValidationReport {
  std::vector<ValidatedRecord> records;
  std::map<std::string, ErrorStats> groups;      // by group_of(id)
  std::map<std::string, ErrorStats> frameworks;  // by the scenarios' training.framework
  std::map<std::string, ErrorStats> memory;      // peak memory error by group, where reported
  std::vector<UnmodelledRecord> skipped;
};

// Throws InputError naming the file (unreadable, not an array of records), --unstated or
// --write-scenarios; a record that cannot be modelled is skipped, not thrown.
ValidationReport validate_records(const ValidationRequest& request);

}  // namespace trainsim
