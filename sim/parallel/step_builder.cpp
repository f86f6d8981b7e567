#include "sim/parallel/step_builder.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "models/layer_ops.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/pipeline_schedule.hpp"

namespace trainsim {
namespace {

constexpr std::size_t idx(TimeCategory c) {
  return static_cast<std::size_t>(c);
}

double total_of(const CategoryTimes& parts) {
  return std::accumulate(parts.begin(), parts.end(), 0.0);
}

CategoryTimes& operator+=(CategoryTimes& a, const CategoryTimes& b) {
  for (std::size_t i = 0; i < kTimeCategoryCount; ++i) a[i] += b[i];
  return a;
}

// `size` ranks, consecutive members `stride` global ranks apart, nodes of `gpus_per_node`.
CommGroup make_group(int size, int stride, int gpus_per_node) {
  if (size <= 1) return CommGroup{1, 1, 1};
  int per_node = stride >= gpus_per_node ? 1 : std::min(size, gpus_per_node / stride);
  per_node = std::max(1, per_node);
  return CommGroup{size, (size + per_node - 1) / per_node, per_node};
}

// The cost of one model piece (a transformer layer, the embedding, the LM head) in each pass.
struct PieceCost {
  CategoryTimes forward{}, backward{};
  double forward_flops = 0, backward_flops = 0;
  // The weight-gradient GEMMs inside `backward`, split out under zero-bubble schedules.
  double weight_s = 0, weight_flops = 0;
  double params = 0;  // parameters on one rank, for gradient buckets
};

double sum_time(const std::vector<Op>& ops, const ComputeCost& compute, double* flops) {
  double seconds = 0;
  for (const Op& op : ops) {
    seconds += compute.estimate_s(op);
    if (flops) *flops += op.flops;
  }
  return seconds;
}

double weight_gradient_time(const std::vector<Op>& ops, const ComputeCost& compute, double* flops) {
  double seconds = 0;
  for (const Op& op : ops) {
    const std::string_view name = op.name;
    if (name.size() >= 6 && name.substr(name.size() - 6) == "_wgrad") {
      seconds += compute.estimate_s(op);
      *flops += op.flops;
    }
  }
  return seconds;
}

double gemm_time(const std::vector<Op>& ops, const ComputeCost& compute) {
  double seconds = 0;
  for (const Op& op : ops)
    if (op.kind == OpKind::gemm) seconds += compute.estimate_s(op);
  return seconds;
}

double attention_time(const std::vector<Op>& ops, const ComputeCost& compute) {
  double seconds = 0;
  // Core attention: the flash kernel, or the materialized-score ops around it.
  for (const Op& op : ops)
    if (op.kind == OpKind::attention || op.name.rfind("attention_", 0) == 0 ||
        op.name.rfind("scale_mask_softmax", 0) == 0)
      seconds += compute.estimate_s(op);
  return seconds;
}

struct CostTable {
  PieceCost layer, embedding, head;
  double p2p_s = 0;
  double p2p_bytes = 0;  // per GPU
};

CostTable build_costs(const Scenario& sc, const ComputeCost& compute, const CollectiveCost& coll,
                      const ParallelGroups& groups) {
  const ShardContext ctx = sc.shard_context();
  const Strategy& p = sc.parallel;
  const ModelSpec& model = sc.model;
  const double e = bytes_per_element(ctx.activation_precision);
  const double activation_bytes = static_cast<double>(ctx.gemm_tokens()) * model.hidden * e;
  const bool sp = ctx.sequence_parallel;
  auto tp = [&](CollectiveKind kind, double bytes) {
    return coll.estimate_s(kind, groups.tp, bytes);
  };
  // The two blocking TP collectives around each of attention and MLP (Megatron's f/g). A routed
  // MoE layer's tokens instead reach the experts through the token dispatcher (ep_comm below);
  // shared experts keep the MLP's pair.
  // Under FP8, Transformer Engine casts a linear layer's input (the norm output forward, the output
  // gradient backward) to FP8 before the sequence-parallel all-gather, so the gathers move one
  // byte per element; reduce-scatters and all-reduces stay in the 16-bit activation precision.
  const double sp_gather_bytes = ctx.gemm_precision == Precision::fp8
                                     ? activation_bytes * bytes_per_element(Precision::fp8) / e
                                     : activation_bytes;
  const double block_pair = p.tp == 1 ? 0.0
                            : sp      ? tp(CollectiveKind::all_gather, sp_gather_bytes) +
                                       tp(CollectiveKind::reduce_scatter, activation_bytes)
                                 : tp(CollectiveKind::all_reduce, activation_bytes);
  // Without sequence parallelism every TP rank holds all tokens and the routed experts' partial
  // outputs are all-reduced like a dense MLP's.
  const bool mlp_needs_tp_pair = !model.moe || model.moe->shared_experts > 0 || !sp;
  const double tp_pair = (mlp_needs_tp_pair ? 2.0 : 1.0) * block_pair;

  CostTable t;
  {  // transformer layer
    const PassOps ops = build_transformer_layer_ops(model, ctx);
    PieceCost& c = t.layer;
    c.params = layer_params_per_rank(sc);
    c.forward[idx(TimeCategory::compute)] = sum_time(ops.forward, compute, &c.forward_flops);
    c.backward[idx(TimeCategory::compute)] = sum_time(ops.backward, compute, &c.backward_flops);
    c.weight_s = weight_gradient_time(ops.backward, compute, &c.weight_flops);
    c.forward[idx(TimeCategory::tp_comm)] = tp_pair;
    c.backward[idx(TimeCategory::tp_comm)] = tp_pair;
    if (p.tp_comm_overlap && p.tp > 1) {
      // Transformer Engine's comm-GEMM overlap splits each all-gather / reduce-scatter into tp
      // chunks pipelined with the adjacent GEMM: only what the GEMM cannot cover stays exposed,
      // and never less than one chunk.
      auto exposed = [&](double comm_s, const std::vector<Op>& pass_ops) {
        const double gemm_s = gemm_time(pass_ops, compute);
        const double chunks = p.tp;
        return std::max(comm_s - gemm_s * (chunks - 1) / chunks, comm_s / chunks);
      };
      c.forward[idx(TimeCategory::tp_comm)] = exposed(tp_pair, ops.forward);
      c.backward[idx(TimeCategory::tp_comm)] = exposed(tp_pair, ops.backward);
    }
    if (p.cp > 1 && p.cp_kind == ContextParallelKind::ulysses) {
      // Ulysses (DeepSpeed): all-to-alls re-shard Q, K, V from sequence to heads before attention
      // and the output back after it; backward mirrors them. K and V are smaller under GQA.
      const double q_bytes = static_cast<double>(ctx.gemm_tokens()) * model.hidden / p.tp * e;
      const double kv_bytes = static_cast<double>(ctx.gemm_tokens()) * model.kv_hidden() / p.tp * e;
      auto a2a = [&](double bytes) {
        return coll.estimate_s(CollectiveKind::all_to_all, groups.cp, bytes);
      };
      const double per_pass = 2.0 * a2a(q_bytes) + 2.0 * a2a(kv_bytes);  // q, k, v in; out back
      c.forward[idx(TimeCategory::cp_comm)] = per_pass;
      c.backward[idx(TimeCategory::cp_comm)] = per_pass;
    } else if (p.cp > 1) {
      // Ring attention: K and V blocks travel around the CP ring, overlapped with attention on
      // the blocks already present; backward moves K, V and their gradients (twice the bytes).
      // The ring moves cp - 1 blocks to every rank: an all-gather of cp blocks in volume.
      const double kv_bytes = p.cp * context_parallel_ring_step_bytes(model, ctx);
      const double ring_s = coll.estimate_s(CollectiveKind::all_gather, groups.cp, kv_bytes);
      const double overlap = (p.cp - 1.0) / p.cp;
      c.forward[idx(TimeCategory::cp_comm)] =
          std::max(0.0, ring_s - overlap * attention_time(ops.forward, compute));
      c.backward[idx(TimeCategory::cp_comm)] =
          std::max(0.0, 2.0 * ring_s - overlap * attention_time(ops.backward, compute));
    }
    if (model.moe && (p.ep > 1 || p.expert_tp() > 1)) {
      // Megatron-Core's all-to-all dispatcher: each rank permutes the tokens it holds, exchanges
      // them all-to-all over EP, all-gathers what it received over the ETP ranks that split each
      // expert, and reverses the path after the experts (reduce-scatter, all-to-all); backward
      // mirrors it.
      const double routed_bytes = routed_tokens_per_rank(model, ctx) * model.hidden * e;
      const double a2a = coll.estimate_s(CollectiveKind::all_to_all, groups.ep, routed_bytes);
      const double etp_gather_bytes = ctx.expert_token_gather() * routed_bytes;
      const double etp =
          ctx.expert_token_gather() == 1
              ? 0.0
              : coll.estimate_s(CollectiveKind::all_gather, groups.etp, etp_gather_bytes) +
                    coll.estimate_s(CollectiveKind::reduce_scatter, groups.etp, etp_gather_bytes);
      c.forward[idx(TimeCategory::ep_comm)] = 2.0 * a2a + etp;
      c.backward[idx(TimeCategory::ep_comm)] = 2.0 * a2a + etp;
    }
    switch (sc.training.recompute) {
      case RecomputeKind::none:
        break;
      case RecomputeKind::selective:
        c.backward[idx(TimeCategory::compute)] += attention_time(ops.forward, compute);
        break;
      case RecomputeKind::full:
        c.backward += c.forward;
        c.backward_flops += c.forward_flops;
        break;
    }
  }
  {  // embedding
    const PassOps ops = build_embedding_ops(model, ctx);
    PieceCost& c = t.embedding;
    c.forward[idx(TimeCategory::compute)] = sum_time(ops.forward, compute, &c.forward_flops);
    c.backward[idx(TimeCategory::compute)] = sum_time(ops.backward, compute, &c.backward_flops);
    c.weight_s = weight_gradient_time(ops.backward, compute, &c.weight_flops);
    if (p.tp > 1) {
      c.forward[idx(TimeCategory::tp_comm)] =
          tp(sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, activation_bytes);
      if (sp)
        c.backward[idx(TimeCategory::tp_comm)] = tp(CollectiveKind::all_gather, activation_bytes);
    }
    c.params = model.embedding_params() / p.tp;
  }
  {  // final norm, LM head, cross-entropy
    const PassOps ops = build_lm_head_ops(model, ctx);
    PieceCost& c = t.head;
    c.forward[idx(TimeCategory::compute)] = sum_time(ops.forward, compute, &c.forward_flops);
    c.backward[idx(TimeCategory::compute)] = sum_time(ops.backward, compute, &c.backward_flops);
    c.weight_s = weight_gradient_time(ops.backward, compute, &c.weight_flops);
    if (p.tp > 1) {
      // Vocab-parallel cross-entropy: three all-reduces of one fp32 value per token.
      const double ce = 3.0 * tp(CollectiveKind::all_reduce, ctx.gemm_tokens() * 4.0);
      c.forward[idx(TimeCategory::tp_comm)] =
          ce + (sp ? tp(CollectiveKind::all_gather, activation_bytes) : 0.0);
      c.backward[idx(TimeCategory::tp_comm)] =
          tp(sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, activation_bytes);
    }
    c.params = head_params_per_rank(sc);
  }
  if (p.pp > 1) {
    // Megatron's scatter-gather optimization sends 1/tp of the activation between stages.
    const double p2p_bytes = activation_bytes / p.tp;
    t.p2p_bytes = p2p_bytes;
    t.p2p_s = coll.estimate_s(CollectiveKind::send_recv, groups.pp_neighbour, p2p_bytes);
  }
  return t;
}

struct Segment {
  std::string_view label;
  std::int32_t layer = -1;
  CategoryTimes parts{};
  double flops = 0;
  double params = 0;
};

class StepBuilder {
 public:
  StepBuilder(const Scenario& sc, const ComputeCost& compute, const CollectiveCost& coll,
              const StepBuildOptions& options)
      : sc_(sc),
        compute_(compute),
        coll_(coll),
        options_(options),
        groups_(parallel_groups(sc)),
        costs_(build_costs(sc, compute, coll, groups_)) {
    const Strategy& p = sc.parallel;
    pp_ = p.pp;
    schedule_ = p.schedule;
    state_bytes_ = model_state_bytes_per_param(sc.training.framework, sc.training.precision,
                                               p.grad_reduce_in_fp32);
    vpp_ = p.model_chunks();
    vstages_ = pp_ * vpp_;
    m_ = static_cast<std::int32_t>(sc.micro_batches());
    chunk_layers_ = sc.layers_per_virtual_stage();
    chunk_first_layer_.assign(chunk_layers_.size(), 0);
    for (std::size_t vs = 1; vs < chunk_layers_.size(); ++vs)
      chunk_first_layer_[vs] = chunk_first_layer_[vs - 1] + chunk_layers_[vs - 1];
    // Megatron-Core DDP buckets: max(40M, 1M x dp) parameters.
    bucket_params_ = p.bucket_params > 0
                         ? p.bucket_params
                         : std::max(40e6, 1e6 * static_cast<double>(groups_.dp.ranks));
    split_weight_ = p.splits_weight_gradients();
    if (p.zero3_bucket_params > 0) zero3_bucket_params_ = p.zero3_bucket_params;
    shard_ = p.shard_group();
    hybrid_ = p.zero >= 1 && p.shard_replicas() > 1;
    shard_scope_ = hybrid_ ? CommScope::dp_shard : CommScope::dp;
    const std::size_t slots = static_cast<std::size_t>(vstages_) * m_ * 3;
    first_.assign(slots, 0);
    blocking_comm_.assign(static_cast<std::size_t>(pp_), -1);
    build_plans();
    last_.assign(slots, 0);
    // Only ZB-V's list schedule reads the passes' durations; the fixed patterns ignore them.
    if (p.schedule == ScheduleKind::zb_v) {
      PassDurations durations;
      for (int vs = 0; vs < vstages_; ++vs) {
        durations.forward_s.push_back(pass_duration_s(vs, PassKind::forward));
        durations.backward_s.push_back(pass_duration_s(vs, PassKind::backward));
        durations.weight_s.push_back(pass_duration_s(vs, PassKind::weight));
      }
      durations.transfer_s = costs_.p2p_s;
      orders_ = pipeline_orders(p.schedule, pp_, m_, vpp_, &durations);
    } else {
      orders_ = pipeline_orders(p.schedule, pp_, m_, vpp_);
    }
  }

