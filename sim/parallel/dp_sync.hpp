#pragma once
// Data-parallel synchronisation of one stage's rank: gradient reduction in buckets (all-reduce,
// or reduce-scatter under ZeRO, in two levels under hybrid sharding), ZeRO parameter gathers
// (bucketed, or DeepSpeed's per-tensor gathers), and the tied-embedding gradient all-reduce
// between the first and the loss stage. It decides what each collective is and how long it
// takes; the step builder decides when it runs (which passes release it, which wait for it).
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sim/collectives/collective_cost.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/parallel/scenario.hpp"
#include "sim/parallel/step_builder_internal.hpp"
#include "sim/parallel/step_graph_writer.hpp"

namespace trainsim {

// The first and the last task of a collective issued in pieces: compute may wait for the first
// piece alone and must wait for the last one to have everything.
struct BucketedTasks {
  TaskId first, last;
};

// A DDP gradient bucket, filled in backward order: reduced once segment `last_segment` is done.
struct GradientBucket {
  std::size_t last_segment = 0;
  double params = 0;
};
// Buckets of at least `bucket_params` over `segments` (a gradient pass, backward order); the last
// bucket takes the rest. Segments without parameters add to no bucket of their own.
std::vector<GradientBucket> fill_gradient_buckets(std::span<const detail::Segment> segments,
                                                  double bucket_params);

class DpSync {
 public:
  DpSync(const Scenario& scenario, const ComputeCost& compute, const CollectiveCost& collectives,
         StepGraphWriter& writer);

  // Parameters per DDP gradient bucket (Strategy::bucket_params, else Megatron's default).
  double gradient_bucket_params() const { return bucket_params_; }
  bool hybrid() const { return hybrid_; }
  // Where parameters are gathered and gradients scattered: dp, or dp_shard under hybrid sharding.
  CommScope shard_scope() const { return shard_scope_; }

  // One gradient bucket's reduction; returns its first task (the one its layers release). Under
  // hybrid sharding, a reduce-scatter inside the shard group and an all-reduce of the slice over
  // the replicas, one after the other on the dp stream.
  TaskId reduce_gradient_bucket(StreamId stream, std::string_view label, CollectiveKind kind,
                                double bytes);

  // A parameter server's exchange of one gradient bucket (`bytes` per worker): the push on
  // `push_stream`, then the pull of the aggregate on `pull_stream`. Returns {push, pull}.
  BucketedTasks push_pull_bucket(StreamId push_stream, StreamId pull_stream, double bytes);

  // A collective over `params` parameters issued in ZeRO-3 buckets, one after the other on
  // `stream`: the first bucket as its own task (compute may wait for it alone), the remaining
  // ones as one task of their summed duration.
  BucketedTasks bucketed_collective(StreamId stream, std::string_view label, CollectiveKind kind,
                                    CommScope scope, double params, double bytes_per_param,
                                    double bucket_params);

  // ZeRO-1/2's all-gather of one chunk's updated parameters (`params`) after the optimizer step.
  TaskId zero_param_gather(StreamId stream, double params, double bytes_per_param);

  // ZeRO-3's gradient reduction of one chunk once `after` (its gradient pass) is done: a bucketed
  // reduce-scatter (or all-reduce) over the shard group, then under hybrid sharding each slice's
  // all-reduce over the replicas. Returns the task that completes the reduction.
  TaskId zero3_reduce_gradients(StreamId stream, TaskId after, double params,
                                double bytes_per_param);

  // ZeRO-3's all-gather of one model chunk's parameters (`chunk_forward`: the chunk's forward
  // segments, `params` their parameters), bucketed or per tensor (Strategy::zero3_gather).
  BucketedTasks zero3_gather(StreamId stream, std::string_view label,
                             std::span<const detail::Segment> chunk_forward, double params,
                             double bytes_per_param);

 private:
  BucketedTasks per_tensor_gather(StreamId stream, std::string_view label,
                                  std::span<const detail::Segment> chunk_forward,
                                  double bytes_per_param);

  const Scenario& sc_;
  const ComputeCost& compute_;
  const CollectiveCost& coll_;
  StepGraphWriter& writer_;
  double bucket_params_ = 0;               // parallel.bucket_params, set by resolve_defaults
  double zero3_gather_bucket_params_ = 0;  // parallel.zero3_bucket_params (resolved)
  double zero3_reduce_bucket_params_ = 0;  // parallel.zero3_reduce_bucket_params (resolved)
  int shard_ = 1;                          // GPUs sharing ZeRO states
  bool hybrid_ = false;                    // ZeRO states sharded in groups smaller than dp·cp
  CommScope shard_scope_ = CommScope::dp;  // where parameters are gathered, gradients scattered
  // One layer's per-tensor ZeRO-3 gather on one rank, built at its first use.
  struct LayerGather {
    std::vector<double> tensors;  // elements per tensor, gather order
    double elements = 0, time_s = 0;
  };
  std::optional<LayerGather> layer_gather_;
};

// Where a stage's step ends, for the cross-stage work after its last pass.
struct StageEnd {
  std::optional<TaskId> last_compute, dp_sync;
  TaskId optimizer = 0;
};

// A tied embedding lives on the first stage (lookup) and the loss stage (LM head): Megatron
// all-reduces its gradient between the two (the embedding group) after the DP gradient sync and
// before the optimizer step. Nothing to do without a tie or a pipeline. `ends`: one per stage.
void add_tied_embedding_reduction(StepGraphWriter& writer, const Scenario& scenario,
                                  const CollectiveCost& collectives, double grad_bytes_per_param,
                                  std::span<const StageEnd> ends);

}  // namespace trainsim
