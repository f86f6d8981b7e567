#pragma once
// The one place that appends to a StepWorkload: tasks, edges, and the communication tags an
// all-GPU engine needs to place each collective or send on real GPUs (all_ranks.hpp). The pass
// builder, the DP/ZeRO synchronisation and the pipeline sends all write through it, so a
// communication task can never be added without its tag.
#include <string_view>
#include <utility>

#include "sim/collectives/collective_cost.hpp"
#include "sim/parallel/parallel_groups.hpp"
#include "sim/parallel/step_builder.hpp"

namespace trainsim {

class StepGraphWriter {
 public:
  // Writes into `storage`, cleared first (its capacity is kept); fills its comm_tags when
  // `record_tags` (StepBuildOptions::comm_tags).
  StepGraphWriter(const CollectiveCost& collectives, const ParallelGroups& groups,
                  StepWorkload storage = {}, bool record_tags = true)
      : coll_(collectives), groups_(groups), w_(std::move(storage)), record_tags_(record_tags) {
    w_.clear();
  }

  // One representative rank per pipeline stage, each with its compute and comm streams.
  // One rank per stage with its streams; `ps_pull_stream`: a stream of its own for a parameter
  // server's pulls.
  void add_stage_ranks(int stages, bool ps_pull_stream = false);
  const RankStreams& rank(int stage) const;

  TaskGraph& graph() { return w_.graph; }
  TaskId add_task(StreamId stream, const TaskSpec& spec) { return w_.graph.add_task(stream, spec); }
  void add_edge(TaskId before, TaskId after) { w_.graph.add_edge(before, after); }

  // A task that moves data between GPUs, tagged with what it moves (`tag.task` is filled in).
  // (Inline: a step has a send per pass.)
  TaskId add_comm_task(StreamId stream, const TaskSpec& spec, const CommTag& tag) {
    last_tag_ = tag;
    last_tag_.task = w_.graph.add_task(stream, spec);
    if (record_tags_) w_.comm_tags.push_back(last_tag_);
    return last_tag_.task;
  }

  // The DP group of `scope`: the stage's whole DP (x CP) group, or under hybrid sharding its
  // shard or replica groups. Collectives emitted as tasks of their own run over one of these
  // (TP/CP/EP collectives live inside passes).
  const CommGroup& group_of(CommScope scope) const;

  // A collective over group_of(scope), timed by the collective model; its tag records whether
  // NCCL's model chose the tree.
  TaskId add_collective(StreamId stream, std::string_view label, TimeCategory category,
                        CollectiveKind kind, CommScope scope, double bytes);

  // The tag of the last communication task added (recorded or not).
  const CommTag& last_tag() const { return last_tag_; }

  StepWorkload take() { return std::move(w_); }

 private:
  const CollectiveCost& coll_;
  const ParallelGroups& groups_;
  StepWorkload w_;
  bool record_tags_ = true;
  CommTag last_tag_;
};

}  // namespace trainsim