  StepWorkload build() {
    // Roughly: per stage, one task per pass (3 kinds) plus a send per pass, and a few edges each.
    const std::size_t passes = static_cast<std::size_t>(pp_) * vpp_ * m_ * 3;
    // With a task per layer, one per layer pass (its own TP/CP collectives ride inside it).
    const auto layer_tasks = options_.granularity == TaskGranularity::layer
                                 ? static_cast<std::size_t>(sc_.layer_pass_tasks())
                                 : std::size_t{0};
    w_.graph.reserve(2 * passes + layer_tasks + 64 * pp_, 3 * passes + layer_tasks + 64 * pp_);
    for (int stage = 0; stage < pp_; ++stage) {
      RankStreams r;
      r.stage = stage;
      const RankId rank = static_cast<RankId>(stage);
      r.compute = w_.graph.add_stream(rank, StreamKind::compute);
      r.tp = w_.graph.add_stream(rank, StreamKind::tp_comm);
      r.pp = w_.graph.add_stream(rank, StreamKind::pp_comm);
      r.dp = w_.graph.add_stream(rank, StreamKind::dp_comm);
      r.cp = w_.graph.add_stream(rank, StreamKind::cp_comm);
      r.ep = w_.graph.add_stream(rank, StreamKind::ep_comm);
      w_.ranks.push_back(r);
    }
    stage_ends_.assign(static_cast<std::size_t>(pp_), StageEnd{});
    for (int stage = 0; stage < pp_; ++stage) build_rank(stage);
    for (int stage = 0; stage < pp_; ++stage) add_pipeline_sends(stage);
    add_tied_embedding_reduction();
    return std::move(w_);
  }

