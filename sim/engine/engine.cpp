#include "sim/engine/engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace trainsim {

namespace {

void fill_stream_order(const TaskGraph& graph, std::vector<std::int64_t>& previous,
                       std::vector<std::int64_t>& last_on_stream) {
  const std::size_t n = graph.task_count();
  previous.resize(n);  // every entry is written below
  last_on_stream.assign(graph.streams().size(), -1);
  const Task* tasks = graph.tasks().data();
  for (TaskId id = 0; id < n; ++id) {
    std::int64_t& last = last_on_stream[tasks[id].stream];
    previous[id] = last;
    last = id;
  }
}

// The task after each one on its stream (`none` for a stream's last), from `previous`.
template <typename Id>
void fill_stream_next(const std::vector<std::int64_t>& previous, std::vector<Id>& next, Id none) {
  next.assign(previous.size(), none);
  for (std::size_t id = 0; id < previous.size(); ++id)
    if (previous[id] >= 0) next[static_cast<std::size_t>(previous[id])] = static_cast<Id>(id);
}
constexpr TaskId kNone = ~TaskId{0};

// The engine's working arrays, kept per thread between runs so that a search's thousands of
// runs do not allocate (and page-fault) them afresh.
struct EngineScratch {
  std::vector<std::int64_t> last_on_stream;
  std::vector<TaskId> stream_next;
  std::vector<std::uint32_t> pending;
  std::vector<double> ready_s;
  std::vector<TaskId> finished_unreleased;
};

}  // namespace

StreamOrder stream_order(const TaskGraph& graph) {
  StreamOrder order;
  std::vector<std::int64_t> last_on_stream;
  fill_stream_order(graph, order.previous, last_on_stream);
  fill_stream_next(order.previous, order.next, std::int64_t{-1});
  return order;
}

Timeline run_engine(TaskGraph& graph) {
  Timeline timeline;
  run_engine(graph, timeline);
  return timeline;
}

void run_engine(TaskGraph& graph, Timeline& timeline) {
  graph.freeze();
  const std::size_t n = graph.task_count();
  thread_local EngineScratch scratch;
  timeline.timing.resize(n);  // every task's timing is written when it starts
  timeline.makespan_s = 0;
  timeline.events = 0;
  fill_stream_order(graph, timeline.stream_previous, scratch.last_on_stream);
  fill_stream_next(timeline.stream_previous, scratch.stream_next, kNone);
  scratch.pending.resize(n);
  scratch.ready_s.assign(n, 0.0);
  scratch.finished_unreleased.resize(n);  // a task enters it once

  // Raw views for the loops below: through the vectors (members of thread-local and caller
  // objects) every store would make the compiler reload their data pointers.
  const Task* tasks = graph.tasks().data();
  const auto [succ_offsets, succ_targets] = graph.successor_arrays();
  const TaskId* stream_next = scratch.stream_next.data();
  const std::int64_t* stream_previous = timeline.stream_previous.data();
  std::uint32_t* pending = scratch.pending.data();
  double* ready_s = scratch.ready_s.data();
  TaskTiming* timing = timeline.timing.data();
  for (TaskId id = 0; id < n; ++id)
    pending[id] = graph.predecessor_count(id) + (stream_previous[id] >= 0 ? 1u : 0u);

  // Tasks whose start is known and whose successors are not yet released (a stack). Nothing is
  // shared between streams but the edges, so a task starts exactly when its last predecessor
  // ends; the order in which finished tasks are taken from here changes no time.
  TaskId* finished_unreleased = scratch.finished_unreleased.data();
  std::size_t unreleased = 0;
  auto start = [&](TaskId id, double now) {
    timing[id].start_s = now;
    timing[id].end_s = now + tasks[id].duration_s;
    finished_unreleased[unreleased++] = id;
  };
  for (TaskId id = 0; id < n; ++id)
    if (pending[id] == 0) start(id, 0.0);

  std::size_t finished = 0;
  double makespan_s = 0;
  auto release = [&](TaskId successor, double now) {
    ready_s[successor] = std::max(ready_s[successor], now);
    if (--pending[successor] == 0) start(successor, ready_s[successor]);
  };
  while (unreleased > 0) {
    const TaskId id = finished_unreleased[--unreleased];
    ++finished;
    const double end_s = timing[id].end_s;
    makespan_s = std::max(makespan_s, end_s);
    for (std::uint32_t e = succ_offsets[id]; e < succ_offsets[id + 1]; ++e)
      release(succ_targets[e], end_s);
    if (stream_next[id] != kNone) release(stream_next[id], end_s);
  }
  timeline.makespan_s = makespan_s;
  timeline.events = finished;
  if (finished != n)
    throw std::logic_error("engine: " + std::to_string(n - finished) +
                           " tasks never became ready (the task graph has a cycle)");
}

std::int64_t Timeline::critical_predecessor(const TaskGraph& graph, TaskId task) const {
  std::int64_t best = stream_previous[task];
  double best_end = best >= 0 ? timing[static_cast<std::size_t>(best)].end_s : -1.0;
  for (TaskId p : graph.predecessors(task)) {
    if (timing[p].end_s > best_end) {
      best = p;
      best_end = timing[p].end_s;
    }
  }
  return best;
}

}  // namespace trainsim
