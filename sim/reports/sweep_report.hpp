#pragma once
// A sweep rendered as a table, one JSON object, or CSV (a header line, then one line per point,
// the varied paths as the first columns; interface.md).
#include <string>
#include <vector>

#include "sim/plan/sweep.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

OrderedJson sweep_to_json(const SweepOptions& options, const std::vector<SweepPoint>& points);
std::string sweep_to_table(const SweepOptions& options, const std::vector<SweepPoint>& points);
std::string sweep_to_csv(const SweepOptions& options, const std::vector<SweepPoint>& points);

}  // namespace trainsim
