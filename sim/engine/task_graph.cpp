#include "sim/engine/task_graph.hpp"

#include <stdexcept>

namespace trainsim {

std::string_view name_of(TimeCategory category) {
  switch (category) {
    case TimeCategory::compute:
      return "compute";
    case TimeCategory::optimizer:
      return "optimizer";
    case TimeCategory::tp_comm:
      return "tp";
    case TimeCategory::pp_comm:
      return "pp";
    case TimeCategory::dp_comm:
      return "dp";
    case TimeCategory::cp_comm:
      return "cp";
    case TimeCategory::ep_comm:
      return "ep";
  }
  return "?";
}

std::string_view name_of(StreamKind kind) {
  switch (kind) {
    case StreamKind::compute:
      return "compute";
    case StreamKind::tp_comm:
      return "tp comm";
    case StreamKind::pp_comm:
      return "pp send/recv";
    case StreamKind::dp_comm:
      return "dp comm";
    case StreamKind::cp_comm:
      return "cp comm";
    case StreamKind::ep_comm:
      return "ep comm";
  }
  return "?";
}

StreamId TaskGraph::add_stream(RankId rank, StreamKind kind) {
  if (frozen_) throw std::logic_error("TaskGraph: cannot add a stream after freeze()");
  streams_.push_back(Stream{rank, kind});
  return static_cast<StreamId>(streams_.size() - 1);
}

std::uint32_t TaskGraph::intern(std::string_view label) {
  // Builders reuse a handful of labels; the most recent ones are the likeliest to repeat.
  for (std::size_t i = labels_.size(); i-- > 0;)
    if (labels_[i] == label) return static_cast<std::uint32_t>(i);
  labels_.emplace_back(label);
  return static_cast<std::uint32_t>(labels_.size() - 1);
}

TaskId TaskGraph::add_task(StreamId stream, const TaskSpec& spec) {
  if (frozen_) throw std::logic_error("TaskGraph: cannot add a task after freeze()");
  if (stream >= streams_.size()) throw std::logic_error("TaskGraph: unknown stream");
  if (!(spec.duration_s >= 0)) throw std::logic_error("TaskGraph: negative or NaN duration");
  Task task;
  task.stream = stream;
  task.label = intern(spec.label);
  task.micro_batch = spec.micro_batch;
  task.layer = spec.layer;
  task.category = spec.category;
  task.duration_s = spec.duration_s;
  if (spec.parts_s) {
    task.parts_s = *spec.parts_s;
  } else {
    task.parts_s[static_cast<std::size_t>(spec.category)] = spec.duration_s;
  }
  task.flops = spec.flops;
  task.bytes = spec.bytes;
  tasks_.push_back(task);
  return static_cast<TaskId>(tasks_.size() - 1);
}

void TaskGraph::add_edge(TaskId before, TaskId after) {
  if (frozen_) throw std::logic_error("TaskGraph: cannot add an edge after freeze()");
  if (before >= tasks_.size() || after >= tasks_.size())
    throw std::logic_error("TaskGraph: edge to an unknown task");
  if (before == after) throw std::logic_error("TaskGraph: a task cannot depend on itself");
  edges_.emplace_back(before, after);
}

void TaskGraph::freeze() {
  if (frozen_) return;
  const std::size_t n = tasks_.size();
  succ_offsets_.assign(n + 1, 0);
  pred_offsets_.assign(n + 1, 0);
  for (const auto& [from, to] : edges_) {
    ++succ_offsets_[from + 1];
    ++pred_offsets_[to + 1];
  }
  for (std::size_t i = 0; i < n; ++i) {
    succ_offsets_[i + 1] += succ_offsets_[i];
    pred_offsets_[i + 1] += pred_offsets_[i];
  }
  edge_targets_.resize(edges_.size());
  edge_sources_.resize(edges_.size());
  std::vector<std::uint32_t> succ_fill(succ_offsets_.begin(), succ_offsets_.end() - 1);
  std::vector<std::uint32_t> pred_fill(pred_offsets_.begin(), pred_offsets_.end() - 1);
  for (const auto& [from, to] : edges_) {
    edge_targets_[succ_fill[from]++] = to;
    edge_sources_[pred_fill[to]++] = from;
  }
  edges_.clear();
  edges_.shrink_to_fit();
  frozen_ = true;
}

std::span<const TaskId> TaskGraph::successors(TaskId id) const {
  if (!frozen_) throw std::logic_error("TaskGraph: successors() needs freeze()");
  return {edge_targets_.data() + succ_offsets_[id], succ_offsets_[id + 1] - succ_offsets_[id]};
}

std::span<const TaskId> TaskGraph::predecessors(TaskId id) const {
  if (!frozen_) throw std::logic_error("TaskGraph: predecessors() needs freeze()");
  return {edge_sources_.data() + pred_offsets_[id], pred_offsets_[id + 1] - pred_offsets_[id]};
}

}  // namespace trainsim
