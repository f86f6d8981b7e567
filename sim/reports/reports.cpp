#include "sim/reports/reports.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/core/units.hpp"

namespace trainsim {
namespace {

std::string human_dollars(double usd) {
  if (usd >= 1e9) return fmt::format("${:.2f} billion", usd / 1e9);
  if (usd >= 1e6) return fmt::format("${:.2f} million", usd / 1e6);
  if (usd >= 1e3) return fmt::format("${:.1f} thousand", usd / 1e3);
  return fmt::format("${:.2f}", usd);
}

}  // namespace

std::string human_seconds(double s) {
  if (s >= 1.0) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.1f} us", s * 1e6);
}

std::string explain_bottleneck(const StepPrediction& p) {
  struct Loss {
    double seconds;
    std::string what, remedy;
  };
  const Breakdown& b = p.breakdown;
  const Loss losses[] = {
      {b.bubble_s - b.stage_imbalance_s, "the pipeline bubble",
       "more micro-batches per step, an interleaved schedule (vpp > 1), zb-h1 or zb-v, or fewer "
       "pipeline stages"},
      {b.stage_imbalance_s, fmt::format("stage imbalance (waiting for stage {})", b.slowest_stage),
       fmt::format("balancing the stages: stage {} is busy {} longer per micro-batch than stage "
                   "{}, so give it fewer layers (parallel.layer_split = \"embedding_and_loss\" "
                   "when it holds the embedding or the loss, or a list of layers per stage); "
                   "more micro-batches make this wait longer",
                   b.slowest_stage, human_seconds(b.slowest_excess_per_micro_batch_s),
                   p.critical_stage)},
      {b.exposed(TimeCategory::tp_comm), "exposed tensor-parallel communication",
       "a smaller tp, keeping tp inside one NVLink domain, or sequence parallelism with "
       "tp_comm_overlap"},
      {b.exposed(TimeCategory::pp_comm), "exposed pipeline transfers",
       "fewer pipeline stages or faster inter-node links"},
      {b.exposed(TimeCategory::dp_comm), "exposed data-parallel communication",
       p.parameter_server
           ? "more parameter servers (parallel.ps.servers) or servers colocated with the workers, "
             "whose NICs share the incast; or dp_mode \"allreduce\""
           : "overlap_grad_reduce, larger micro-batches / more accumulation steps, or a faster "
             "network"},
      {b.exposed(TimeCategory::cp_comm), "exposed context-parallel communication",
       "a smaller cp or keeping the CP group inside a node"},
      {b.exposed(TimeCategory::ep_comm), "exposed expert-parallel all-to-all",
       "a smaller ep, keeping the EP group inside a node, or better expert load balance"},
      {b.optimizer_s, "the optimizer step", "sharding the optimizer (zero >= 1)"},
  };
  const Loss* worst = &losses[0];
  for (const Loss& l : losses)
    if (l.seconds > worst->seconds) worst = &l;
  std::string out =
      p.step_time_s <= 0 || worst->seconds < 0.02 * p.step_time_s
          ? fmt::format("compute-bound: {:.0f}% of the step is computation on the critical GPU",
                        p.step_time_s > 0 ? 100.0 * b.compute_s / p.step_time_s : 0.0)
          : fmt::format("largest loss: {} ({:.1f}% of the step); usually reduced by {}",
                        worst->what, 100.0 * worst->seconds / p.step_time_s, worst->remedy);
  // The flow engine also says where shared links stretched communication.
  std::string stretched;
  for (TimeCategory c : kCommunicationCategories) {
    const double slowdown = p.worst_sharing_slowdown[index_of(c)];
    if (slowdown >= 1.1)
      stretched +=
          fmt::format("{}{} up to {:.1f}x", stretched.empty() ? "" : ", ", name_of(c), slowdown);
  }
  if (!stretched.empty())
    out += "; links shared with other groups' traffic stretched transfers (" + stretched +
           " their time alone; see alone_s in the trace)";
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

OrderedJson prediction_to_json(const StepPrediction& p) {
  OrderedJson j;
  j["scenario"] = p.scenario;
  j["gpus"] = p.gpus;
  j["step_time_s"] = p.step_time_s;
  j["tokens_per_s"] = p.tokens_per_s;
  if (p.images_per_s) j["images_per_s"] = *p.images_per_s;
  j["model_flops_per_step"] = p.model_flops_per_step;
  j["mfu"] = p.mfu;
  const SimulatedSetup& u = p.setup;
  j["setup"] = {{"tp", u.tp},
                {"pp", u.pp},
                {"dp", u.dp},
                {"cp", u.cp},
                {"ep", u.ep},
                {"etp", u.etp},
                {"vpp", u.vpp},
                {"schedule", u.schedule},
                {"sequence_parallel", u.sequence_parallel},
                {"zero", u.zero},
                {"global_batch", u.global_batch},
                {"micro_batch", u.micro_batch},
                {"micro_batches_per_pipeline", u.micro_batches},
                {"seq_len", u.seq_len},
                {"precision", u.precision},
                {"recompute", u.recompute},
                {"framework", u.framework},
                {"model", u.model},
                {"gpu", u.gpu},
                {"node", u.node},
                {"network", u.network},
                {"network_tiers", u.network_tiers}};
  OrderedJson breakdown;
  breakdown["compute_s"] = p.breakdown.compute_s;
  breakdown["bubble_s"] = p.breakdown.bubble_s;
  breakdown["optimizer_s"] = p.breakdown.optimizer_s;
  OrderedJson exposed;
  for (TimeCategory c : kCommunicationCategories)
    exposed[std::string(name_of(c))] = p.breakdown.exposed(c);
  breakdown["exposed_comm_s"] = exposed;
  breakdown["critical_stage"] = p.critical_stage;
  // Part of bubble_s (the parts still add up to the step without it).
  breakdown["stage_imbalance_s"] = p.breakdown.stage_imbalance_s;
  breakdown["slowest_stage"] = p.breakdown.slowest_stage;
  j["breakdown"] = breakdown;
  OrderedJson memory;
  memory["peak_bytes"] = p.memory.peak_bytes;
  memory["capacity_bytes"] = p.memory.capacity_bytes;
  memory["fits"] = p.memory.fits;  // within usable_bytes
  memory["usable_bytes"] = p.memory.usable_bytes;
  memory["params_bytes"] = p.memory.params_bytes;
  memory["grads_bytes"] = p.memory.grads_bytes;
  memory["optimizer_bytes"] = p.memory.optimizer_bytes;
  memory["activations_bytes"] = p.memory.activations_bytes;
  memory["runtime_reserved_bytes"] = p.memory.runtime_reserved_bytes;
  memory["cuda_context_bytes"] = p.memory.cuda_context_bytes;
  memory["nccl_buffers_bytes"] = p.memory.nccl_buffers_bytes;
  memory["fragmentation_bytes"] = p.memory.fragmentation_bytes;
  memory["stage"] = p.memory.stage;
  j["memory"] = memory;
  OrderedJson warnings = OrderedJson::array();
  for (const Diagnostic& w : p.warnings) warnings.push_back(w.message);
  j["warnings"] = warnings;
  if (p.run) {
    const TrainingRun& r = *p.run;
    const auto optional = [](const std::optional<double>& v) {
      return v ? OrderedJson(*v) : OrderedJson(nullptr);
    };
    OrderedJson run;
    run["tokens"] = r.tokens;
    run["steps"] = r.steps;
    run["time_to_train_s"] = r.time_to_train_s;
    run["time_to_train_days"] = r.time_to_train_s / 86400;
    run["gpu_hours"] = r.gpu_hours;
    run["gpu_hour_usd"] = optional(r.gpu_hour_usd);
    run["cost_usd"] = optional(r.cost_usd);
    run["average_power_kw"] =
        r.average_power_W ? OrderedJson(*r.average_power_W / 1e3) : OrderedJson(nullptr);
    run["energy_mwh"] = optional(r.energy_mwh);
    run["pue"] = r.pue;
    if (r.resilience) {
      const Resilience& x = *r.resilience;
      OrderedJson c;
      c["checkpoint_bytes"] = x.checkpoint_bytes;
      c["checkpoint_write_s"] = x.checkpoint_write_s;
      c["restart_s"] = x.restart_s;
      c["job_mtbf_hours"] = x.job_mtbf_s / 3600;
      c["interval_s"] = x.interval_s;
      c["interval_steps"] = x.interval_steps;
      c["failure_free_time_s"] = x.failure_free_s;
      c["checkpoint_overhead_s"] = x.checkpoint_overhead_s;
      c["failure_overhead_s"] = x.failure_overhead_s;
      c["expected_failures"] = x.expected_failures;
      c["goodput"] = x.goodput;
      run["checkpoints"] = c;
    }
    j["run"] = run;
  }
  if (p.parameter_server) {
    const ParameterServerStep& s = *p.parameter_server;
    OrderedJson ps;
    ps["update"] = s.async ? "async" : "sync";
    ps["servers"] = s.servers;
    ps["workers"] = s.workers;
    ps["server_bytes_per_step"] = s.server_bytes_per_step;
    if (s.async) {
      ps["slowest_worker_step_s"] = s.slowest_worker_step_s;
      ps["mean_staleness_steps"] = s.mean_staleness_steps;
      ps["max_staleness_steps"] = s.max_staleness_steps;
    }
    j["parameter_server"] = ps;
  }
  if (!p.assumptions.empty()) {
    OrderedJson assumptions = OrderedJson::array();
    for (const Assumption& a : p.assumptions)
      assumptions.push_back({{"path", a.path}, {"value", a.value}, {"reason", a.reason}});
    j["assumptions"] = assumptions;
  }
  j["explanation"] = explain_bottleneck(p);
  OrderedJson sim;
  sim["tasks"] = p.tasks;
  sim["events"] = p.events;
  sim["engine"] = name_of(p.engine);
  if (p.engine == NetworkEngineKind::flow) {
    sim["flows"] = p.flows;
    OrderedJson slowdown;
    for (TimeCategory c : kCommunicationCategories)
      if (p.worst_sharing_slowdown[index_of(c)] > 0)
        slowdown[std::string(name_of(c))] = p.worst_sharing_slowdown[index_of(c)];
    sim["worst_sharing_slowdown"] = slowdown;
  }
  j["simulation"] = sim;
  return j;
}

std::string prediction_to_table(const StepPrediction& p) {
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<28} {}\n", label, value);
  };
  auto share = [&](double s) {
    return fmt::format("{:>12}  {:5.1f}%", human_seconds(s),
                       p.step_time_s > 0 ? 100.0 * s / p.step_time_s : 0.0);
  };
  out += fmt::format("trainsim prediction: {}\n", p.scenario);
  line("GPUs", fmt::format("{}", p.gpus));
  line("engine", p.engine == NetworkEngineKind::flow
                     ? fmt::format("flow (every GPU; {} transfers)", p.flows)
                     : std::string("analytic (one GPU per stage)"));
  line("step time", human_seconds(p.step_time_s));
  line("tokens/s", fmt::format("{:.0f}", p.tokens_per_s));
  if (p.images_per_s) line("images/s", fmt::format("{:.0f}", *p.images_per_s));
  line("MFU", fmt::format("{:.1f}%", 100.0 * p.mfu));
  line("model FLOPs per step", fmt::format("{:.3e}", p.model_flops_per_step));
  const SimulatedSetup& u = p.setup;
  out += "simulated:\n";
  std::string strategy = fmt::format("tp {} · pp {} · dp {} · cp {}", u.tp, u.pp, u.dp, u.cp);
  if (u.ep > 1 || u.etp != u.tp) strategy += fmt::format(" · ep {} · etp {}", u.ep, u.etp);
  strategy += fmt::format(" · {}", u.schedule);
  if (u.vpp > 1) strategy += fmt::format(" (vpp {})", u.vpp);
  strategy +=
      fmt::format(" · ZeRO {} · sequence parallel {}", u.zero, u.sequence_parallel ? "on" : "off");
  line("strategy", strategy);
  line("batch", fmt::format("{} x {} tokens; micro-batch {}, {} per pipeline", u.global_batch,
                            u.seq_len, u.micro_batch, u.micro_batches));
  line("precision / recompute",
       fmt::format("{} / {} ({} kernels)", u.precision, u.recompute, u.framework));
  line("hardware",
       u.network_tiers > 0
           ? fmt::format("{} in {} nodes, network {} ({} tiers{})", u.gpu, u.node, u.network,
                         u.network_tiers,
                         u.network_tiers_reason.empty() ? "" : ": " + u.network_tiers_reason)
           : fmt::format("{} in {} nodes, network {}", u.gpu, u.node, u.network));
  out += fmt::format("breakdown (critical path of pipeline stage {}):\n", p.critical_stage);
  line("compute", share(p.breakdown.compute_s));
  line("pipeline bubble", share(p.breakdown.bubble_s));
  if (p.breakdown.stage_imbalance_s > 0) {
    line("  schedule (fill, drain)", share(p.breakdown.bubble_s - p.breakdown.stage_imbalance_s));
    line(fmt::format("  waiting for stage {}", p.breakdown.slowest_stage),
         share(p.breakdown.stage_imbalance_s));
  }
  line("optimizer", share(p.breakdown.optimizer_s));
  for (TimeCategory c : kCommunicationCategories)
    line(fmt::format("exposed {} comm", name_of(c)), share(p.breakdown.exposed(c)));
  out += fmt::format("memory per GPU (stage {}):\n", p.memory.stage);
  line("parameters", binary_bytes(p.memory.params_bytes));
  line("gradients", binary_bytes(p.memory.grads_bytes));
  line("optimizer states", binary_bytes(p.memory.optimizer_bytes));
  line("activations", binary_bytes(p.memory.activations_bytes));
  line("CUDA context, workspaces", binary_bytes(p.memory.cuda_context_bytes));
  line("NCCL buffers", binary_bytes(p.memory.nccl_buffers_bytes));
  line("allocator fragmentation", binary_bytes(p.memory.fragmentation_bytes));
  const MemoryEstimate& m = p.memory;
  line("peak / capacity",
       fmt::format(
           "{} / {} ({})", binary_bytes(m.peak_bytes), binary_bytes(m.capacity_bytes),
           m.fits ? fmt::format("fits, {} usable", binary_bytes(m.usable_bytes))
           : m.over_capacity()
               ? fmt::format("DOES NOT FIT: {} over", binary_bytes(m.peak_bytes - m.capacity_bytes))
               : fmt::format("AT RISK: above the {} usable", binary_bytes(m.usable_bytes))));
  if (p.parameter_server) {
    const ParameterServerStep& s = *p.parameter_server;
    line("parameter server",
         fmt::format("{} workers, {} server{}, {} into the busiest server host per step (as much "
                     "out)",
                     s.workers, s.servers, s.servers > 1 ? "s" : "",
                     binary_bytes(s.server_bytes_per_step)));
    if (s.async)
      line("  asynchronous updates",
           fmt::format("slowest worker's step {}; staleness {:.1f} updates on average, {:.1f} "
                       "for the slowest worker",
                       human_seconds(s.slowest_worker_step_s), s.mean_staleness_steps,
                       s.max_staleness_steps));
  }
  if (p.run) {
    const TrainingRun& r = *p.run;
    out += fmt::format("training run ({:.3g} tokens, {:.0f} steps):\n", r.tokens, r.steps);
    line("time to train", fmt::format("{:.1f} days", r.time_to_train_s / 86400));
    if (r.resilience) {
      const Resilience& x = *r.resilience;
      line("  without failures", fmt::format("{:.1f} days", x.failure_free_s / 86400));
      line("  checkpoint",
           fmt::format("{} written in {}, every {:.0f} steps ({}; Daly's "
                       "optimum)",
                       binary_bytes(x.checkpoint_bytes), human_seconds(x.checkpoint_write_s),
                       x.interval_steps, human_seconds(x.interval_s)));
      line("  failures",
           fmt::format("{:.0f} expected (one every {:.1f} h), each costing a "
                       "restart of {} and the work since the last checkpoint",
                       x.expected_failures, x.job_mtbf_s / 3600, human_seconds(x.restart_s)));
      line("  goodput",
           fmt::format("{:.1f}% (checkpoints {:.2f} days, failures {:.2f} days)", 100 * x.goodput,
                       x.checkpoint_overhead_s / 86400, x.failure_overhead_s / 86400));
    }
    line("GPU-hours", fmt::format("{:.0f}", r.gpu_hours));
    line("cost", r.cost_usd ? fmt::format("{} at ${:.2f} per GPU-hour", human_dollars(*r.cost_usd),
                                          *r.gpu_hour_usd)
                            : std::string("unknown (set cluster.gpu_hour_usd)"));
    line("energy", r.energy_mwh ? fmt::format("{:.3g} MWh ({:.0f} kW average, PUE {:.2f})",
                                              *r.energy_mwh, *r.average_power_W / 1e3, r.pue)
                                : std::string("unknown (the GPU states no tdp_W)"));
  }
  out += explain_bottleneck(p) + "\n";
  for (const Assumption& a : p.assumptions)
    out += fmt::format("chosen: {} = {} ({})\n", a.path, a.value.dump(), a.reason);
  for (const Diagnostic& w : p.warnings) out += fmt::format("warning: {}\n", w.message);
  return out;
}

