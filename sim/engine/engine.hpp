#pragma once
// The fast engine. Each stream executes its tasks in program order, one at a time; a task starts
// when its stream is free and every predecessor has finished. Streams share nothing but these
// dependencies, so every start time is the latest end among a task's predecessors: one pass over
// the graph in dependency order (Kahn's algorithm) gives exactly the times a time-ordered event
// loop would, in O(tasks + edges) and without a priority queue.
#include <cstdint>
#include <vector>

#include "sim/engine/task_graph.hpp"

namespace trainsim {

struct TaskTiming {
  double start_s = 0;
  double end_s = 0;
};

struct Timeline {
  std::vector<TaskTiming> timing;  // indexed by TaskId
  double makespan_s = 0;
  std::uint64_t events = 0;  // task completions processed (every task once)

  // The predecessor (explicit edge or previous task on the same stream) that finished last,
  // i.e. the one that released `task`; -1 for a task that started at time 0 with none.
  std::int64_t critical_predecessor(const TaskGraph& graph, TaskId task) const;
  // Previous task on the same stream, or -1.
  std::vector<std::int64_t> stream_previous;
};

// Program order on each stream: for every task, the task before and after it on its stream
// (-1 at either end). Every engine that runs a TaskGraph walks this order.
struct StreamOrder {
  std::vector<std::int64_t> previous, next;
};
StreamOrder stream_order(const TaskGraph& graph);

// Runs the graph (freezing it first). Throws std::logic_error if the graph has a cycle.
Timeline run_engine(TaskGraph& graph);
// The same, into `timeline`, reusing its storage (and the calling thread's scratch): for callers
// that run thousands of graphs one after another.
void run_engine(TaskGraph& graph, Timeline& timeline);

}  // namespace trainsim
