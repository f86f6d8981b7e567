// The step builder's orchestration: it turns each stage's schedule order into pass tasks and
// decides when the synchronisation runs (which passes release a gradient bucket, which wait for a
// gather). What each piece costs is pass_costs, what each DP/ZeRO collective is dp_sync, the
// pipeline sends pipeline_sends; all of them write through one StepGraphWriter.
#include "sim/parallel/step_builder.hpp"

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "models/layer_ops.hpp"
#include "sim/parallel/dp_sync.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/pipeline_schedule.hpp"
#include "sim/parallel/pipeline_sends.hpp"
#include "sim/parallel/step_builder_internal.hpp"
#include "sim/parallel/step_graph_writer.hpp"

namespace trainsim {
namespace {

using detail::add_into;
using detail::PassTaskIndex;
using detail::Segment;
using detail::total_of;

class StepBuilder {
 public:
  StepBuilder(const Scenario& sc, const ComputeCost& compute, const CollectiveCost& coll,
              const StepBuildOptions& options, StepWorkload storage)
      : sc_(sc),
        compute_(compute),
        coll_(coll),
        options_(options),
        groups_(parallel_groups(sc)),
        costs_(build_pass_costs(sc, compute, coll, groups_)),
        writer_(coll, groups_, std::move(storage), options.comm_tags),
        dp_(sc, compute, coll, writer_) {
    const Strategy& p = sc.parallel;
    pp_ = p.pp;
    schedule_ = p.schedule;
    state_bytes_ = model_state_bytes_per_param(sc.training.framework, sc.training.precision,
                                               p.grad_reduce_in_fp32.value(), p.zero);
    vpp_ = p.model_chunks();
    vstages_ = pp_ * vpp_;
    m_ = static_cast<std::int32_t>(sc.micro_batches());
    chunk_layers_ = sc.layers_per_virtual_stage();
    chunk_first_layer_.assign(chunk_layers_.size(), 0);
    for (std::size_t vs = 1; vs < chunk_layers_.size(); ++vs)
      chunk_first_layer_[vs] = chunk_first_layer_[vs - 1] + chunk_layers_[vs - 1];
    split_weight_ = p.splits_weight_gradients();
    passes_ = PassTaskIndex(vstages_, m_);
    blocking_comm_.assign(static_cast<std::size_t>(pp_), -1);
    build_plans();
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
    writer_.graph().reserve(2 * passes + layer_tasks + 64 * pp_,
                            3 * passes + layer_tasks + 64 * pp_);
    writer_.add_stage_ranks(pp_, sc_.parallel.parameter_server());
    stage_ends_.assign(static_cast<std::size_t>(pp_), StageEnd{});
    for (int stage = 0; stage < pp_; ++stage) build_rank(stage);
    for (int stage = 0; stage < pp_; ++stage)
      add_pipeline_sends(writer_, sc_, costs_, passes_, stage,
                         orders_[static_cast<std::size_t>(stage)]);
    add_tied_embedding_reduction(writer_, sc_, coll_, state_bytes_.reduced_grads, stage_ends_);
    return writer_.take();
  }

 private:
  // The pieces of one pass of one model chunk; identical for every micro-batch, so built once.
  struct PassPlan {
    std::vector<Segment> segments;
    CategoryTimes total{};
    double total_s = 0;  // total_of(total), summed once
    double flops = 0;
    LabelId label = 0;
    std::uint32_t parts = Task::kSinglePart;  // of `total`, interned in the graph
  };