 private:
  std::size_t slot(int vs, std::int32_t mb, PassKind pass) const {
    return (static_cast<std::size_t>(vs) * m_ + mb) * 3 + static_cast<std::size_t>(pass);
  }

  // The pieces of one pass of one model chunk; identical for every micro-batch, so built once.
  struct PassPlan {
    std::vector<Segment> segments;
    CategoryTimes total{};
    double flops = 0;
    std::string label;
  };

  // A pass's time on its rank when nothing waits: compute plus the communication it blocks on.
  double pass_duration_s(int vs, PassKind pass) const {
    return total_of(
        plans_[static_cast<std::size_t>(vs) * 3 + static_cast<std::size_t>(pass)].total);
  }

  const std::vector<Segment>& segments(int vs, PassKind pass) const {
    return plans_[static_cast<std::size_t>(vs) * 3 + static_cast<std::size_t>(pass)].segments;
  }

  void build_plans() {
    plans_.resize(static_cast<std::size_t>(vstages_) * 3);
    for (int vs = 0; vs < vstages_; ++vs) {
      for (PassKind pass : {PassKind::forward, PassKind::backward, PassKind::weight}) {
        PassPlan& plan = plans_[static_cast<std::size_t>(vs) * 3 + static_cast<std::size_t>(pass)];
        plan.segments = build_segments(vs, pass);
        for (const Segment& g : plan.segments) {
          plan.total += g.parts;
          plan.flops += g.flops;
        }
        const std::string_view pass_name = pass == PassKind::forward    ? "forward"
                                           : pass == PassKind::backward ? "backward"
                                                                        : "weight gradients";
        plan.label =
            vpp_ > 1 ? fmt::format("{} chunk {}", pass_name, chunk_of_virtual(schedule_, pp_, vs))
                     : std::string(pass_name);
      }
    }
  }

