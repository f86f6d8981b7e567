#include "sim/parallel/dp_sync.hpp"

#include "sim/parallel/parameter_server.hpp"

#include <stdexcept>

#include <algorithm>
#include <cmath>
#include <string>

#include "hardware/profile.hpp"
#include "sim/parallel/memory.hpp"

namespace trainsim {

std::vector<GradientBucket> fill_gradient_buckets(std::span<const detail::Segment> segments,
                                                  double bucket_params) {
  std::vector<GradientBucket> buckets;
  double filled = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    filled += segments[i].params;
    const bool flush = filled >= bucket_params || i + 1 == segments.size();
    if (!flush || filled <= 0) continue;
    buckets.push_back(GradientBucket{i, filled});
    filled = 0;
  }
  return buckets;
}

DpSync::DpSync(const Scenario& sc, const ComputeCost& compute, const CollectiveCost& coll,
               StepGraphWriter& writer)
    : sc_(sc), compute_(compute), coll_(coll), writer_(writer) {
  const Strategy& p = sc.parallel;
  if (!(p.bucket_params > 0))
    throw std::logic_error("DpSync: bucket_params unset (resolve_defaults sets it)");
  bucket_params_ = p.bucket_params;
  if (p.zero >= 3 && (!(p.zero3_bucket_params > 0) || !(p.zero3_reduce_bucket_params > 0)))
    throw std::logic_error("DpSync: ZeRO-3 buckets unset (resolve_defaults sets them)");
  zero3_gather_bucket_params_ = p.zero3_bucket_params;
  zero3_reduce_bucket_params_ = p.zero3_reduce_bucket_params;
  shard_ = p.shard_group();
  hybrid_ = p.zero >= 1 && p.shard_replicas() > 1;
  shard_scope_ = hybrid_ ? CommScope::dp_shard : CommScope::dp;
}

TaskId DpSync::reduce_gradient_bucket(StreamId stream, std::string_view label, CollectiveKind kind,
                                      double bytes) {
  if (!hybrid_)
    return writer_.add_collective(stream, label, TimeCategory::dp_comm, kind, CommScope::dp, bytes);
  const TaskId rs =
      writer_.add_collective(stream, "hybrid grad reduce-scatter in shard", TimeCategory::dp_comm,
                             CollectiveKind::reduce_scatter, CommScope::dp_shard, bytes);
  writer_.add_collective(stream, "hybrid grad all-reduce over replicas", TimeCategory::dp_comm,
                         CollectiveKind::all_reduce, CommScope::dp_replica, bytes / shard_);
  return rs;
}

BucketedTasks DpSync::push_pull_bucket(StreamId push_stream, StreamId pull_stream, double bytes) {
  const PsExchange exchange = ps_exchange(sc_, coll_, bytes);
  TaskSpec push;
  push.label = "ps push gradients";
  push.category = TimeCategory::dp_comm;
  push.duration_s = exchange.seconds();
  push.bytes = bytes;
  TaskSpec pull = push;
  pull.label = "ps pull aggregate";
  // Tagged as what they are on the links (the flow engine lays them out per server); kind is
  // what NCCL would call a pattern of point-to-point transfers.
  const TaskId pushed = writer_.add_comm_task(
      push_stream, push,
      CommTag{0, CommScope::dp, CollectiveKind::all_to_all, bytes, -1, false, PsTraffic::push});
  const TaskId pulled = writer_.add_comm_task(
      pull_stream, pull,
      CommTag{0, CommScope::dp, CollectiveKind::all_to_all, bytes, -1, false, PsTraffic::pull});
  writer_.add_edge(pushed, pulled);
  return {pushed, pulled};
}

