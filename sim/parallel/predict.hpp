#pragma once
// Scenario → predicted step: builds the cost models and the step's task graph, runs the fast
// engine, and explains the slowest GPU.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/diagnostic.hpp"
#include "sim/core/json_fields.hpp"
#include "sim/engine/engine.hpp"
#include "sim/parallel/breakdown.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/scenario.hpp"
#include "sim/parallel/simulated_setup.hpp"
#include "sim/parallel/step_builder.hpp"
#include "sim/parallel/training_run.hpp"

namespace trainsim {

struct PredictOptions {
  TaskGranularity granularity = TaskGranularity::pass;
  bool keep_timeline = false;  // keep the task graph and timeline (for traces)
};

// A setting the scenario left to trainsim ("auto"), the value chosen and why.
struct Assumption {
  std::string path;  // "parallel.tp"
  Json value;        // 8, "interleaved", true
  std::string reason;
};

// A parameter server's step (Strategy::ps): what its busiest server carries and, with
// asynchronous updates, how stale the applied gradients are.
struct ParameterServerStep {
  bool async = false;
  int servers = 1;
  int workers = 1;
  double server_bytes_per_step = 0;  // into the busiest server host per step (as much out)
  // Asynchronous updates: a nominal worker's step is `step_time_s`; the slowest worker's (a GPU
  // slowed by engine.gpu_speed) is this; model updates applied by the others between a worker's
  // pull and its push (mean over updates, and the slowest worker's).
  double slowest_worker_step_s = 0;
  double mean_staleness_steps = 0;
  double max_staleness_steps = 0;
};

struct StepPrediction {
  std::string scenario;
  int gpus = 0;
  SimulatedSetup setup;  // what was simulated, every default resolved
  double step_time_s = 0;
  double tokens_per_s = 0;
  std::optional<double> images_per_s;  // image models: global_batch counts images
  double model_flops_per_step = 0;
  double mfu = 0;
  Breakdown breakdown;
  int critical_stage = 0;  // the pipeline stage whose GPU the breakdown explains
  MemoryEstimate memory;
  std::vector<Diagnostic> warnings;     // the scenario's, then the prediction's (memory)
  std::vector<Assumption> assumptions;  // the "auto" settings filled (the façade's predict)
  std::optional<TrainingRun> run;       // with training.tokens: the whole run
  std::optional<ParameterServerStep> parameter_server;
  std::size_t tasks = 0;
  std::uint64_t events = 0;
  NetworkEngineKind engine = NetworkEngineKind::analytic;
  std::uint64_t flows = 0;  // transfers the flow engine simulated (0 on the fast engine)
  // Flow engine: per communication category, the largest ratio of a task's time to its time alone
  // on the network (1: never stretched by shared links; 0: no such task).
  CategoryTimes worst_sharing_slowdown{};
  // Present with keep_timeline.
  std::shared_ptr<const StepWorkload> workload;
  std::shared_ptr<const Timeline> timeline;
};

// The fast engine on a resolved and checked scenario (the façade's predict, sim/api, resolves,
// checks and picks the engine; sim/network/flow_step.hpp runs the flow engine). Throws
// InfeasibleError when the scenario asks for strict memory and does not fit.
StepPrediction predict_step(const Scenario& scenario, const PredictOptions& options = {});

// A synchronous parameter server's summary for a step of `step_time_s` (the slowest worker's):
// servers, workers and the busiest server host's bytes per step. Both engines report it.
ParameterServerStep parameter_server_step(const Scenario& scenario, double step_time_s);

// Asynchronous parameter-server workers (scenario.parallel.ps.async), each at its own pace:
// `out` is a nominal worker's step with its parameter_server summary set;
// `worker_step_at(slowdown)` predicts a worker's step at that compute slowdown (1 / its
// engine.gpu_speed factor). Sets the job's throughput, MFU, run and staleness from them.
void apply_async_parameter_server(const Scenario& scenario,
                                  const std::function<double(double)>& worker_step_at,
                                  StepPrediction& out);

// The engine-independent halves of a prediction, for every engine:
// memory and warnings first (throws InfeasibleError under strict memory), ...
StepPrediction begin_prediction(const Scenario& scenario);
// ... then, from a workload and its timeline, the step time, the slowest GPU's breakdown,
// throughput and MFU.
void finish_prediction(const Scenario& scenario, std::shared_ptr<StepWorkload> workload,
                       std::shared_ptr<Timeline> timeline, const PredictOptions& options,
                       StepPrediction& out);

}  // namespace trainsim
