#include "sim/engine/engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace trainsim {

namespace {

void fill_stream_order(const TaskGraph& graph, std::vector<std::int64_t>& previous,
                       std::vector<std::int64_t>& next, std::vector<std::int64_t>& last_on_stream) {
  // Every entry is written below (no fill needed): a task's next is -1 until a later task of
  // its stream appears.
  const std::size_t n = graph.task_count();
  previous.resize(n);
  next.resize(n);
  last_on_stream.assign(graph.streams().size(), -1);
  for (TaskId id = 0; id < n; ++id) {
    const StreamId s = graph.task(id).stream;
    previous[id] = last_on_stream[s];
    next[id] = -1;
    if (last_on_stream[s] >= 0) next[static_cast<std::size_t>(last_on_stream[s])] = id;
    last_on_stream[s] = id;
  }
}

// The engine's working arrays, kept per thread between runs so that a search's thousands of
// runs do not allocate (and page-fault) them afresh.
struct EngineScratch {
  std::vector<std::int64_t> stream_next, last_on_stream;
  std::vector<std::uint32_t> pending;
  std::vector<double> ready_s;
  std::vector<TaskId> finished_unreleased;
};

}  // namespace

StreamOrder stream_order(const TaskGraph& graph) {
  StreamOrder order;
  std::vector<std::int64_t> last_on_stream;
  fill_stream_order(graph, order.previous, order.next, last_on_stream);
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
  fill_stream_order(graph, timeline.stream_previous, scratch.stream_next, scratch.last_on_stream);
  const std::vector<std::int64_t>& stream_next = scratch.stream_next;

  std::vector<std::uint32_t>& pending = scratch.pending;
  std::vector<double>& ready_s = scratch.ready_s;
  pending.resize(n);
  ready_s.assign(n, 0.0);
  for (TaskId id = 0; id < n; ++id)
    pending[id] = static_cast<std::uint32_t>(graph.predecessors(id).size()) +
                  (timeline.stream_previous[id] >= 0 ? 1u : 0u);

  // Tasks whose start is known and whose successors are not yet released. Nothing is shared
  // between streams but the edges, so a task starts exactly when its last predecessor ends; the
  // order in which finished tasks are taken from here changes no time.
  std::vector<TaskId>& finished_unreleased = scratch.finished_unreleased;
  finished_unreleased.clear();
  auto start = [&](TaskId id, double now) {
    timeline.timing[id].start_s = now;
    timeline.timing[id].end_s = now + graph.task(id).duration_s;
    finished_unreleased.push_back(id);
  };
  for (TaskId id = 0; id < n; ++id)
    if (pending[id] == 0) start(id, 0.0);

  std::size_t finished = 0;
  auto release = [&](TaskId successor, double now) {
    ready_s[successor] = std::max(ready_s[successor], now);
    if (--pending[successor] == 0) start(successor, ready_s[successor]);
  };
  while (!finished_unreleased.empty()) {
    const TaskId id = finished_unreleased.back();
    finished_unreleased.pop_back();
    ++finished;
    const double end_s = timeline.timing[id].end_s;
    timeline.makespan_s = std::max(timeline.makespan_s, end_s);
    for (TaskId successor : graph.successors(id)) release(successor, end_s);
    if (stream_next[id] >= 0) release(static_cast<TaskId>(stream_next[id]), end_s);
  }
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