std::string prediction_to_csv(const StepPrediction& p) {
  // The setup's columns come last, so that scripts reading the first ones by position keep
  // working.
  std::string header =
      "scenario,gpus,step_time_s,tokens_per_s,model_flops_per_step,mfu,compute_s,bubble_s,"
      "optimizer_s,exposed_tp_s,exposed_pp_s,exposed_dp_s,exposed_cp_s,exposed_ep_s,peak_bytes,"
      "capacity_bytes,fits,tp,pp,dp,cp,ep,etp,vpp,schedule,sequence_parallel,zero,global_batch,"
      "micro_batch,micro_batches_per_pipeline,seq_len,precision,recompute,framework,model,gpu,"
      "node,network,network_tiers,stage_imbalance_s\n";
  const std::string name = csv_field(p.scenario);
  std::string row =
      fmt::format("{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g}", name, p.gpus,
                  p.step_time_s, p.tokens_per_s, p.model_flops_per_step, p.mfu,
                  p.breakdown.compute_s, p.breakdown.bubble_s, p.breakdown.optimizer_s);
  for (TimeCategory c : kCommunicationCategories)
    row += fmt::format(",{:.9g}", p.breakdown.exposed(c));
  row += fmt::format(",{:.0f},{:.0f},{}", p.memory.peak_bytes, p.memory.capacity_bytes,
                     p.memory.fits ? "true" : "false");
  const SimulatedSetup& u = p.setup;
  row += fmt::format(",{},{},{},{},{},{},{},{},{},{},{},{},{},{}", u.tp, u.pp, u.dp, u.cp, u.ep,
                     u.etp, u.vpp, u.schedule, u.sequence_parallel ? "true" : "false", u.zero,
                     u.global_batch, u.micro_batch, u.micro_batches, u.seq_len);
  for (const std::string* text :
       {&u.precision, &u.recompute, &u.framework, &u.model, &u.gpu, &u.node, &u.network})
    row += "," + csv_field(*text);
  row += fmt::format(",{},{:.9g}", u.network_tiers, p.breakdown.stage_imbalance_s);
  return header + row + "\n";
}

