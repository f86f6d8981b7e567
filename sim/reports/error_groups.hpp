#pragma once
// Prediction errors grouped by name (a source's group, a framework), as validate and its ranking
// mode print them.
#include <map>
#include <string>
#include <string_view>

#include "sim/core/error_stats.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

// {name: {"records", "mape", "max_abs_error"}}, in name order.
OrderedJson error_groups_to_json(const std::map<std::string, ErrorStats>& groups);
// One table line: the name, the record count, MAPE and the worst |error| in percent.
std::string error_group_line(std::string_view name, const ErrorStats& errors);

}  // namespace trainsim
