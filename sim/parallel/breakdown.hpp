#pragma once
// Where the step time of one simulated GPU goes. Its compute stream is either busy (compute,
// optimizer, or blocking collectives inside composite tasks) or idle; each idle gap is explained by
// walking the chain of tasks that released the next task: time spent in this GPU's own
// collectives or in pipeline transfers is exposed communication of that kind, time spent waiting
// for other stages' compute is pipeline bubble. The parts add up to the step time exactly.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/engine/task_graph.hpp"

namespace trainsim {

struct Breakdown {
  double compute_s = 0;
  double optimizer_s = 0;
  double bubble_s = 0;  // waiting for other stages: the schedule's fill and drain, and imbalance
  // The part of bubble_s owed to a slower stage (see stage_imbalance below): waiting that more
  // micro-batches do not shrink but balanced stages would remove.
  double stage_imbalance_s = 0;
  int slowest_stage = 0;                        // the stage whose pace the others wait for
  double slowest_excess_per_micro_batch_s = 0;  // its busy time per micro-batch beyond this GPU's
  // Indexed by TimeCategory (compute/optimizer slots unused): tp, pp, dp, cp, ep.
  CategoryTimes exposed_comm_s{};

  double exposed(TimeCategory c) const { return exposed_comm_s[static_cast<std::size_t>(c)]; }
  double total_s() const;
};

// One part of a step by name.
struct NamedPart {
  std::string_view name;  // "compute", "bubble", "stage imbalance", "exposed tp" ... "optimizer"
  double seconds = 0;
};

// The parts in that fixed order (compute, bubble, stage imbalance, exposed tp, pp, dp, cp, ep,
// optimizer), the bubble without its stage imbalance, so that they add up to the step.
std::vector<NamedPart> named_parts(const Breakdown& b);

// `rank`'s compute stream is `compute_stream`; the step ends at `step_end_s`.
Breakdown explain_rank(const TaskGraph& graph, const Timeline& timeline, StreamId compute_stream,
                       double step_end_s);

// Splits `explained.bubble_s` into the schedule's part and stage imbalance. A pipeline runs at
// the pace of its slowest stage: with per-micro-batch busy times t_s (everything on the stage's
// compute stream but the optimizer), a step of m micro-batches lasts about
// Σ_s t_s + (m − 1)·max_s t_s, so the explained GPU r idles Σ_{s≠r} t_s (the fill and drain,
// which interleaving divides) plus (m − 1)·(max_s t_s − t_r): the imbalance, which grows with m
// and which only balancing the stages removes. `stage_busy_s[i]` is stage i's busy time over the
// step (the slowest GPU of the stage when several are simulated); `explained_stage` is r.
void split_stage_imbalance(Breakdown& explained, const std::vector<double>& stage_busy_s,
                           int explained_stage, std::int64_t micro_batches);

}  // namespace trainsim
