#pragma once
// What the engine runs: tasks on streams with dependency edges. A task is *what* (a duration, and
// the FLOPs/bytes it stands for) + *where* (a stream of a rank) + edges. Tasks of one stream run
// one at a time in the order they were added, like kernels on a CUDA stream; edges add the
// cross-stream waits (events). The graph knows nothing about transformers or NCCL.
#include <array>
#include <cassert>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trainsim {

using TaskId = std::uint32_t;
using StreamId = std::uint32_t;
using RankId = std::uint32_t;

// Where the time of a task goes in the step breakdown.
enum class TimeCategory : std::uint8_t {
  compute,
  optimizer,
  tp_comm,
  pp_comm,
  dp_comm,
  cp_comm,
  ep_comm
};
inline constexpr std::size_t kTimeCategoryCount = 7;
std::string_view name_of(TimeCategory category);
constexpr bool is_communication(TimeCategory c) {
  return c != TimeCategory::compute && c != TimeCategory::optimizer;
}

// Seconds per category; a task may be a composite (a layer's forward = GEMMs + blocking TP
// all-reduces), in which case its duration is the sum of its parts.
using CategoryTimes = std::array<double, kTimeCategoryCount>;

enum class StreamKind : std::uint8_t { compute, tp_comm, pp_comm, dp_comm, cp_comm, ep_comm };
inline constexpr std::size_t kStreamKindCount = 6;
std::string_view name_of(StreamKind kind);

struct Stream {
  RankId rank = 0;
  StreamKind kind = StreamKind::compute;
};

struct Task {
  StreamId stream = 0;
  std::uint32_t label = 0;                        // index into TaskGraph::labels()
  std::int32_t micro_batch = -1;                  // -1 when not tied to one micro-batch
  std::int32_t layer = -1;                        // -1 when not tied to one layer
  TimeCategory category = TimeCategory::compute;  // main category (for the trace colour)
  double duration_s = 0;
  CategoryTimes parts_s{};  // sums to duration_s
  double flops = 0;
  double bytes = 0;
};

// What a builder provides for one task.
struct TaskSpec {
  std::string_view label;
  TimeCategory category = TimeCategory::compute;
  double duration_s = 0;
  std::int32_t micro_batch = -1;
  std::int32_t layer = -1;
  double flops = 0;
  double bytes = 0;
  const CategoryTimes* parts_s = nullptr;  // null: all of duration_s is `category`
};

class TaskGraph {
 public:
  StreamId add_stream(RankId rank, StreamKind kind);
  // Appends a task at the end of `stream`'s program order.
  TaskId add_task(StreamId stream, const TaskSpec& spec);
  // `after` cannot start before `before` has finished.
  void add_edge(TaskId before, TaskId after);
  // Capacity hints: builders that know their size avoid regrowing (and re-faulting) storage.
  void reserve(std::size_t tasks, std::size_t edges) {
    tasks_.reserve(tasks);
    edges_.reserve(edges);
  }

  std::size_t task_count() const { return tasks_.size(); }
  std::size_t edge_count() const { return edge_targets_.size(); }
  const Task& task(TaskId id) const { return tasks_[id]; }
  const std::vector<Task>& tasks() const { return tasks_; }
  const std::vector<Stream>& streams() const { return streams_; }
  const std::string& label(std::uint32_t index) const { return labels_[index]; }

  // Explicit successors of a task (stream order not included), as a contiguous range.
  // Valid after freeze(); the engine calls it.
  void freeze();
  bool frozen() const { return frozen_; }
  std::span<const TaskId> successors(TaskId id) const;
  std::span<const TaskId> predecessors(TaskId id) const;

 private:
  std::uint32_t intern(std::string_view label);

  std::vector<Stream> streams_;
  std::vector<Task> tasks_;
  std::vector<std::string> labels_;
  std::vector<std::pair<TaskId, TaskId>> edges_;  // (before, after) until freeze()
  // Compressed adjacency (CSR) built by freeze().
  std::vector<std::uint32_t> succ_offsets_, pred_offsets_;
  std::vector<TaskId> edge_targets_, edge_sources_;
  bool frozen_ = false;
};

}  // namespace trainsim
