#pragma once
// Pipeline schedules as pure orderings: for one stage, the sequence of (pass, micro-batch, model
// chunk) it executes. One builder core turns any ordering into tasks; the bubble formulas
// ((p-1)/m, (p-1)/(v·m)) are test oracles, not inputs.
#include <cstdint>
#include <vector>

#include "sim/parallel/scenario.hpp"

namespace trainsim {

// `backward` is the whole backward pass, except under zero-bubble schedules, which split it into
// `backward` (input gradients, on the critical path between stages) and `weight` (weight
// gradients, free to fill bubbles).
enum class PassKind : std::uint8_t { forward, backward, weight };

struct ScheduleStep {
  PassKind pass = PassKind::forward;
  std::int32_t micro_batch = 0;
  std::int32_t chunk = 0;  // model chunk on this stage (0 unless interleaved)
};

// `micro_batches` per step; `vpp` model chunks per stage (interleaved only).
std::vector<ScheduleStep> pipeline_order(ScheduleKind schedule, int pp, int stage,
                                         std::int32_t micro_batches, int vpp);

}  // namespace trainsim
