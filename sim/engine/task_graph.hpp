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
using LabelId = std::uint32_t;

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
// The communication categories, in output order.
inline constexpr TimeCategory kCommunicationCategories[] = {
    TimeCategory::tp_comm, TimeCategory::pp_comm, TimeCategory::dp_comm, TimeCategory::cp_comm,
    TimeCategory::ep_comm};
// The category's slot in a CategoryTimes array.
constexpr std::size_t index_of(TimeCategory category) {
  return static_cast<std::size_t>(category);
}
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

// A task as the graph stores it: small, because a step has tens of thousands of them and the
// builder, the engine and the breakdown each walk them all. Most tasks are all one category; the
// composite ones keep their parts in a side table (TaskGraph::parts_of).
struct Task {
  StreamId stream = 0;
  LabelId label = 0;                              // index for TaskGraph::label()
  std::int32_t micro_batch = -1;                  // -1 when not tied to one micro-batch
  std::int32_t layer = -1;                        // -1 when not tied to one layer
  TimeCategory category = TimeCategory::compute;  // main category (for the trace colour)
  std::uint32_t parts = kSinglePart;              // index into the parts table, or kSinglePart
  double duration_s = 0;
  double flops = 0;
  double bytes = 0;

  static constexpr std::uint32_t kSinglePart = ~std::uint32_t{0};  // all of duration_s is category
};

// A task's name as a builder gives it: text the graph interns, or the id of text it interned
// before (TaskGraph::intern_label). Builders that add thousands of tasks with a few names intern
// them once, so adding a task compares no strings.
class TaskLabel {
 public:
  TaskLabel() = default;
  TaskLabel(std::string_view text) : text_(text) {}
  TaskLabel(const char* text) : text_(text) {}
  TaskLabel(const std::string& text) : text_(text) {}
  static TaskLabel interned(LabelId id) {
    TaskLabel label;
    label.id_ = id;
    return label;
  }

  bool is_interned() const { return id_ != kNotInterned; }
  LabelId id() const { return id_; }
  std::string_view text() const { return text_; }

 private:
  static constexpr LabelId kNotInterned = ~LabelId{0};
  std::string_view text_;
  LabelId id_ = kNotInterned;
};

// What a builder provides for one task.
struct TaskSpec {
  TaskLabel label;
  TimeCategory category = TimeCategory::compute;
  double duration_s = 0;
  std::int32_t micro_batch = -1;
  std::int32_t layer = -1;
  double flops = 0;
  double bytes = 0;
  // How duration_s splits into categories: Task::kSinglePart (all of it is `category`) or what
  // TaskGraph::intern_parts returned. Builders repeating a pass intern its parts once.
  std::uint32_t parts = Task::kSinglePart;
};

class TaskGraph {
 public:
  StreamId add_stream(RankId rank, StreamKind kind);
  // Appends a task at the end of `stream`'s program order. (Inline, with add_edge: a step adds
  // tens of thousands, and a search builds thousands of steps.)
  TaskId add_task(StreamId stream, const TaskSpec& spec) {
    if (frozen_) misuse("cannot add a task after freeze()");
    if (stream >= streams_.size()) misuse("unknown stream");
    if (!(spec.duration_s >= 0)) misuse("negative or NaN duration");
    Task& task = tasks_.emplace_back();
    task.stream = stream;
    task.label = spec.label.is_interned() ? spec.label.id() : intern_label(spec.label.text());
    task.micro_batch = spec.micro_batch;
    task.layer = spec.layer;
    task.category = spec.category;
    task.duration_s = spec.duration_s;
    task.parts = spec.parts;
    task.flops = spec.flops;
    task.bytes = spec.bytes;
    return static_cast<TaskId>(tasks_.size() - 1);
  }
  // `after` cannot start before `before` has finished.
  void add_edge(TaskId before, TaskId after) {
    if (frozen_) misuse("cannot add an edge after freeze()");
    if (before >= tasks_.size() || after >= tasks_.size()) misuse("edge to an unknown task");
    if (before == after) misuse("a task cannot depend on itself");
    edges_.emplace_back(before, after);
  }
  // Empties the graph but keeps its storage, for the next graph built in it: a search builds
  // thousands of graphs of similar size, and fresh megabytes each time cost page faults.
  void clear();
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
  const std::string& label(LabelId index) const { return labels_[index]; }
  // The id of `text` among the labels, adding it when new.
  LabelId intern_label(std::string_view text);
  // The TaskSpec::parts of a task of `duration_s` seconds, mainly `category`, whose time splits
  // as `parts` (summing to duration_s): Task::kSinglePart when all of it is `category`, else an
  // entry of the graph's parts table (equal parts share one).
  std::uint32_t intern_parts(const CategoryTimes& parts, TimeCategory category, double duration_s);
  // Seconds of each category in a task (they sum to its duration).
  CategoryTimes parts_of(TaskId id) const {
    const Task& t = tasks_[id];
    if (t.parts != Task::kSinglePart) return parts_[t.parts];
    CategoryTimes single{};
    single[static_cast<std::size_t>(t.category)] = t.duration_s;
    return single;
  }
  // Seconds of one category in a task.
  double part_of(TaskId id, TimeCategory category) const {
    const Task& t = tasks_[id];
    if (t.parts != Task::kSinglePart) return parts_[t.parts][static_cast<std::size_t>(category)];
    return t.category == category ? t.duration_s : 0.0;
  }

  // Explicit successors of a task (stream order not included), as a contiguous range.
  // Valid after freeze(); the engine calls it. The edge list it turns into adjacency is released
  // unless the graph is kept for reuse (`keep_storage`).
  enum class EdgeListStorage : std::uint8_t { release, keep };
  void freeze(EdgeListStorage edge_list = EdgeListStorage::release);
  bool frozen() const { return frozen_; }
  std::span<const TaskId> successors(TaskId id) const {
    assert(frozen_);
    return {edge_targets_.data() + succ_offsets_[id], succ_offsets_[id + 1] - succ_offsets_[id]};
  }
  std::span<const TaskId> predecessors(TaskId id) const {
    assert(frozen_);
    return {edge_sources_.data() + pred_offsets_[id], pred_offsets_[id + 1] - pred_offsets_[id]};
  }
  // The compressed adjacency behind successors() (task i's are targets[offsets[i]] up to
  // targets[offsets[i + 1]]) and the predecessor counts, for an engine's inner loop that would
  // otherwise reload the graph's members after each of its own stores. Valid after freeze().
  struct SuccessorArrays {
    const std::uint32_t* offsets;
    const TaskId* targets;
  };
  SuccessorArrays successor_arrays() const {
    assert(frozen_);
    return {succ_offsets_.data(), edge_targets_.data()};
  }
  std::uint32_t predecessor_count(TaskId id) const {
    assert(frozen_);
    return pred_offsets_[id + 1] - pred_offsets_[id];
  }

 private:
  [[noreturn]] static void misuse(const char* what);

  std::vector<Stream> streams_;
  std::vector<Task> tasks_;
  std::vector<CategoryTimes> parts_;  // composite tasks' parts, shared by equal ones
  std::vector<std::string> labels_;
  std::vector<std::pair<TaskId, TaskId>> edges_;  // (before, after) until freeze()
  // Compressed adjacency (CSR) built by freeze().
  std::vector<std::uint32_t> succ_offsets_, pred_offsets_;
  std::vector<TaskId> edge_targets_, edge_sources_;
  bool frozen_ = false;
};

}  // namespace trainsim
