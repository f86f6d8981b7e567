#include "sim/engine/engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace trainsim {

StreamOrder stream_order(const TaskGraph& graph) {
  const std::size_t n = graph.task_count();
  StreamOrder order{std::vector<std::int64_t>(n, -1), std::vector<std::int64_t>(n, -1)};
  std::vector<std::int64_t> last_on_stream(graph.streams().size(), -1);
  for (TaskId id = 0; id < n; ++id) {
    const StreamId s = graph.task(id).stream;
    if (last_on_stream[s] >= 0) {
      order.next[static_cast<std::size_t>(last_on_stream[s])] = id;
      order.previous[id] = last_on_stream[s];
    }
    last_on_stream[s] = id;
  }
  return order;
}

Timeline run_engine(TaskGraph& graph) {
  graph.freeze();
  const std::size_t n = graph.task_count();
  Timeline timeline;
  timeline.timing.assign(n, TaskTiming{});
  StreamOrder order = stream_order(graph);
  const std::vector<std::int64_t>& stream_next = order.next;
  timeline.stream_previous = std::move(order.previous);

  std::vector<std::uint32_t> pending(n, 0);
  std::vector<double> ready_s(n, 0.0);
  for (TaskId id = 0; id < n; ++id)
    pending[id] = static_cast<std::uint32_t>(graph.predecessors(id).size()) +
                  (timeline.stream_previous[id] >= 0 ? 1u : 0u);

  // Tasks whose start is known and whose successors are not yet released. Nothing is shared
  // between streams but the edges, so a task starts exactly when its last predecessor ends; the
  // order in which finished tasks are taken from here changes no time.
  std::vector<TaskId> finished_unreleased;
  finished_unreleased.reserve(graph.streams().size());
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
  return timeline;
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
