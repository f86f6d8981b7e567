#pragma once
// Room-private pieces shared by the step builder's files (step_builder, pass_costs, dp_sync,
// pipeline_sends): category arithmetic, a pass's segments, and where each pass's tasks are.
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <vector>

#include "sim/engine/task_graph.hpp"
#include "sim/parallel/pipeline_schedule.hpp"

namespace trainsim::detail {

inline double total_of(const CategoryTimes& parts) {
  return std::accumulate(parts.begin(), parts.end(), 0.0);
}

inline void add_into(CategoryTimes& a, const CategoryTimes& b) {
  for (std::size_t i = 0; i < kTimeCategoryCount; ++i) a[i] += b[i];
}

// One model piece (a layer, the embedding, the LM head) inside one pass of one model chunk.
struct Segment {
  TaskLabel label;
  std::int32_t layer = -1;  // -1: embedding or LM head
  CategoryTimes parts{};
  double flops = 0;
  double params = 0;  // parameters on one rank, for gradient buckets and gathers
};

// The first and last task of every (virtual stage, micro-batch, pass), so that sends, gathers and
// reductions can wait for (or release) a pass without knowing how it was split into tasks.
class PassTaskIndex {
 public:
  PassTaskIndex() = default;
  PassTaskIndex(int virtual_stages, std::int32_t micro_batches)
      : micro_batches_(micro_batches),
        first_(static_cast<std::size_t>(virtual_stages) * micro_batches * 3, 0),
        last_(first_.size(), 0) {}

  TaskId first(int vs, std::int32_t mb, PassKind pass) const { return first_[slot(vs, mb, pass)]; }
  TaskId last(int vs, std::int32_t mb, PassKind pass) const { return last_[slot(vs, mb, pass)]; }
  TaskId& first(int vs, std::int32_t mb, PassKind pass) { return first_[slot(vs, mb, pass)]; }
  TaskId& last(int vs, std::int32_t mb, PassKind pass) { return last_[slot(vs, mb, pass)]; }

 private:
  std::size_t slot(int vs, std::int32_t mb, PassKind pass) const {
    return (static_cast<std::size_t>(vs) * micro_batches_ + mb) * 3 +
           static_cast<std::size_t>(pass);
  }

  std::int32_t micro_batches_ = 1;
  std::vector<TaskId> first_, last_;
};

}  // namespace trainsim::detail