BucketedTasks DpSync::bucketed_collective(StreamId stream, std::string_view label,
                                          CollectiveKind kind, CommScope scope, double params,
                                          double bytes_per_param, double bucket_params) {
  const CommGroup& group = writer_.group_of(scope);
  const double bucket = std::min(params, bucket_params);
  const TaskId first = writer_.add_collective(stream, label, TimeCategory::dp_comm, kind, scope,
                                              bucket * bytes_per_param);
  const double rest = params - bucket;
  if (rest <= 0) return {first, first};
  const double full_buckets = std::floor(rest / bucket);
  const double remainder = rest - full_buckets * bucket;
  const std::string rest_label = std::string(label) + " (further buckets)";
  TaskSpec spec;
  spec.label = rest_label;
  spec.category = TimeCategory::dp_comm;
  spec.duration_s =
      full_buckets * coll_.estimate_s(kind, group, bucket * bytes_per_param) +
      (remainder > 0 ? coll_.estimate_s(kind, group, remainder * bytes_per_param) : 0.0);
  spec.bytes = rest * bytes_per_param;
  const bool tree = writer_.last_tag().tree;  // as the first bucket
  const TaskId last =
      writer_.add_comm_task(stream, spec, CommTag{0, scope, kind, spec.bytes, -1, tree});
  return {first, last};
}

TaskId DpSync::zero_param_gather(StreamId stream, double params, double bytes_per_param) {
  return writer_.add_collective(stream, "dp param all-gather", TimeCategory::dp_comm,
                                CollectiveKind::all_gather, shard_scope_, params * bytes_per_param);
}

TaskId DpSync::zero3_reduce_gradients(StreamId stream, TaskId after, double params,
                                      double bytes_per_param) {
  const bool all_reduce = sc_.parallel.zero3_grad_reduce == Strategy::GradReduce::all_reduce;
  const BucketedTasks rs = bucketed_collective(
      stream, all_reduce ? "zero-3 grad all-reduce" : "zero-3 grad reduce-scatter",
      all_reduce ? CollectiveKind::all_reduce : CollectiveKind::reduce_scatter, shard_scope_,
      params, bytes_per_param, zero3_reduce_bucket_params_);
  writer_.add_edge(after, rs.first);
  if (!hybrid_) return rs.last;
  // Hybrid shard: each shard's gradient slice is all-reduced over the replicas.
  return bucketed_collective(stream, "hybrid grad all-reduce over replicas",
                             CollectiveKind::all_reduce, CommScope::dp_replica, params / shard_,
                             bytes_per_param, zero3_reduce_bucket_params_)
      .last;
}

BucketedTasks DpSync::zero3_gather(StreamId stream, std::string_view label,
                                   std::span<const detail::Segment> chunk_forward, double params,
                                   double bytes_per_param) {
  if (sc_.parallel.zero3_gather == Strategy::Gather::per_tensor)
    return per_tensor_gather(stream, label, chunk_forward, bytes_per_param);
  return bucketed_collective(stream, label, CollectiveKind::all_gather, shard_scope_, params,
                             bytes_per_param, zero3_gather_bucket_params_);
}

