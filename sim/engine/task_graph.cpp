#include "sim/engine/task_graph.hpp"

#include <stdexcept>
#include <string>

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

LabelId TaskGraph::intern_label(std::string_view text) {
  // Builders reuse a handful of labels; the most recent ones are the likeliest to repeat.
  for (std::size_t i = labels_.size(); i-- > 0;)
    if (labels_[i] == text) return static_cast<LabelId>(i);
  labels_.emplace_back(text);
  return static_cast<LabelId>(labels_.size() - 1);
}

std::uint32_t TaskGraph::intern_parts(const CategoryTimes& parts, TimeCategory category,
                                      double duration_s) {
  CategoryTimes single{};
  single[static_cast<std::size_t>(category)] = duration_s;
  if (parts == single) return Task::kSinglePart;
  // The composite tasks of a step are the passes of a few (stage, pass) plans repeated for every
  // micro-batch: a short look back finds the shared entry.
  constexpr std::size_t kLookBack = 8;
  const std::size_t n = parts_.size();
  for (std::size_t i = n; i-- > (n > kLookBack ? n - kLookBack : 0);)
    if (parts_[i] == parts) return static_cast<std::uint32_t>(i);
  parts_.push_back(parts);
  return static_cast<std::uint32_t>(n);
}

void TaskGraph::misuse(const char* what) {
  throw std::logic_error(std::string("TaskGraph: ") + what);
}

void TaskGraph::clear() {
  streams_.clear();
  tasks_.clear();
  parts_.clear();
  labels_.clear();
  edges_.clear();
  succ_offsets_.clear();
  pred_offsets_.clear();
  edge_targets_.clear();
  edge_sources_.clear();
  frozen_ = false;
}

void TaskGraph::freeze(EdgeListStorage edge_list) {
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
  // Fill each range from its end, walking the edges backwards so that a range keeps the order
  // the edges were added in; offsets_[i + 1] counts down to task i's start, and one shift puts
  // the offsets back (no scratch copy of them).
  for (auto e = edges_.rbegin(); e != edges_.rend(); ++e) {
    const auto [from, to] = *e;
    edge_targets_[--succ_offsets_[from + 1]] = to;
    edge_sources_[--pred_offsets_[to + 1]] = from;
  }
  for (std::vector<std::uint32_t>* offsets : {&succ_offsets_, &pred_offsets_}) {
    offsets->erase(offsets->begin());
    offsets->push_back(static_cast<std::uint32_t>(edges_.size()));
  }
  edges_.clear();
  if (edge_list == EdgeListStorage::release) edges_.shrink_to_fit();
  frozen_ = true;
}

}  // namespace trainsim
