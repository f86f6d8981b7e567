// The installed interface (include/trainsim/trainsim.hpp) on top of the façade: the request
// becomes a Scenario, the façade predicts it, and the prediction comes back as plain numbers
// and as the CLI's three renderings. `trainsim predict` itself goes through here.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "sim/api/trainsim.hpp"
#include "sim/reports/reports.hpp"
#include "trainsim/trainsim.hpp"

namespace trainsim {
namespace {

Scenario scenario_of(const PredictRequest& request) {
  if (request.scenario_json.empty())
    return load_scenario(request.scenario_file.empty()
                             ? default_scenario_file()
                             : std::filesystem::path(request.scenario_file),
                         request.sets);
  return parse_scenario_text(request.scenario_json, request.sets);
}

// One task per layer pass (and a timeline of each, and the trace's events): kept to what a trace
// viewer opens and this machine holds.
void check_layer_tasks(const Scenario& scenario, const PredictRequest& request) {
  const Scenario ready = checked(scenario);
  const double layer_tasks = ready.layer_pass_tasks();
  constexpr double kMaxLayerTasks = 1 << 20;
  if (layer_tasks > kMaxLayerTasks)
    throw InputError(
        request.trace_file.empty() ? "detailed" : "trace_file",
        fmt::format("one task per layer would be {:.3g} tasks ({} micro-batches x "
                    "{} layers), beyond the {:.3g} a trace holds; trace a step with "
                    "fewer micro-batches (--set training.global_batch=...)",
                    layer_tasks, ready.micro_batches(), ready.model.layers, kMaxLayerTasks));
}

Prediction summary_of(const StepPrediction& p) {
  Prediction out;
  out.scenario = p.scenario;
  out.engine = std::string(name_of(p.engine));
  out.gpus = p.gpus;
  out.step_time_s = p.step_time_s;
  out.tokens_per_s = p.tokens_per_s;
  out.model_flops_per_step = p.model_flops_per_step;
  out.mfu = p.mfu;
  out.compute_s = p.breakdown.compute_s;
  out.optimizer_s = p.breakdown.optimizer_s;
  out.bubble_s = p.breakdown.bubble_s;
  for (std::size_t c = 0; c < kTimeCategoryCount; ++c) {
    const auto category = static_cast<TimeCategory>(c);
    if (is_communication(category))
      out.exposed_communication_s[std::string(name_of(category))] = p.breakdown.exposed(category);
  }
  out.peak_memory_bytes = p.memory.peak_bytes;
  out.memory_capacity_bytes = p.memory.capacity_bytes;
  out.fits_in_memory = p.memory.fits;
  for (const Diagnostic& w : p.warnings)
    out.warnings.push_back(w.path.empty() ? w.message : w.path + ": " + w.message);
  out.json = prediction_to_json(p).dump(2) + "\n";
  out.table = prediction_to_table(p);
  out.csv = prediction_to_csv(p);
  return out;
}

}  // namespace

Prediction predict_scenario(const PredictRequest& request) {
  const Scenario scenario = scenario_of(request);
  PredictOptions options;
  options.keep_timeline = !request.trace_file.empty();
  if (options.keep_timeline || request.detailed) {
    options.granularity = TaskGranularity::layer;
    check_layer_tasks(scenario, request);
  }
  // The trace file is opened first: an unwritable path fails before the simulation runs.
  std::ofstream trace;
  if (!request.trace_file.empty()) {
    trace.open(request.trace_file, std::ios::binary);
    if (!trace)
      throw InputError("trace_file", fmt::format("cannot write '{}'", request.trace_file));
  }
  const StepPrediction prediction = predict(scenario, options);
  if (!request.trace_file.empty()) {
    trace << prediction_to_trace(prediction).dump() << "\n";
    if (!trace)
      throw InputError("trace_file", fmt::format("cannot write '{}'", request.trace_file));
  }
  return summary_of(prediction);
}

std::string data_directory() {
  return data_root().string();
}

void set_data_directory(const std::string& directory) {
  set_data_root(directory);
}

}  // namespace trainsim