// DeepSpeed 0.3-0.5's ZeRO-3 gather of one chunk: an all-gather per parameter tensor, each into a
// list of per-rank views, so PyTorch's NCCL backend copies the gathered buffer out one rank's
// slice at a time (an eagerly dispatched copy per rank, on the host's critical path). The first
// tensor is its own task, the rest one task of their summed time.
BucketedTasks DpSync::per_tensor_gather(StreamId stream, std::string_view label,
                                        std::span<const detail::Segment> chunk_forward,
                                        double bytes_per_param) {
  const CommGroup& group = writer_.group_of(shard_scope_);
  const double copy_out_s =
      group.ranks * std::max(compute_.profile().kernel_launch_overhead_s, kEagerOpDispatchS);
  const auto gather_s = [&](double elements) {
    return coll_.estimate_s(CollectiveKind::all_gather, group, elements * bytes_per_param) +
           copy_out_s;
  };
  if (!layer_gather_) {
    // The layer's tensors on one rank: dense ones split over TP, and the routed experts this EP
    // rank holds, split over expert TP (the list has every expert's tensors, all alike). Every
    // layer is the same.
    LayerGather lg;
    const std::vector<ModelSpec::ParamTensor> all = sc_.model.layer_param_tensors();
    auto routed_kept =
        std::count_if(all.begin(), all.end(), [](const auto& t) { return t.routed_expert; }) /
        std::max(1, sc_.parallel.ep);
    for (const ModelSpec::ParamTensor& t : all) {
      if (t.routed_expert && routed_kept-- <= 0) continue;
      const double elements = param_tensor_elements_per_rank(t, sc_.parallel);
      lg.tensors.push_back(elements);
      lg.elements += elements;
      lg.time_s += gather_s(elements);
    }
    layer_gather_ = std::move(lg);
  }
  std::vector<double> tensors;  // this chunk's tensors in gather order
  int layers = 0;
  for (const detail::Segment& g : chunk_forward) {
    if (g.layer < 0) {
      tensors.push_back(g.params);  // embedding, or final norm + LM head: one tensor each
    } else if (layers++ == 0) {
      tensors.insert(tensors.end(), layer_gather_->tensors.begin(), layer_gather_->tensors.end());
    }
  }
  double rest_s = 0, rest_elements = -tensors.front();
  for (double elements : tensors) rest_elements += elements;
  for (std::size_t i = 1; i < tensors.size(); ++i) rest_s += gather_s(tensors[i]);
  if (layers > 1) {
    rest_s += (layers - 1) * layer_gather_->time_s;
    rest_elements += (layers - 1) * layer_gather_->elements;
  }
  TaskSpec spec;
  spec.label = label;
  spec.category = TimeCategory::dp_comm;
  spec.duration_s = gather_s(tensors.front());
  spec.bytes = tensors.front() * bytes_per_param;
  const TaskId first = writer_.add_comm_task(
      stream, spec, CommTag{0, shard_scope_, CollectiveKind::all_gather, spec.bytes, -1, false});
  if (rest_elements <= 0) return {first, first};
  const std::string rest_label = std::string(label) + " (further tensors)";
  spec.label = rest_label;
  spec.duration_s = rest_s;
  spec.bytes = rest_elements * bytes_per_param;
  const TaskId last = writer_.add_comm_task(
      stream, spec, CommTag{0, shard_scope_, CollectiveKind::all_gather, spec.bytes, -1, false});
  return {first, last};
}

void add_tied_embedding_reduction(StepGraphWriter& writer, const Scenario& sc,
                                  const CollectiveCost& coll, double grad_bytes_per_param,
                                  std::span<const StageEnd> stage_ends) {
  const Strategy& p = sc.parallel;
  const int last = loss_stage(p);
  if (!sc.model.tied_embeddings || p.pp == 1 || last == 0) return;
  const double params = static_cast<double>(sc.model.vocab) * sc.model.hidden / p.tp;
  const double bytes = params * grad_bytes_per_param;
  // The embedding's rank in the other stage has the same TP and DP position.
  const int gpn = sc.gpus_per_node_used();
  const int stage_stride = p.tp * p.cp * p.dp;
  const bool same_node = (last + 1) * stage_stride <= gpn;
  const CommGroup pair = same_node ? CommGroup{2, 1, 2} : CommGroup{2, 2, 1};
  const double seconds = coll.estimate_s(CollectiveKind::all_reduce, pair, bytes);
  const StageEnd ends[2] = {stage_ends.front(), stage_ends[static_cast<std::size_t>(last)]};
  for (int side = 0; side < 2; ++side) {
    const int stage = side == 0 ? 0 : last;
    TaskSpec spec;
    spec.label = "tied embedding grad all-reduce";
    spec.category = TimeCategory::pp_comm;
    spec.duration_s = seconds;
    spec.bytes = bytes;
    // A two-rank ring all-reduce sends the whole vector to the peer (half in each phase).
    const TaskId task =
        writer.add_comm_task(writer.rank(stage).pp, spec,
                             CommTag{0, CommScope::pp, CollectiveKind::send_recv, bytes,
                                     static_cast<std::int32_t>(side == 0 ? last : 0)});
    for (const StageEnd& e : ends) {
      if (e.last_compute) writer.add_edge(*e.last_compute, task);
      if (e.dp_sync) writer.add_edge(*e.dp_sync, task);
    }
    writer.add_edge(task, ends[side].optimizer);
  }
}

}  // namespace trainsim
