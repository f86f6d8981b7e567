#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/cli/commands.hpp"
#include "sim/cli/overrides.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"
#include "sim/parallel/predict.hpp"
#include "sim/reports/reports.hpp"

#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
#include "sim/network/flow_step.hpp"
#endif

namespace trainsim::cli {

StepPrediction predict_on_chosen_engine(const Scenario& scenario, const PredictOptions& options) {
  if (scenario.engine.network == NetworkEngineKind::analytic)
    return predict_step(scenario, options);
#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
  return predict_step_flow(scenario, options);
#else
  throw InputError("engine.network",
                   "'flow' needs the SimGrid flow engine, which this build does not have "
                   "(install libsimgrid-dev and rebuild), or use \"analytic\"");
#endif
}

int run_predict(const PredictArgs& args) {
  const std::filesystem::path file = args.scenario_file.empty()
                                         ? data_root() / "scenarios" / "default.json"
                                         : std::filesystem::path(args.scenario_file);
  Json json = load_json_file(file);
  for (const std::string& assignment : args.overrides) apply_override(json, assignment);
  const Scenario scenario = parse_scenario(json, file.parent_path());

  PredictOptions options;
  options.keep_timeline = !args.trace_file.empty();
  if (options.keep_timeline || args.detailed) {
    options.granularity = TaskGranularity::layer;
    // One task per layer pass (and the timeline of each, and the trace's events): keep that to
    // what a trace viewer opens and this machine holds.
    const double layer_tasks = scenario.layer_pass_tasks();
    constexpr double kMaxLayerTasks = 1 << 20;
    if (layer_tasks > kMaxLayerTasks)
      throw InputError(args.trace_file.empty() ? "--detailed" : "--trace",
                       fmt::format("one task per layer would be {:.3g} tasks ({} micro-batches x "
                                   "{} layers), beyond the {:.3g} a trace holds; trace a step with "
                                   "fewer micro-batches (--set training.global_batch=...)",
                                   layer_tasks, scenario.micro_batches(), scenario.model.layers,
                                   kMaxLayerTasks));
  }
  const StepPrediction prediction = predict_on_chosen_engine(scenario, options);

  if (args.format == "json") {
    std::cout << prediction_to_json(prediction).dump(2) << "\n";
  } else if (args.format == "csv") {
    std::cout << prediction_to_csv(prediction);
  } else {
    std::cout << prediction_to_table(prediction);
  }
  if (!args.trace_file.empty()) {
    std::ofstream out(args.trace_file, std::ios::binary);
    if (!out) throw InputError("--trace", fmt::format("cannot write '{}'", args.trace_file));
    out << prediction_to_trace(prediction).dump() << "\n";
    std::cerr << fmt::format("trace written to {} (open it in https://ui.perfetto.dev)\n",
                             args.trace_file);
  }
  return 0;
}

}  // namespace trainsim::cli
