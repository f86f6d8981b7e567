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
//  3. Under GPipe and 1F1B the last stage's final pass is a backward, which the earlier stages'
//     backwards of the same micro-batch then follow one after another: the drain adds to 2.
// Pipeline transfers, the optimizer, DP communication and waits only add to these, so they are
// left out. Tested against the engine on every bundled scenario and random strategies.
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

double step_time_lower_bound(const Scenario& resolved, const PassCostTable& costs);

}  // namespace trainsim