  // A pass's time on its rank when nothing waits: compute plus the communication it blocks on.
  double pass_duration_s(int vs, PassKind pass) const {
    return plans_[static_cast<std::size_t>(vs) * 3 + static_cast<std::size_t>(pass)].total_s;
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
        for (Segment& g : plan.segments) {
          add_into(plan.total, g.parts);
          plan.flops += g.flops;
          g.label = TaskLabel::interned(writer_.graph().intern_label(g.label.text()));
        }
        const std::string_view pass_name = pass == PassKind::forward    ? "forward"
                                           : pass == PassKind::backward ? "backward"
                                                                        : "weight gradients";
        plan.total_s = total_of(plan.total);
        plan.parts = writer_.graph().intern_parts(plan.total, TimeCategory::compute, plan.total_s);
        plan.label = writer_.graph().intern_label(
            vpp_ > 1 ? fmt::format("{} chunk {}", pass_name, chunk_of_virtual(schedule_, pp_, vs))
                     : std::string(pass_name));
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
        g.parts[index_of(TimeCategory::compute)] -= c.weight_s;
        g.flops -= c.weight_flops;
      } else if (pass == PassKind::weight) {
        g.parts = CategoryTimes{};
        g.parts[index_of(TimeCategory::compute)] = c.weight_s;
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
        piece("layer forward", first_layer + l, costs_.layer_at(first_layer + l));
      if (last) piece("lm head + loss", -1, costs_.head);
    } else if (pass == PassKind::backward) {
      if (last) piece("lm head + loss backward", -1, costs_.head);
      for (std::int32_t l = layers - 1; l >= 0; --l)
        piece("layer backward", first_layer + l, costs_.layer_at(first_layer + l));
      if (first) piece("embedding backward", -1, costs_.embedding);
    } else {
      if (last) piece("lm head weight gradients", -1, costs_.head);
      for (std::int32_t l = layers - 1; l >= 0; --l)
        piece("layer weight gradients", first_layer + l, costs_.layer_at(first_layer + l));
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
    TaskId& first_task_id = passes_.first(vs, mb, pass);
    if (!per_layer) {
      TaskSpec spec;
      spec.label = TaskLabel::interned(plan.label);
      spec.category = TimeCategory::compute;
      spec.duration_s = plan.total_s;
      spec.parts = plan.parts;
      spec.micro_batch = mb;
      spec.flops = plan.flops;
      const TaskId id = writer_.add_task(r.compute, spec);
      first_task_id = passes_.last(vs, mb, pass) = id;
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
          compute_parts[index_of(c)] = 0;
      }
      TaskSpec spec;
      spec.label = g.label;
      spec.category = TimeCategory::compute;
      spec.duration_s = total_of(compute_parts);
      spec.parts = writer_.graph().intern_parts(compute_parts, spec.category, spec.duration_s);
      spec.micro_batch = mb;
      spec.layer = g.layer;
      spec.flops = g.flops;
      TaskId last = writer_.add_task(r.compute, spec);
      if (pending_comm >= 0) writer_.add_edge(static_cast<TaskId>(pending_comm), last);
      pending_comm = -1;
      if (first_task) first_task_id = last;
      first_task = false;
      if (detail) {
        const std::pair<TimeCategory, StreamId> comms[] = {{TimeCategory::cp_comm, r.cp},
                                                           {TimeCategory::ep_comm, r.ep},
                                                           {TimeCategory::tp_comm, r.tp}};
        for (const auto& [category, stream] : comms) {
          const double seconds = g.parts[index_of(category)];
          if (seconds <= 0) continue;
          TaskSpec comm;
          comm.label = category == TimeCategory::tp_comm   ? "tp collectives"
                       : category == TimeCategory::cp_comm ? "cp ring exchange (exposed)"
                                                           : "ep all-to-all";
          comm.category = category;
          comm.duration_s = seconds;
          comm.micro_batch = mb;
          comm.layer = g.layer;
          const TaskId id = writer_.add_task(stream, comm);
          writer_.add_edge(last, id);
          last = id;
          pending_comm = id;
        }
      }
      done.push_back(last);
    }
    passes_.last(vs, mb, pass) = done.back();
    return done;
  }

