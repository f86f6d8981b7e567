#pragma once
// Where the step time of one simulated GPU goes. Its compute stream is either busy (compute,
// optimizer, or blocking collectives inside composite tasks) or idle; each idle gap is explained by
// walking the chain of tasks that released the next task: time spent in this GPU's own
// collectives or in pipeline transfers is exposed communication of that kind, time spent waiting
// for other stages' compute is pipeline bubble. The parts add up to the step time exactly.
#include <array>

#include "sim/engine/engine.hpp"
#include "sim/engine/task_graph.hpp"

namespace trainsim {

struct Breakdown {
  double compute_s = 0;
  double optimizer_s = 0;
  double bubble_s = 0;
  // Indexed by TimeCategory (compute/optimizer slots unused): tp, pp, dp, cp, ep.
  CategoryTimes exposed_comm_s{};

  double exposed(TimeCategory c) const { return exposed_comm_s[static_cast<std::size_t>(c)]; }
  double total_s() const;
};

// `rank`'s compute stream is `compute_stream`; the step ends at `step_end_s`.
Breakdown explain_rank(const TaskGraph& graph, const Timeline& timeline, StreamId compute_stream,
                       double step_end_s);

}  // namespace trainsim
