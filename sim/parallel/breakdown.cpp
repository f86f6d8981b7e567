#include "sim/parallel/breakdown.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace trainsim {

double Breakdown::total_s() const {
  return compute_s + optimizer_s + bubble_s +
         std::accumulate(exposed_comm_s.begin(), exposed_comm_s.end(), 0.0);
}

std::vector<NamedPart> named_parts(const Breakdown& b) {
  static constexpr std::pair<TimeCategory, std::string_view> kExposed[] = {
      {TimeCategory::tp_comm, "exposed tp"},
      {TimeCategory::pp_comm, "exposed pp"},
      {TimeCategory::dp_comm, "exposed dp"},
      {TimeCategory::cp_comm, "exposed cp"},
      {TimeCategory::ep_comm, "exposed ep"}};
  std::vector<NamedPart> parts = {{"compute", b.compute_s},
                                  {"bubble", b.bubble_s - b.stage_imbalance_s},
                                  {"stage imbalance", b.stage_imbalance_s}};
  for (const auto& [category, name] : kExposed) parts.push_back({name, b.exposed(category)});
  parts.push_back({"optimizer", b.optimizer_s});
  return parts;
}

namespace {

// Attributes [gap_start, gap_end) by following, backwards from `next`, the predecessors that
// released each task.
void explain_gap(const TaskGraph& graph, const Timeline& timeline, RankId rank, TaskId next,
                 double gap_start, double gap_end, Breakdown& out) {
  double cursor = gap_end;
  std::int64_t current = next;
  while (cursor > gap_start) {
    const std::int64_t pred = timeline.critical_predecessor(graph, static_cast<TaskId>(current));
    if (pred < 0) {  // nothing released it: it started at time 0 with nothing to wait for
      out.bubble_s += cursor - gap_start;
      return;
    }
    const Task& task = graph.task(static_cast<TaskId>(pred));
    const TaskTiming& t = timeline.timing[static_cast<std::size_t>(pred)];
    const double from = std::max(t.start_s, gap_start);
    const double covered = std::max(0.0, std::min(t.end_s, cursor) - from);
    const bool own = graph.streams()[task.stream].rank == rank;
    if (task.category == TimeCategory::pp_comm) {
      out.exposed_comm_s[index_of(TimeCategory::pp_comm)] += covered;
    } else if (own && is_communication(task.category)) {
      out.exposed_comm_s[index_of(task.category)] += covered;
    } else {
      out.bubble_s += covered;  // another stage's work (or this stage's, which cannot happen)
    }
    cursor = from;
    current = pred;
  }
}

}  // namespace

Breakdown explain_rank(const TaskGraph& graph, const Timeline& timeline, StreamId compute_stream,
                       double step_end_s) {
  Breakdown out;
  const RankId rank = graph.streams()[compute_stream].rank;
  double busy_until = 0;
  std::int64_t last_on_rank = -1;
  double last_end = -1;
  for (TaskId id = 0; id < graph.task_count(); ++id) {
    const Task& task = graph.task(id);
    if (graph.streams()[task.stream].rank == rank && timeline.timing[id].end_s > last_end) {
      last_end = timeline.timing[id].end_s;
      last_on_rank = id;
    }
    if (task.stream != compute_stream) continue;
    const TaskTiming& t = timeline.timing[id];
    if (t.start_s > busy_until) explain_gap(graph, timeline, rank, id, busy_until, t.start_s, out);
    const CategoryTimes parts = graph.parts_of(id);
    out.compute_s += parts[index_of(TimeCategory::compute)];
    out.optimizer_s += parts[index_of(TimeCategory::optimizer)];
    for (std::size_t c = index_of(TimeCategory::tp_comm); c < kTimeCategoryCount; ++c)
      out.exposed_comm_s[c] += parts[c];
    // A blocking transfer on the compute stream that the flow engine slowed by sharing links
    // (an all-to-all meeting other traffic) runs past its parts: the excess is its own
    // exposed communication.
    const double parts_s = std::accumulate(parts.begin(), parts.end(), 0.0);
    const double excess_s = (t.end_s - t.start_s) - parts_s;
    if (excess_s > 0 && is_communication(task.category))
      out.exposed_comm_s[index_of(task.category)] += excess_s;
    busy_until = std::max(busy_until, t.end_s);
  }
  // After the last compute task: the rank's trailing collectives (e.g. a parameter all-gather),
  // then waiting for the slowest rank.
  if (last_on_rank >= 0 && last_end > busy_until) {
    const Task& tail = graph.task(static_cast<TaskId>(last_on_rank));
    const TaskTiming& t = timeline.timing[static_cast<std::size_t>(last_on_rank)];
    const double own = t.end_s - std::max(t.start_s, busy_until);
    out.exposed_comm_s[index_of(tail.category == TimeCategory::compute ? TimeCategory::dp_comm
                                                                       : tail.category)] += own;
    if (t.start_s > busy_until)
      explain_gap(graph, timeline, rank, static_cast<TaskId>(last_on_rank), busy_until, t.start_s,
                  out);
    busy_until = last_end;
  }
  if (step_end_s > busy_until) out.bubble_s += step_end_s - busy_until;
  return out;
}

void split_stage_imbalance(Breakdown& explained, const std::vector<double>& stage_busy_s,
                           int explained_stage, std::int64_t micro_batches) {
  explained.stage_imbalance_s = 0;
  explained.slowest_stage = explained_stage;
  explained.slowest_excess_per_micro_batch_s = 0;
  if (micro_batches < 1 || explained_stage < 0 ||
      static_cast<std::size_t>(explained_stage) >= stage_busy_s.size())
    return;
  const auto slowest = std::max_element(stage_busy_s.begin(), stage_busy_s.end());
  const double m = static_cast<double>(micro_batches);
  const double excess_s = (*slowest - stage_busy_s[static_cast<std::size_t>(explained_stage)]) / m;
  if (!(excess_s > 0)) return;
  explained.slowest_stage = static_cast<int>(slowest - stage_busy_s.begin());
  explained.slowest_excess_per_micro_batch_s = excess_s;
  explained.stage_imbalance_s = std::clamp((m - 1) * excess_s, 0.0, explained.bubble_s);
}

}  // namespace trainsim