  void build_rank(int stage) {
    const RankStreams r = writer_.rank(stage);
    const Strategy& p = sc_.parallel;
    const bool has_dp = groups_.dp.ranks > 1;
    const bool zero3 = p.zero >= 3;
    const double grad_bytes_per_param = state_bytes_.reduced_grads;
    const double weight_bytes_per_param = state_bytes_.compute_weights;  // what ZeRO gathers
    const double zero3_grad_bytes_per_param =
        framework_profile(sc_.training.framework).zero3_reduce_in_fp32 ? 4.0
                                                                       : weight_bytes_per_param;
    const bool overlap_grad_reduce = p.overlap_grad_reduce.value();
    const bool zero3_once_per_step = zero3_syncs_once_per_step(sc_);
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
    if (has_dp && (p.zero == 1 || p.zero == 2) && overlap_grad_reduce) {
      for (int c = 0; c < vpp_; ++c)
        chunk_gather[static_cast<std::size_t>(c)] = dp_.zero_param_gather(
            r.dp, chunk_params[static_cast<std::size_t>(c)], weight_bytes_per_param);
    }

    std::vector<double> deferred_buckets;      // without overlap: reduced after the last backward
    std::int64_t last_pull = -1;               // a parameter server's last pull
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
                             (last_backward && has_dp && overlap_grad_reduce && !zero3);
      std::optional<BucketedTasks> gather;
      const double pass_params = chunk_params[static_cast<std::size_t>(step.chunk)];
      const std::vector<Segment>& chunk_forward = segments(vs, PassKind::forward);
      // Without resharding after the forward, the backward finds the parameters still gathered;
      // synchronizing once per step, only the chunk's first forward gathers.
      const bool gathers =
          zero3 && has_dp &&
          (zero3_once_per_step
               ? step.pass == PassKind::forward && step.micro_batch == 0
               : step.pass == PassKind::forward ||
                     (step.pass == PassKind::backward && p.reshard_after_forward.value()));
      if (gathers) {
        if (p.zero3_prefetch) {
          // ZeRO-3 gathers the chunk's parameters for every forward and backward, bucket by
          // bucket, prefetching one pass ahead: the pass starts with the first bucket and cannot
          // finish before the last one has arrived.
          gather = dp_.zero3_gather(r.dp, "zero-3 param all-gather", chunk_forward, pass_params,
                                    weight_bytes_per_param);
          if (recent_compute.size() >= 2)
            writer_.add_edge(recent_compute[recent_compute.size() - 2], gather->first);
        } else {
          // Without prefetch the gathers start when the previous pass's compute is done and the
          // pass waits for them; parameters released after the forward are gathered once more
          // for the recompute forward.
          const bool regather =
              step.pass == PassKind::backward && sc_.training.recompute == RecomputeKind::full;
          const BucketedTasks first_round =
              dp_.zero3_gather(r.dp, "zero-3 param all-gather (blocking)", chunk_forward,
                               pass_params, weight_bytes_per_param);
          const BucketedTasks last_round =
              regather ? dp_.zero3_gather(r.dp, "zero-3 param re-gather for recompute",
                                          chunk_forward, pass_params, weight_bytes_per_param)
                       : first_round;
          if (any_compute) writer_.add_edge(last_compute, first_round.first);
          awaited_by_next_pass.push_back(last_round.last);
        }
      }
      const std::vector<TaskId>& done = emit_pass(r, vs, step.micro_batch, step.pass, per_layer);
      const TaskId first = passes_.first(vs, step.micro_batch, step.pass);
      for (const TaskId comm : awaited_by_next_pass) writer_.add_edge(comm, first);
      awaited_by_next_pass.clear();
      if (gather) {
        writer_.add_edge(gather->first, first);
        TaskSpec join;
        join.label = "zero-3 wait for gathered parameters";
        join.category = TimeCategory::dp_comm;
        const TaskId wait = writer_.add_task(r.compute, join);
        writer_.add_edge(gather->last, wait);
      }
      const std::int64_t pre = chunk_gather[static_cast<std::size_t>(step.chunk)];
      if (pre >= 0 && step.pass == PassKind::forward && step.micro_batch == 0)
        writer_.add_edge(static_cast<TaskId>(pre), first);
      last_compute = done.back();
      any_compute = true;
      recent_compute.push_back(first);

      if (zero3 && has_dp && step.pass == gradient_pass &&
          (!zero3_once_per_step || step.micro_batch == m_ - 1)) {
        const TaskId reduced =
            dp_.zero3_reduce_gradients(r.dp, done.back(), pass_params, zero3_grad_bytes_per_param);
        if (!p.zero3_prefetch) awaited_by_next_pass.push_back(reduced);
      }
      if (!last_backward || !has_dp || zero3) continue;
      // Gradient buckets fill in backward order; each is reduced once its last layer is done.
      for (const GradientBucket& b :
           fill_gradient_buckets(segments(vs, gradient_pass), dp_.gradient_bucket_params())) {
        if (p.parameter_server() && overlap_grad_reduce) {
          const BucketedTasks exchange =
              dp_.push_pull_bucket(r.dp, r.ps_pull, b.params * grad_bytes_per_param);
          writer_.add_edge(done[b.last_segment], exchange.first);
          last_pull = exchange.last;
        } else if (overlap_grad_reduce) {
          const TaskId bucket = dp_.reduce_gradient_bucket(r.dp, grad_label, grad_collective,
                                                           b.params * grad_bytes_per_param);
          writer_.add_edge(done[b.last_segment], bucket);
        } else {
          deferred_buckets.push_back(b.params);
        }
      }
    }
    for (double params : deferred_buckets) {
      if (p.parameter_server()) {
        const BucketedTasks exchange =
            dp_.push_pull_bucket(r.dp, r.ps_pull, params * grad_bytes_per_param);
        if (any_compute) writer_.add_edge(last_compute, exchange.first);
        last_pull = exchange.last;
        continue;
      }
      const TaskId bucket = dp_.reduce_gradient_bucket(r.dp, grad_label, grad_collective,
                                                       params * grad_bytes_per_param);
      if (any_compute) writer_.add_edge(last_compute, bucket);
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
    const TaskId optimizer = writer_.add_task(r.compute, opt);
    if (blocking >= 0) writer_.add_edge(static_cast<TaskId>(blocking), optimizer);
    StageEnd& end = stage_ends_[static_cast<std::size_t>(stage)];
    end.optimizer = optimizer;
    if (any_compute) end.last_compute = last_compute;
    // The dp stream runs in order, so waiting for its last task waits for every reduction.
    if (has_dp) {
      TaskSpec fence;
      fence.label = "dp sync";
      fence.category = TimeCategory::dp_comm;
      const TaskId sync = writer_.add_task(r.dp, fence);
      writer_.add_edge(sync, optimizer);
      if (last_pull >= 0) writer_.add_edge(static_cast<TaskId>(last_pull), sync);
      if (any_compute) writer_.add_edge(last_compute, sync);
      end.dp_sync = sync;
    }
    if (has_dp && (p.zero == 1 || p.zero == 2) && !overlap_grad_reduce) {
      for (int c = 0; c < vpp_; ++c) {
        const TaskId gather = dp_.zero_param_gather(r.dp, chunk_params[static_cast<std::size_t>(c)],
                                                    weight_bytes_per_param);
        writer_.add_edge(optimizer, gather);
      }
    }
  }