OrderedJson prediction_to_trace(const StepPrediction& p) {
  if (!p.workload || !p.timeline)
    throw std::logic_error("prediction_to_trace needs a prediction made with keep_timeline");
  const TaskGraph& graph = p.workload->graph;
  OrderedJson events = OrderedJson::array();
  auto name_process = [&](RankId pid, const std::string& name) {
    events.push_back(
        {{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}});
    events.push_back({{"name", "process_sort_index"},
                      {"ph", "M"},
                      {"pid", pid},
                      {"args", {{"sort_index", pid}}}});
  };
  if (p.workload->process_names.empty()) {
    for (const RankStreams& r : p.workload->ranks)
      name_process(static_cast<RankId>(r.stage),
                   fmt::format("GPU stage {} (representative rank)", r.stage));
  } else {
    for (const auto& [pid, name] : p.workload->process_names) name_process(pid, name);
  }
  for (StreamId s = 0; s < graph.streams().size(); ++s) {
    const Stream& stream = graph.streams()[s];
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", stream.rank},
                      {"tid", static_cast<int>(stream.kind)},
                      {"args", {{"name", std::string(name_of(stream.kind))}}}});
  }
  for (TaskId id = 0; id < graph.task_count(); ++id) {
    const Task& task = graph.task(id);
    const TaskTiming& t = p.timeline->timing[id];
    if (task.duration_s <= 0 && t.end_s <= t.start_s) continue;
    const Stream& stream = graph.streams()[task.stream];
    std::string name = graph.label(task.label);
    if (task.micro_batch >= 0) name += fmt::format(" mb{}", task.micro_batch);
    if (task.layer >= 0) name += fmt::format(" L{}", task.layer);
    OrderedJson args;
    if (task.micro_batch >= 0) args["micro_batch"] = task.micro_batch;
    if (task.layer >= 0) args["layer"] = task.layer;
    if (task.flops > 0) args["flops"] = task.flops;
    if (task.bytes > 0) args["bytes"] = task.bytes;
    const CategoryTimes parts = graph.parts_of(id);
    for (std::size_t c = 0; c < kTimeCategoryCount; ++c)
      if (parts[c] > 0 && parts[c] < task.duration_s)
        args[fmt::format("{}_s", name_of(static_cast<TimeCategory>(c)))] = parts[c];
    // The flow engine stretches communication that shares links: show what it would take alone.
    const double took_s = t.end_s - t.start_s;
    if (std::fabs(took_s - task.duration_s) > 1e-9 * std::max(took_s, task.duration_s)) {
      args["alone_s"] = task.duration_s;
      args["slowdown_by_sharing"] = task.duration_s > 0 ? took_s / task.duration_s : 0.0;
    }
    events.push_back({{"name", name},
                      {"cat", std::string(name_of(task.category))},
                      {"ph", "X"},
                      {"pid", stream.rank},
                      {"tid", static_cast<int>(stream.kind)},
                      {"ts", t.start_s * 1e6},
                      {"dur", (t.end_s - t.start_s) * 1e6},
                      {"args", args}});
  }
  OrderedJson trace;
  trace["displayTimeUnit"] = "ms";
  trace["otherData"] = {{"scenario", p.scenario}, {"step_time_s", p.step_time_s}};
  trace["traceEvents"] = events;
  return trace;
}

}  // namespace trainsim