  std::vector<Segment> build_segments(int vs, PassKind pass) const {
    std::vector<Segment> out;
    const bool forward = pass == PassKind::forward;
    auto piece = [&](std::string_view label, std::int32_t layer, const PieceCost& c) {
      Segment g{label, layer, forward ? c.forward : c.backward,
                forward ? c.forward_flops : c.backward_flops, c.params};
      if (split_weight_ && pass == PassKind::backward) {
        g.parts[idx(TimeCategory::compute)] -= c.weight_s;
        g.flops -= c.weight_flops;
      } else if (pass == PassKind::weight) {
        g.parts = CategoryTimes{};
        g.parts[idx(TimeCategory::compute)] = c.weight_s;
        g.flops = c.weight_flops;
      }
      out.push_back(g);
    };
    const bool first = vs == 0, last = vs == vstages_ - 1;
    const auto first_layer = static_cast<std::int32_t>(chunk_first_layer_[vs]);
    const auto layers = static_cast<std::int32_t>(chunk_layers_[vs]);
    if (forward) {
      if (first) piece("embedding", -1, costs_.embedding);
      for (std::int32_t l = 0; l < layers; ++l)
        piece("layer forward", first_layer + l, costs_.layer);
      if (last) piece("lm head + loss", -1, costs_.head);
    } else if (pass == PassKind::backward) {
      if (last) piece("lm head + loss backward", -1, costs_.head);
      for (std::int32_t l = layers - 1; l >= 0; --l)
        piece("layer backward", first_layer + l, costs_.layer);
      if (first) piece("embedding backward", -1, costs_.embedding);
    } else {
      if (last) piece("lm head weight gradients", -1, costs_.head);
      for (std::int32_t l = layers - 1; l >= 0; --l)
        piece("layer weight gradients", first_layer + l, costs_.layer);
      if (first) piece("embedding weight gradients", -1, costs_.embedding);
    }
    return out;
  }

  // Emits one pass; returns the task that completes each segment (valid until the next call).
  const std::vector<TaskId>& emit_pass(const RankStreams& r, int vs, std::int32_t mb, PassKind pass,
                                       bool per_layer) {
    const PassPlan& plan =
        plans_[static_cast<std::size_t>(vs) * 3 + static_cast<std::size_t>(pass)];
    const std::vector<Segment>& segs = plan.segments;
    std::vector<TaskId>& done = done_;
    done.clear();
    const std::size_t s = slot(vs, mb, pass);
    if (!per_layer) {
      TaskSpec spec;
      spec.label = plan.label;
      spec.category = TimeCategory::compute;
      spec.duration_s = total_of(plan.total);
      spec.parts_s = &plan.total;
      spec.micro_batch = mb;
      spec.flops = plan.flops;
      const TaskId id = w_.graph.add_task(r.compute, spec);
      first_[s] = last_[s] = id;
      done.assign(segs.size(), id);
      return done;
    }
    const bool detail = options_.granularity == TaskGranularity::layer;
    // A blocking collective the rank's next compute task waits for, across passes too.
    std::int64_t& pending_comm = blocking_comm_[static_cast<std::size_t>(r.stage)];
    bool first_task = true;
    for (const Segment& g : segs) {
      CategoryTimes compute_parts = g.parts;
      if (detail) {
        for (TimeCategory c : {TimeCategory::tp_comm, TimeCategory::cp_comm, TimeCategory::ep_comm})
          compute_parts[idx(c)] = 0;
      }
      TaskSpec spec;
      spec.label = g.label;
      spec.category = TimeCategory::compute;
      spec.duration_s = total_of(compute_parts);
      spec.parts_s = &compute_parts;
      spec.micro_batch = mb;
      spec.layer = g.layer;
      spec.flops = g.flops;
      TaskId last = w_.graph.add_task(r.compute, spec);
      if (pending_comm >= 0) w_.graph.add_edge(static_cast<TaskId>(pending_comm), last);
      pending_comm = -1;
      if (first_task) first_[s] = last;
      first_task = false;
      if (detail) {
        const std::pair<TimeCategory, StreamId> comms[] = {{TimeCategory::cp_comm, r.cp},
                                                           {TimeCategory::ep_comm, r.ep},
                                                           {TimeCategory::tp_comm, r.tp}};
        for (const auto& [category, stream] : comms) {
          const double seconds = g.parts[idx(category)];
          if (seconds <= 0) continue;
          TaskSpec comm;
          comm.label = category == TimeCategory::tp_comm   ? "tp collectives"
                       : category == TimeCategory::cp_comm ? "cp ring exchange (exposed)"
                                                           : "ep all-to-all";
          comm.category = category;
          comm.duration_s = seconds;
          comm.micro_batch = mb;
          comm.layer = g.layer;
          const TaskId id = w_.graph.add_task(stream, comm);
          w_.graph.add_edge(last, id);
          last = id;
          pending_comm = id;
        }
      }
      done.push_back(last);
    }
    last_[s] = done.back();
    return done;
  }

  const CommGroup& group_of(CommScope scope) const {
    return scope == CommScope::dp_shard     ? groups_.dp_shard
           : scope == CommScope::dp_replica ? groups_.dp_replica
                                            : groups_.dp;
  }

