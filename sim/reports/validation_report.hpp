#pragma once
// A validation rendered as `trainsim validate` prints it: a table (one line per record, MAPE per
// group, the skipped records) or one JSON object (interface.md).
#include <string>

#include "sim/plan/validation_run.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

OrderedJson validation_to_json(const ValidationReport& report);
std::string validation_to_table(const ValidationReport& report);

}  // namespace trainsim
