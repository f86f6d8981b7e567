#pragma once
// `trainsim compare`: two predictions side by side — step, throughput, MFU, every part of the
// step, memory — and the difference attributed to the parts that moved.
#include <string>

#include "sim/reports/reports.hpp"

namespace trainsim {

struct Comparison {
  std::string a_label, b_label;  // "scenarios/default.json", "with parallel.pp=16"
  StepPrediction a, b;
};

// "B is 1.124 s (5.2%) faster than A: bubble -1.300 s, exposed pp +0.200 s"
std::string comparison_sentence(const Comparison& comparison);
std::string comparison_to_table(const Comparison& comparison);
OrderedJson comparison_to_json(const Comparison& comparison);

}  // namespace trainsim
