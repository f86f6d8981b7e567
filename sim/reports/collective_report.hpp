#pragma once
// A collective sweep rendered as `trainsim collective` prints it: nccl-tests' own layout (so it
// can be held against a real run), the comparison with a log, or one JSON object.
#include <string>

#include "sim/api/collective_sweep.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

OrderedJson collective_to_json(const CollectiveSweep& sweep);
std::string collective_to_table(const CollectiveSweep& sweep);

}  // namespace trainsim