  // Every collective emitted as its own task runs over the DP group or, under hybrid sharding,
  // its shard or replica groups (TP/CP/EP collectives live inside passes).
  TaskId add_collective(StreamId stream, std::string_view label, TimeCategory category,
                        CollectiveKind kind, CommScope scope, double bytes) {
    const CommGroup& group = group_of(scope);
    TaskSpec spec;
    spec.label = label;
    spec.category = category;
    const CollectiveEstimate estimate = coll_.estimate(kind, group, bytes);
    spec.duration_s = estimate.time_s;
    spec.bytes = bytes;
    const TaskId id = w_.graph.add_task(stream, spec);
    w_.comm_tags.push_back(
        CommTag{id, scope, kind, bytes, -1, estimate.algorithm == CollectiveAlgorithm::tree});
    return id;
  }

  struct BucketedTasks {
    TaskId first, last;
  };

  // A collective over `params` parameters issued in buckets of `zero3_bucket_params_`, one after
  // the other on `stream`: the first bucket as its own task (compute may wait for it alone), the
  // remaining ones as one task of their summed duration.
  BucketedTasks add_bucketed_collective(StreamId stream, std::string_view label,
                                        CollectiveKind kind, CommScope scope, double params,
                                        double bytes_per_param) {
    const CommGroup& group = group_of(scope);
    const double bucket = std::min(params, zero3_bucket_params_);
    const TaskId first =
        add_collective(stream, label, TimeCategory::dp_comm, kind, scope, bucket * bytes_per_param);
    const double rest = params - bucket;
    if (rest <= 0) return {first, first};
    const double full_buckets = std::floor(rest / bucket);
    const double remainder = rest - full_buckets * bucket;
    TaskSpec spec;
    labels_.push_back(std::string(label) + " (further buckets)");
    spec.label = labels_.back();
    spec.category = TimeCategory::dp_comm;
    spec.duration_s =
        full_buckets * coll_.estimate_s(kind, group, bucket * bytes_per_param) +
        (remainder > 0 ? coll_.estimate_s(kind, group, remainder * bytes_per_param) : 0.0);
    spec.bytes = rest * bytes_per_param;
    const TaskId last = w_.graph.add_task(stream, spec);
    w_.comm_tags.push_back(CommTag{last, scope, kind, spec.bytes, -1,
                                   w_.comm_tags.back().tree});  // as the first bucket
    return {first, last};
  }

  BucketedTasks zero3_gather(StreamId stream, std::string_view label, int vs, double params,
                             double bytes_per_param) {
    if (sc_.parallel.zero3_gather == Strategy::Gather::per_tensor)
      return add_per_tensor_gather(stream, label, vs, bytes_per_param);
    return add_bucketed_collective(stream, label, CollectiveKind::all_gather, shard_scope_, params,
                                   bytes_per_param);
  }

