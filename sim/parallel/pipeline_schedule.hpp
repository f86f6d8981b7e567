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

// `micro_batches` per step; `vpp` model chunks per stage (interleaved only; ZB-V always has 2).
std::vector<ScheduleStep> pipeline_order(ScheduleKind schedule, int pp, int stage,
                                         std::int32_t micro_batches, int vpp);

// What shapes a schedule found by list scheduling (ZB-V): each pass's duration per virtual stage
// and the time of one hop between stages. The fixed patterns ignore it.
struct PassDurations {
  std::vector<double> forward_s, backward_s, weight_s;  // indexed by virtual stage
  double transfer_s = 0;
};

// Every stage's order at once (ZB-V's list schedule covers the whole pipeline); `durations`
// null = unit durations.
std::vector<std::vector<ScheduleStep>> pipeline_orders(ScheduleKind schedule, int pp,
                                                       std::int32_t micro_batches, int vpp,
                                                       const PassDurations* durations = nullptr);

// Placement of model chunks. Virtual stages number the chunks of the whole model from the
// embedding (0) to the loss (pp · chunks − 1). Interleaved (Megatron) deals them round-robin:
// chunk c of stage s is virtual stage c·pp + s. ZB-V lays two chunks out as a V: chunk 0 runs
// down the stages (s) and chunk 1 back up (2pp − 1 − s), so stage 0 holds both the embedding
// and the loss, and the turn at the last stage needs no transfer.
// (Inline: the step builder asks for every pass.)
inline int virtual_stage_of(ScheduleKind schedule, int pp, int stage, int chunk) {
  if (schedule == ScheduleKind::zb_v) return chunk == 0 ? stage : 2 * pp - 1 - stage;
  return chunk * pp + stage;
}
inline int stage_of_virtual(ScheduleKind schedule, int pp, int virtual_stage) {
  if (schedule == ScheduleKind::zb_v)
    return virtual_stage < pp ? virtual_stage : 2 * pp - 1 - virtual_stage;
  return virtual_stage % pp;
}
inline int chunk_of_virtual(ScheduleKind schedule, int pp, int virtual_stage) {
  if (schedule == ScheduleKind::zb_v) return virtual_stage < pp ? 0 : 1;
  return virtual_stage / pp;
}

// Largest number of chunk passes a stage holds activations for at once under `order`: a forward
// stores them, and the pass that finishes the backward (the weight pass when the backward is
// split) frees them.
int peak_chunks_in_flight(const std::vector<ScheduleStep>& order);

}  // namespace trainsim
