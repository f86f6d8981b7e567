#pragma once
// What would make a step that does not fit in GPU memory fit: each single change of a setting
// that trades time for memory (recomputation, sequence parallelism, ZeRO stage, a smaller
// micro-batch, more pipeline or tensor-parallel ranks), its peak from the closed-form memory
// model, kept when it is valid for the model and cluster and fits within the headroom.
#include <string>
#include <vector>

#include "sim/parallel/scenario.hpp"

namespace trainsim {

struct MemoryRemedy {
  std::string setting;  // "training.recompute=full", as --set writes it; "parallel.pp=16 (dp 4)"
  double peak_bytes = 0;
};

// `scenario` resolved and checked. In the order above, at most one per setting (the mildest
// value that fits: the largest micro-batch, the smallest ZeRO stage, ...).
std::vector<MemoryRemedy> memory_remedies(const Scenario& scenario);

}  // namespace trainsim
