#include "sim/parallel/predict.hpp"

#include <fmt/format.h>

#include "sim/core/errors.hpp"

namespace trainsim {

StepPrediction predict_step(const Scenario& scenario, const PredictOptions& options) {
  StepPrediction out;
  out.scenario = scenario.name;
  out.gpus = scenario.gpus;
  out.warnings = scenario.warnings;
  out.memory = estimate_peak_memory(scenario);
  if (!out.memory.fits) {
    const std::string message =
        fmt::format("does not fit in GPU memory: stage {} needs {:.1f} GB of {:.1f} GB",
                    out.memory.stage, out.memory.peak_bytes / 1e9, out.memory.capacity_bytes / 1e9);
    if (scenario.strict_memory) throw InfeasibleError(message);
    out.warnings.push_back(message);
  }

  const ComputeCost compute(scenario.cluster.gpu, scenario.cluster.profile);
  const CollectiveCost collectives(scenario.cluster.gpu, scenario.cluster.node,
                                   scenario.cluster.network, scenario.comm);
  StepBuildOptions build;
  build.granularity = options.granularity;
  auto workload = std::make_shared<StepWorkload>(build_step(scenario, compute, collectives, build));
  auto timeline = std::make_shared<Timeline>(run_engine(workload->graph));

  // The slowest GPU: the stage whose last task ends latest (ties: the first such stage).
  std::vector<double> rank_end(workload->ranks.size(), 0.0);
  for (TaskId id = 0; id < workload->graph.task_count(); ++id) {
    const RankId rank = workload->graph.streams()[workload->graph.task(id).stream].rank;
    rank_end[rank] = std::max(rank_end[rank], timeline->timing[id].end_s);
  }
  std::size_t critical = 0;
  for (std::size_t r = 1; r < rank_end.size(); ++r)
    if (rank_end[r] > rank_end[critical]) critical = r;

  out.step_time_s = timeline->makespan_s;
  out.critical_stage = workload->ranks[critical].stage;
  out.breakdown =
      explain_rank(workload->graph, *timeline, workload->ranks[critical].compute, out.step_time_s);
  out.tasks = workload->graph.task_count();
  out.events = timeline->events;

  const double tokens =
      static_cast<double>(scenario.training.global_batch) * scenario.training.seq_len;
  out.model_flops_per_step =
      tokens * model_flops_per_token(scenario.model, scenario.training.seq_len);
  if (out.step_time_s > 0) {
    out.tokens_per_s = tokens / out.step_time_s;
    const double peak = scenario.cluster.gpu.peak_flops_per_s(scenario.training.precision);
    out.mfu = out.model_flops_per_step / (out.step_time_s * scenario.gpus * peak);
  }
  if (options.keep_timeline) {
    out.workload = workload;
    out.timeline = timeline;
  }
  return out;
}

}  // namespace trainsim
