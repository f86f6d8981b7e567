#pragma once
// A ranking validation (sim/plan/ranking_run.hpp) as `trainsim validate` prints it: per set the
// strategies, Kendall's tau, the regret of the predicted best and the memory agreement, then the
// means; or one JSON object with the same content.
#include <string>

#include "sim/plan/ranking_run.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

OrderedJson ranking_to_json(const RankingReport& report);
std::string ranking_to_table(const RankingReport& report);

}  // namespace trainsim