  const Scenario& sc_;
  const ComputeCost& compute_;
  const CollectiveCost& coll_;
  StepBuildOptions options_;
  ParallelGroups groups_;
  PassCostTable costs_;
  StepGraphWriter writer_;
  DpSync dp_;
  int pp_ = 1, vpp_ = 1, vstages_ = 1;
  ScheduleKind schedule_ = ScheduleKind::one_f_one_b;
  ModelStateBytes state_bytes_;  // per parameter: weights, main gradients, optimizer states
  std::vector<std::vector<ScheduleStep>> orders_;  // per stage
  std::int32_t m_ = 1;
  std::vector<std::int64_t> chunk_layers_, chunk_first_layer_;
  PassTaskIndex passes_;
  std::vector<std::int64_t> blocking_comm_;
  std::vector<PassPlan> plans_;
  std::vector<TaskId> done_;
  std::vector<StageEnd> stage_ends_;
  bool split_weight_ = false;
};

}  // namespace

StepWorkload build_step(const Scenario& scenario, const ComputeCost& compute,
                        const CollectiveCost& collectives, const StepBuildOptions& options) {
  return StepBuilder(scenario, compute, collectives, options, StepWorkload{}).build();
}

StepWorkload build_step(const Scenario& scenario, const ComputeCost& compute,
                        const CollectiveCost& collectives, const StepBuildOptions& options,
                        StepWorkload storage) {
  return StepBuilder(scenario, compute, collectives, options, std::move(storage)).build();
}

}  // namespace trainsim
