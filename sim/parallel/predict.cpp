#include "sim/parallel/predict.hpp"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "sim/core/errors.hpp"
#include "sim/core/units.hpp"
#include "sim/parallel/memory_remedies.hpp"
#include "sim/parallel/parameter_server.hpp"

namespace trainsim {

StepPrediction begin_prediction(const Scenario& scenario) {
  StepPrediction out;
  out.scenario = scenario.name;
  out.gpus = scenario.gpus;
  out.setup = simulated_setup(scenario);
  out.memory = estimate_peak_memory(scenario);
  if (!out.memory.fits) {
    const MemoryEstimate& m = out.memory;
    std::string message =
        m.over_capacity()
            ? fmt::format(
                  "does not fit in GPU memory: stage {} needs {:.2f} GiB of {:.2f} GiB "
                  "({:.2f} GiB over)",
                  m.stage, to_gib(m.peak_bytes), to_gib(m.capacity_bytes),
                  to_gib(m.peak_bytes - m.capacity_bytes))
            : fmt::format(
                  "at risk of running out of GPU memory: stage {} needs {:.2f} GiB, above "
                  "the {:.2f} GiB of {:.2f} GiB left after the {:g}% "
                  "training.memory_headroom kept for allocator fragmentation",
                  m.stage, to_gib(m.peak_bytes), to_gib(m.usable_bytes), to_gib(m.capacity_bytes),
                  100 * scenario.training.memory_headroom);
    const std::vector<MemoryRemedy> remedies = memory_remedies(scenario);
    if (remedies.empty()) {
      message +=
          "; no single change of recompute, sequence parallelism, ZeRO stage, "
          "micro-batch, pp or tp fits: use more GPUs or GPUs with more memory";
    } else {
      message += "; would fit: ";
      for (std::size_t i = 0; i < remedies.size(); ++i)
        message += fmt::format("{}{} ({:.2f} GiB)", i ? ", " : "", remedies[i].setting,
                               to_gib(remedies[i].peak_bytes));
    }
    if (scenario.strict_memory) throw InfeasibleError(message);
    out.warnings.push_back(
        warning_at(m.over_capacity() ? DiagnosticCode::over_memory : DiagnosticCode::memory_at_risk,
                   "", message));
  }
  return out;
}

void finish_prediction(const Scenario& scenario, std::shared_ptr<StepWorkload> workload,
                       std::shared_ptr<Timeline> timeline, const PredictOptions& options,
                       StepPrediction& out) {
  const TaskGraph& graph = workload->graph;
  // The slowest GPU: the simulated rank whose last task (on any of its streams) ends latest
  // (ties: the first such rank).
  // and, per stream, the time it is busy with the step's passes (all but the optimizer).
  std::vector<double> stream_end(graph.streams().size(), 0.0);
  std::vector<double> stream_busy(graph.streams().size(), 0.0);
  // A stream's tasks mostly follow each other in id order: each run of them is summed in
  // registers (in the same order, so to the same bits) and stored once, instead of a store and
  // reload per task.
  const std::vector<TaskTiming>& timing = timeline->timing;
  for (TaskId id = 0; id < graph.task_count();) {
    const StreamId stream = graph.task(id).stream;
    double end = stream_end[stream], busy = stream_busy[stream];
    for (; id < graph.task_count() && graph.task(id).stream == stream; ++id) {
      const TaskTiming& t = timing[id];
      end = std::max(end, t.end_s);
      busy += (t.end_s - t.start_s) - graph.part_of(id, TimeCategory::optimizer);
    }
    stream_end[stream] = end;
    stream_busy[stream] = busy;
  }
  std::size_t critical = 0;
  double critical_end = -1;
  for (std::size_t r = 0; r < workload->ranks.size(); ++r) {
    const RankStreams& rs = workload->ranks[r];
    double end = 0;
    for (const StreamId s : {rs.compute, rs.tp, rs.pp, rs.dp, rs.cp, rs.ep, rs.ps_pull})
      end = std::max(end, stream_end[s]);
    if (end > critical_end) {
      critical = r;
      critical_end = end;
    }
  }

  out.step_time_s = timeline->makespan_s;
  out.critical_stage = workload->ranks[critical].stage;
  out.breakdown =
      explain_rank(graph, *timeline, workload->ranks[critical].compute, out.step_time_s);
  std::vector<double> stage_busy_s(static_cast<std::size_t>(scenario.parallel.pp), 0.0);
  for (const RankStreams& rs : workload->ranks) {
    double& busy = stage_busy_s.at(static_cast<std::size_t>(rs.stage));
    busy = std::max(busy, stream_busy[rs.compute]);
  }
  split_stage_imbalance(out.breakdown, stage_busy_s, out.critical_stage, scenario.micro_batches());
  out.tasks = graph.task_count();
  out.events = timeline->events;

  const double tokens =
      static_cast<double>(scenario.training.global_batch) * scenario.training.seq_len;
  out.model_flops_per_step =
      tokens * model_flops_per_token(scenario.model, scenario.training.seq_len);
  if (out.step_time_s > 0) {
    out.tokens_per_s = tokens / out.step_time_s;
    if (scenario.model.vision)
      out.images_per_s = static_cast<double>(scenario.training.global_batch) / out.step_time_s;
    const double peak = scenario.cluster.gpu.peak_flops_per_s(scenario.training.precision);
    out.mfu = out.model_flops_per_step / (out.step_time_s * scenario.gpus * peak);
  }
  out.run = estimate_training_run(scenario, out.step_time_s, out.breakdown);
  if (options.keep_timeline) {
    out.workload = std::move(workload);
    out.timeline = std::move(timeline);
  }
}

namespace {

// One step with every kernel of the simulated GPUs `slowdown` times longer.
StepPrediction simulate_step(const Scenario& scenario, const PredictOptions& options,
                             double slowdown) {
  StepPrediction out = begin_prediction(scenario);
  ComputeCost compute(scenario.cluster.gpu, scenario.cluster.profile);
  compute.set_slowdown(slowdown);
  const CollectiveCost collectives(scenario.cluster.gpu, scenario.cluster.node,
                                   scenario.cluster.network, scenario.comm);
  StepBuildOptions build;
  build.granularity = options.granularity;
  build.comm_tags = options.keep_timeline;  // explain reads them from the kept workload
  // The storage of the last step this thread predicted and did not keep: a search predicts
  // thousands of steps of similar size, and building each in fresh memory costs more in page
  // faults (the allocator hands the megabytes back to the system between steps) than the
  // simulation itself.
  thread_local struct Recycled {
    StepWorkload workload;
    Timeline timeline;
  } recycled;
  auto workload = std::make_shared<StepWorkload>(
      build_step(scenario, compute, collectives, build, std::move(recycled.workload)));
  auto timeline = std::make_shared<Timeline>(std::move(recycled.timeline));
  workload->graph.freeze(TaskGraph::EdgeListStorage::keep);
  run_engine(workload->graph, *timeline);
  finish_prediction(scenario, workload, timeline, options, out);
  // A rare huge step is not worth holding on to for the rest of the thread's life.
  constexpr std::size_t kRecycledTasksMax = std::size_t{1} << 18;  // a few tens of MB
  if (!options.keep_timeline && workload->graph.task_count() <= kRecycledTasksMax) {
    recycled.workload = std::move(*workload);
    recycled.timeline = std::move(*timeline);
  }
  return out;
}

// Slowdown of each GPU of the job from engine.gpu_speed (1 / its speed factor).
std::vector<double> gpu_slowdowns(const Scenario& scenario) {
  std::vector<double> slowdown(static_cast<std::size_t>(scenario.gpus), 1.0);
  for (const GpuSpeedFactor& f : scenario.engine.gpu_speed)
    slowdown[static_cast<std::size_t>(f.gpu)] *= 1.0 / f.factor;
  return slowdown;
}

}  // namespace

ParameterServerStep parameter_server_step(const Scenario& scenario, double step_time_s) {
  const Strategy& p = scenario.parallel;
  ParameterServerStep ps;
  ps.async = p.ps.async;
  ps.servers = p.ps.servers;
  ps.workers = p.dp;
  const CollectiveCost collectives(scenario.cluster.gpu, scenario.cluster.node,
                                   scenario.cluster.network, scenario.comm);
  const double grad_bytes =
      model_state_bytes_per_param(scenario.training.framework, scenario.training.precision,
                                  p.grad_reduce_in_fp32.value(), p.zero)
          .reduced_grads;
  ps.server_bytes_per_step =
      ps_exchange(scenario, collectives, stage_params_per_rank(scenario, 0) * grad_bytes)
          .server_bytes;
  ps.slowest_worker_step_s = step_time_s;
  return ps;
}

void apply_async_parameter_server(const Scenario& scenario,
                                  const std::function<double(double)>& worker_step_at,
                                  StepPrediction& out) {
  const Strategy& p = scenario.parallel;
  ParameterServerStep& ps = *out.parameter_server;
  // Workers are GPUs here (pure data parallel: scenario_checks). Each distinct slowdown is one
  // more simulated step.
  std::vector<std::pair<double, double>> step_of_slowdown = {{1.0, out.step_time_s}};
  std::vector<double> worker_step_s;
  for (double s : gpu_slowdowns(scenario)) {
    auto it = std::find_if(step_of_slowdown.begin(), step_of_slowdown.end(),
                           [&](const auto& e) { return e.first == s; });
    if (it == step_of_slowdown.end()) {
      step_of_slowdown.emplace_back(s, worker_step_at(s));
      it = step_of_slowdown.end() - 1;
    }
    worker_step_s.push_back(it->second);
  }
  const AsyncThroughput rate = async_throughput(worker_step_s, p.ps.staleness);
  ps.slowest_worker_step_s = *std::max_element(worker_step_s.begin(), worker_step_s.end());
  ps.mean_staleness_steps = rate.mean_staleness_steps;
  ps.max_staleness_steps = rate.max_staleness_steps;
  // The job's throughput is every worker's own: a nominal worker's step stays `step_time_s`.
  const double tokens_per_worker_step =
      static_cast<double>(scenario.training.global_batch) * scenario.training.seq_len / p.dp;
  out.tokens_per_s = rate.steps_per_s * tokens_per_worker_step;
  if (out.images_per_s)
    out.images_per_s =
        rate.steps_per_s * static_cast<double>(scenario.training.global_batch) / p.dp;
  const double peak = scenario.cluster.gpu.peak_flops_per_s(scenario.training.precision);
  out.mfu = out.tokens_per_s * model_flops_per_token(scenario.model, scenario.training.seq_len) /
            (scenario.gpus * peak);
  // A whole run advances a global batch per W worker steps.
  const double global_batch_s = tokens_per_worker_step * p.dp / out.tokens_per_s;
  out.run = estimate_training_run(scenario, global_batch_s, out.breakdown);
}

StepPrediction predict_step(const Scenario& scenario, const PredictOptions& options) {
  const Strategy& p = scenario.parallel;
  // On this engine a slow GPU (engine.gpu_speed, pp = 1: scenario_checks) holds back every
  // synchronous step: the simulated GPU is the slowest.
  const std::vector<double> slowdown = gpu_slowdowns(scenario);
  const double slowest = *std::max_element(slowdown.begin(), slowdown.end());
  const bool async = p.parameter_server() && p.ps.async;
  StepPrediction out = simulate_step(scenario, options, async ? 1.0 : slowest);
  if (!p.parameter_server()) return out;
  out.parameter_server = parameter_server_step(scenario, out.step_time_s);
  if (async)
    apply_async_parameter_server(
        scenario,
        [&](double s) { return simulate_step(scenario, PredictOptions{}, s).step_time_s; }, out);
  return out;
}

}  // namespace trainsim