  // DeepSpeed 0.3-0.5's ZeRO-3 gather of one chunk: an all-gather per parameter tensor, each into
  // a list of per-rank views, so PyTorch's NCCL backend copies the gathered buffer out one rank's
  // slice at a time (an eagerly dispatched copy per rank, on the host's critical path). The
  // first tensor is its own task, the rest one task of their summed time.
  BucketedTasks add_per_tensor_gather(StreamId stream, std::string_view label, int vs,
                                      double bytes_per_param) {
    const CommGroup& group = group_of(shard_scope_);
    const double copy_out_s =
        group.ranks * std::max(compute_.profile().kernel_launch_overhead_s, kEagerOpDispatchS);
    const auto gather_s = [&](double elements) {
      return coll_.estimate_s(CollectiveKind::all_gather, group, elements * bytes_per_param) +
             copy_out_s;
    };
    if (!layer_gather_) {
      // The layer's tensors on one rank: dense ones split over TP, and the routed experts this
      // EP rank holds, split over expert TP (the list has every expert's tensors, all alike).
      // Every layer is the same.
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
    for (const Segment& g : segments(vs, PassKind::forward)) {
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
    const TaskId first = w_.graph.add_task(stream, spec);
    w_.comm_tags.push_back(
        CommTag{first, shard_scope_, CollectiveKind::all_gather, spec.bytes, -1, false});
    if (rest_elements <= 0) return {first, first};
    labels_.push_back(std::string(label) + " (further tensors)");
    spec.label = labels_.back();
    spec.duration_s = rest_s;
    spec.bytes = rest_elements * bytes_per_param;
    const TaskId last = w_.graph.add_task(stream, spec);
    w_.comm_tags.push_back(
        CommTag{last, shard_scope_, CollectiveKind::all_gather, spec.bytes, -1, false});
    return {first, last};
  }

  // One gradient bucket's reduction; returns its first task (the one its layers release). Under
  // hybrid sharding, a reduce-scatter inside the shard group and an all-reduce of the slice over
  // the replicas, one after the other on the dp stream.
  TaskId add_gradient_reduction(StreamId stream, std::string_view label, CollectiveKind kind,
                                double bytes) {
    if (!hybrid_)
      return add_collective(stream, label, TimeCategory::dp_comm, kind, CommScope::dp, bytes);
    const TaskId rs =
        add_collective(stream, "hybrid grad reduce-scatter in shard", TimeCategory::dp_comm,
                       CollectiveKind::reduce_scatter, CommScope::dp_shard, bytes);
    add_collective(stream, "hybrid grad all-reduce over replicas", TimeCategory::dp_comm,
                   CollectiveKind::all_reduce, CommScope::dp_replica, bytes / shard_);
    return rs;
  }

  void build_rank(int stage) {
    const RankStreams r = w_.ranks[static_cast<std::size_t>(stage)];
    const Strategy& p = sc_.parallel;
    const bool has_dp = groups_.dp.ranks > 1;
    const bool zero3 = p.zero >= 3;
    const double grad_bytes_per_param = state_bytes_.grads;  // main gradients are reduced
    const double weight_bytes_per_param = state_bytes_.weights;
    const CollectiveKind grad_collective =
        p.zero == 0 ? CollectiveKind::all_reduce : CollectiveKind::reduce_scatter;
    const std::string_view grad_label =
        p.zero == 0 ? "dp grad all-reduce" : "dp grad reduce-scatter";

    // ZeRO-1/2 with overlap: the parameter all-gather of the previous optimizer step overlaps
    // this step's first forward of each chunk (Megatron's overlap_param_gather).
    std::vector<double> chunk_params(static_cast<std::size_t>(vpp_), 0.0);
    for (int c = 0; c < vpp_; ++c)
      for (const Segment& g :
           segments(virtual_stage_of(schedule_, pp_, stage, c), PassKind::forward))
        chunk_params[static_cast<std::size_t>(c)] += g.params;
    std::vector<std::int64_t> chunk_gather(static_cast<std::size_t>(vpp_), -1);
    if (has_dp && (p.zero == 1 || p.zero == 2) && p.overlap_grad_reduce) {
      for (int c = 0; c < vpp_; ++c)
        chunk_gather[static_cast<std::size_t>(c)] = add_collective(
            r.dp, "dp param all-gather", TimeCategory::dp_comm, CollectiveKind::all_gather,
            shard_scope_, chunk_params[static_cast<std::size_t>(c)] * weight_bytes_per_param);
    }

    std::vector<double> deferred_buckets;      // without overlap: reduced after the last backward
    std::vector<TaskId> recent_compute;        // for ZeRO-3 prefetch depth
    std::vector<TaskId> awaited_by_next_pass;  // ZeRO-3 without prefetch: its blocking collectives
    TaskId last_compute = 0;
    bool any_compute = false;
    const std::vector<ScheduleStep>& order = orders_[static_cast<std::size_t>(stage)];
    for (const ScheduleStep& step : order) {
      const int vs = virtual_stage_of(schedule_, pp_, stage, step.chunk);
      // The pass after which this chunk's gradients are complete.
      const PassKind gradient_pass = split_weight_ ? PassKind::weight : PassKind::backward;
      const bool last_backward = step.pass == gradient_pass && step.micro_batch == m_ - 1;
      const bool per_layer = options_.granularity == TaskGranularity::layer ||
                             (last_backward && has_dp && p.overlap_grad_reduce && !zero3);
      std::optional<BucketedTasks> gather;
      const double pass_params = chunk_params[static_cast<std::size_t>(step.chunk)];
      if (zero3 && has_dp && step.pass != PassKind::weight) {
        if (p.zero3_prefetch) {
          // ZeRO-3 gathers the chunk's parameters for every forward and backward, bucket by
          // bucket, prefetching one pass ahead: the pass starts with the first bucket and cannot
          // finish before the last one has arrived.
          gather = zero3_gather(r.dp, "zero-3 param all-gather", vs, pass_params,
                                weight_bytes_per_param);
          if (recent_compute.size() >= 2)
            w_.graph.add_edge(recent_compute[recent_compute.size() - 2], gather->first);
        } else {
          // Without prefetch the gathers start when the previous pass's compute is done and the
          // pass waits for them; parameters released after the forward are gathered once more
          // for the recompute forward.
          const bool regather =
              step.pass == PassKind::backward && sc_.training.recompute == RecomputeKind::full;
          const BucketedTasks first_round = zero3_gather(r.dp, "zero-3 param all-gather (blocking)",
                                                         vs, pass_params, weight_bytes_per_param);
          const BucketedTasks last_round =
              regather ? zero3_gather(r.dp, "zero-3 param re-gather for recompute", vs, pass_params,
                                      weight_bytes_per_param)
                       : first_round;
          if (any_compute) w_.graph.add_edge(last_compute, first_round.first);
          awaited_by_next_pass.push_back(last_round.last);
        }
      }
      const std::vector<TaskId>& done = emit_pass(r, vs, step.micro_batch, step.pass, per_layer);
      const TaskId first = first_[slot(vs, step.micro_batch, step.pass)];
      for (const TaskId comm : awaited_by_next_pass) w_.graph.add_edge(comm, first);
      awaited_by_next_pass.clear();
      if (gather) {
        w_.graph.add_edge(gather->first, first);
        TaskSpec join;
        join.label = "zero-3 wait for gathered parameters";
        join.category = TimeCategory::dp_comm;
        const TaskId wait = w_.graph.add_task(r.compute, join);
        w_.graph.add_edge(gather->last, wait);
      }
      const std::int64_t pre = chunk_gather[static_cast<std::size_t>(step.chunk)];
      if (pre >= 0 && step.pass == PassKind::forward && step.micro_batch == 0)
        w_.graph.add_edge(static_cast<TaskId>(pre), first);
      last_compute = done.back();
      any_compute = true;
      recent_compute.push_back(first);

      if (zero3 && has_dp && step.pass == gradient_pass) {
        const bool all_reduce = p.zero3_grad_reduce == Strategy::GradReduce::all_reduce;
        const BucketedTasks rs = add_bucketed_collective(
            r.dp, all_reduce ? "zero-3 grad all-reduce" : "zero-3 grad reduce-scatter",
            all_reduce ? CollectiveKind::all_reduce : CollectiveKind::reduce_scatter, shard_scope_,
            pass_params, weight_bytes_per_param);
        w_.graph.add_edge(done.back(), rs.first);
        TaskId reduced = rs.last;
        if (hybrid_) {
          // Hybrid shard: each shard's gradient slice is all-reduced over the replicas.
          reduced = add_bucketed_collective(r.dp, "hybrid grad all-reduce over replicas",
                                            CollectiveKind::all_reduce, CommScope::dp_replica,
                                            pass_params / shard_, weight_bytes_per_param)
                        .last;
        }
        if (!p.zero3_prefetch) awaited_by_next_pass.push_back(reduced);
      }
      if (!last_backward || !has_dp || zero3) continue;
      // Gradient buckets fill in backward order; each is reduced once its last layer is done.
      const std::vector<Segment>& segs = segments(vs, gradient_pass);
      double filled = 0;
      for (std::size_t i = 0; i < segs.size(); ++i) {
        filled += segs[i].params;
        const bool flush = filled >= bucket_params_ || i + 1 == segs.size();
        if (!flush || filled <= 0) continue;
        if (p.overlap_grad_reduce) {
          const TaskId bucket = add_gradient_reduction(r.dp, grad_label, grad_collective,
                                                       filled * grad_bytes_per_param);
          w_.graph.add_edge(done[i], bucket);
        } else {
          deferred_buckets.push_back(filled);
        }
        filled = 0;
      }
    }
    for (double params : deferred_buckets) {
      const TaskId bucket =
          add_gradient_reduction(r.dp, grad_label, grad_collective, params * grad_bytes_per_param);
      if (any_compute) w_.graph.add_edge(last_compute, bucket);
    }

    // Optimizer step over this rank's shard, after its gradients are reduced.
    const double optimizer_params =
        p.zero >= 1 ? stage_sharded_params_per_rank(sc_, stage) : stage_params_per_rank(sc_, stage);
    double optimizer_s = 0, optimizer_bytes = 0;
    for (const Op& op : build_optimizer_ops(optimizer_params, sc_.training.framework)) {
      optimizer_s += compute_.estimate_s(op);
      optimizer_bytes += op.bytes;
    }
    TaskSpec opt;
    const std::int64_t blocking = blocking_comm_[static_cast<std::size_t>(stage)];
    opt.label = "optimizer step";
    opt.category = TimeCategory::optimizer;
    opt.duration_s = optimizer_s;
    opt.bytes = optimizer_bytes;
    const TaskId optimizer = w_.graph.add_task(r.compute, opt);
    if (blocking >= 0) w_.graph.add_edge(static_cast<TaskId>(blocking), optimizer);
    StageEnd& end = stage_ends_[static_cast<std::size_t>(stage)];
    end.optimizer = optimizer;
    if (any_compute) end.last_compute = last_compute;
    // The dp stream runs in order, so waiting for its last task waits for every reduction.
    if (has_dp) {
      TaskSpec fence;
      fence.label = "dp sync";
      fence.category = TimeCategory::dp_comm;
      const TaskId sync = w_.graph.add_task(r.dp, fence);
      w_.graph.add_edge(sync, optimizer);
      if (any_compute) w_.graph.add_edge(last_compute, sync);
      end.dp_sync = sync;
    }
    if (has_dp && (p.zero == 1 || p.zero == 2) && !p.overlap_grad_reduce) {
      for (int c = 0; c < vpp_; ++c) {
        const TaskId gather = add_collective(
            r.dp, "dp param all-gather", TimeCategory::dp_comm, CollectiveKind::all_gather,
            shard_scope_, chunk_params[static_cast<std::size_t>(c)] * weight_bytes_per_param);
        w_.graph.add_edge(optimizer, gather);
      }
    }
  }

  // A tied embedding lives on the first stage (lookup) and the loss stage (LM head): Megatron
  // all-reduces its gradient between the two (the embedding group) after the DP gradient sync and
  // before the optimizer step. Its rank in the other stage is the same TP and DP position.
  void add_tied_embedding_reduction() {
    const Strategy& p = sc_.parallel;
    const int last = loss_stage(p);
    if (!sc_.model.tied_embeddings || pp_ == 1 || last == 0) return;
    const double params = static_cast<double>(sc_.model.vocab) * sc_.model.hidden / p.tp;
    const double bytes = params * state_bytes_.grads;
    const int gpn = sc_.gpus_per_node_used();
    const int stage_stride = p.tp * p.cp * p.dp;
    const bool same_node = (last + 1) * stage_stride <= gpn;
    const CommGroup pair = same_node ? CommGroup{2, 1, 2} : CommGroup{2, 2, 1};
    const double seconds = coll_.estimate_s(CollectiveKind::all_reduce, pair, bytes);
    const StageEnd ends[2] = {stage_ends_.front(), stage_ends_[static_cast<std::size_t>(last)]};
    for (int side = 0; side < 2; ++side) {
      const int stage = side == 0 ? 0 : last;
      TaskSpec spec;
      spec.label = "tied embedding grad all-reduce";
      spec.category = TimeCategory::pp_comm;
      spec.duration_s = seconds;
      spec.bytes = bytes;
      const TaskId task = w_.graph.add_task(w_.ranks[static_cast<std::size_t>(stage)].pp, spec);
      // A two-rank ring all-reduce sends the whole vector to the peer (half in each phase).
      w_.comm_tags.push_back(CommTag{task, CommScope::pp, CollectiveKind::send_recv, bytes,
                                     static_cast<std::int32_t>(side == 0 ? last : 0)});
      for (const StageEnd& e : ends) {
        if (e.last_compute) w_.graph.add_edge(*e.last_compute, task);
        if (e.dp_sync) w_.graph.add_edge(*e.dp_sync, task);
      }
      w_.graph.add_edge(task, ends[side].optimizer);
    }
  }

  // Which sends of a stage's order block its next pass (Strategy::p2p_overlap). The
  // one-forward-one-backward phase runs from the forward just before the first backward to the
  // backward just after the last forward; before it is the warm-up, after it the flush.
  std::vector<bool> blocking_sends(const std::vector<ScheduleStep>& order) const {
    const Strategy::P2pOverlap mode = sc_.parallel.p2p_overlap;
    std::vector<bool> blocks(order.size(), mode == Strategy::P2pOverlap::none);
    if (mode != Strategy::P2pOverlap::steady_state) return blocks;
    const auto is = [](PassKind kind) {
      return [kind](const ScheduleStep& s) { return s.pass == kind; };
    };
    const auto first_backward = std::find_if(order.begin(), order.end(), is(PassKind::backward));
    const auto last_forward = std::find_if(order.rbegin(), order.rend(), is(PassKind::forward));
    std::size_t steady_begin = 0, steady_end = 0;  // inclusive; empty when begin > end
    if (first_backward != order.end() && last_forward != order.rend()) {
      steady_begin = static_cast<std::size_t>(first_backward - order.begin()) - 1;
      steady_end = static_cast<std::size_t>(order.rend() - last_forward);
    }
    for (std::size_t i = 0; i < order.size(); ++i)
      blocks[i] = steady_begin >= steady_end || i < steady_begin || i > steady_end;
    return blocks;
  }

  void add_pipeline_sends(int stage) {
    if (vstages_ == 1) return;
    const RankStreams r = w_.ranks[static_cast<std::size_t>(stage)];
    const std::vector<ScheduleStep>& order = orders_[static_cast<std::size_t>(stage)];
    const std::vector<bool> blocks = blocking_sends(order);
    for (std::size_t index = 0; index < order.size(); ++index) {
      const ScheduleStep& step = order[index];
      if (step.pass == PassKind::weight) continue;  // nothing to send
      const int vs = virtual_stage_of(schedule_, pp_, stage, step.chunk);
      const bool forward = step.pass == PassKind::forward;
      const int peer = forward ? vs + 1 : vs - 1;
      if (peer < 0 || peer >= vstages_) continue;
      const int peer_stage = stage_of_virtual(schedule_, pp_, peer);
      if (peer_stage == stage) {  // ZB-V's turn: the next chunk is on this GPU
        w_.graph.add_edge(last_[slot(vs, step.micro_batch, step.pass)],
                          first_[slot(peer, step.micro_batch, step.pass)]);
        continue;
      }
      TaskSpec spec;
      spec.label = forward ? "pp send activations" : "pp send gradients";
      spec.category = TimeCategory::pp_comm;
      spec.duration_s = costs_.p2p_s;
      spec.micro_batch = step.micro_batch;
      spec.bytes = costs_.p2p_bytes;
      const TaskId send = w_.graph.add_task(r.pp, spec);
      w_.comm_tags.push_back(CommTag{send, CommScope::pp, CollectiveKind::send_recv,
                                     costs_.p2p_bytes, static_cast<std::int32_t>(peer_stage)});
      w_.graph.add_edge(last_[slot(vs, step.micro_batch, step.pass)], send);
      w_.graph.add_edge(send, first_[slot(peer, step.micro_batch, step.pass)]);
      if (blocks[index] && index + 1 < order.size()) {
        const ScheduleStep& next = order[index + 1];
        w_.graph.add_edge(send, first_[slot(virtual_stage_of(schedule_, pp_, stage, next.chunk),
                                            next.micro_batch, next.pass)]);
      }
    }
  }

  const Scenario& sc_;
  const ComputeCost& compute_;
  const CollectiveCost& coll_;
  StepBuildOptions options_;
  ParallelGroups groups_;
  CostTable costs_;
  int pp_ = 1, vpp_ = 1, vstages_ = 1;
  ScheduleKind schedule_ = ScheduleKind::one_f_one_b;
  ModelStateBytes state_bytes_;  // per parameter: weights, main gradients, optimizer states
  std::vector<std::vector<ScheduleStep>> orders_;  // per stage
  // One layer's per-tensor ZeRO-3 gather on one rank, built at its first use.
  struct LayerGather {
    std::vector<double> tensors;  // elements per tensor, gather order
    double elements = 0, time_s = 0;
  };
  std::optional<LayerGather> layer_gather_;
  std::int32_t m_ = 1;
  std::vector<std::int64_t> chunk_layers_, chunk_first_layer_;
  double bucket_params_ = 40e6;
  std::vector<TaskId> first_, last_;
  std::vector<std::int64_t> blocking_comm_;
  std::vector<PassPlan> plans_;
  std::vector<TaskId> done_;
  struct StageEnd {  // where a stage's step ends, for the cross-stage work after its last pass
    std::optional<TaskId> last_compute, dp_sync;
    TaskId optimizer = 0;
  };
  std::vector<StageEnd> stage_ends_;
  bool split_weight_ = false;
  double zero3_bucket_params_ = 5e7;
  int shard_ = 1;                          // GPUs sharing ZeRO states
  bool hybrid_ = false;                    // ZeRO states sharded in groups smaller than dp·cp
  CommScope shard_scope_ = CommScope::dp;  // where parameters are gathered, gradients scattered
  std::deque<std::string> labels_;
  StepWorkload w_;
};

}  // namespace

ParallelGroups parallel_groups(const Scenario& sc) {
  const Strategy& p = sc.parallel;
  const int gpn = sc.gpus_per_node_used();
  ParallelGroups g;
  g.tp = make_group(p.tp, 1, gpn);
  g.cp = make_group(p.cp, p.tp, gpn);
  g.dp = make_group(p.dp * p.cp, p.tp, gpn);    // gradients are reduced over DP x CP
  g.ep = make_group(p.ep, p.expert_tp(), gpn);  // parallel folding: EP stride is etp
  g.etp = make_group(p.expert_tp(), 1, gpn);
  g.dp_shard = make_group(p.shard_group(), p.tp, gpn);
  g.dp_replica = make_group(p.shard_replicas(), p.tp * p.shard_group(), gpn);
  const int stage_stride = p.tp * p.cp * p.dp;
  g.pp_neighbour = stage_stride >= gpn ? CommGroup{2, 2, 1} : CommGroup{2, 1, 2};
  return g;
}

StepWorkload build_step(const Scenario& scenario, const ComputeCost& compute,
                        const CollectiveCost& collectives, const StepBuildOptions& options) {
  return StepBuilder(scenario, compute, collectives, options).build();
}

}  // namespace trainsim
