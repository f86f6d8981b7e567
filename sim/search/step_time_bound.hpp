#pragma once
// A lower bound on the step time the fast engine predicts, from the per-pass cost table alone
// (no task graph, no simulation): what lets a search skip configurations that cannot beat the
// ones it already has, without changing its answer.
//
// Why it holds, for a resolved and checked scenario on the analytic engine:
//  1. Each pipeline stage's passes run one after another on its compute stream, each for the
//     sum of its pieces' times (step_builder), so the step lasts at least one stage's total.
//  2. The last stage's first pass is the forward of micro-batch 0 through virtual stage pp − 1,
//     which waits for that micro-batch's forwards through virtual stages 0 … pp − 2 (one per
//     earlier stage, for every schedule: interleaved and ZB-V both place chunk 0 down the
//     stages). So the step lasts at least that fill plus the last stage's total.
//  3. Under GPipe, 1F1B and the interleaved schedule the last stage's final pass is the backward
//     of a micro-batch through chunk 0 (virtual stage pp − 1), which that micro-batch's backwards
//     through virtual stages pp − 2 … 0 then follow one after another: the drain adds to 2.
//     (Zero-bubble schedules may end on a weight pass, which nothing waits for.)
// Pipeline transfers, the optimizer, DP communication and waits only add to these, so they are
// left out. Tested against the engine on every bundled scenario and random strategies.
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

double step_time_lower_bound(const Scenario& resolved, const PassCostTable& costs);

}  // namespace trainsim
