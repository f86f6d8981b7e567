#pragma once
// `trainsim explain` rendered as sentences for people (table) and as one JSON object with the
// same content.
#include <string>

#include "sim/plan/explanation.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

std::string explanation_to_table(const Explanation& explanation);
OrderedJson explanation_to_json(const Explanation& explanation);

// "parallel.schedule 1f1b -> interleaved, parallel.vpp 1 -> 2"
std::string describe_change(const Suggestion& suggestion);

}  // namespace trainsim
