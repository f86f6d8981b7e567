#pragma once
// How one step differs from another, part by part: what `explain` says a change buys and what
// `compare` attributes a difference to.
#include <string>
#include <vector>

#include "sim/parallel/breakdown.hpp"

namespace trainsim {

struct PartDifference {
  std::string name;    // named_parts' names: "compute", "bubble", "stage imbalance", ...
  double delta_s = 0;  // `to` minus `from`
};

// Every part, in that fixed order; the deltas sum to the difference of the breakdowns' totals.
std::vector<PartDifference> part_differences(const Breakdown& from, const Breakdown& to);

// The parts that moved by at least 0.1 ms, largest change first.
std::vector<PartDifference> largest_differences(const Breakdown& from, const Breakdown& to);

// "+0.400 s", "-2.300 s", "+12.5 ms".
std::string signed_seconds(double s);

// "bubble -2.300 s, exposed dp +0.400 s"; "no part changed" when empty.
std::string describe(const std::vector<PartDifference>& differences);

}  // namespace trainsim
