#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/api/trainsim.hpp"
#include "sim/cli/commands.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim::cli {

int run_predict(const PredictArgs& args) {
  const std::filesystem::path file = args.scenario_file.empty()
                                         ? default_scenario_file()
                                         : std::filesystem::path(args.scenario_file);
  const Scenario scenario = load_scenario(file, args.overrides);

  PredictOptions options;
  options.keep_timeline = !args.trace_file.empty();
  if (options.keep_timeline || args.detailed) {
    options.granularity = TaskGranularity::layer;
    // One task per layer pass (and the timeline of each, and the trace's events): keep that to
    // what a trace viewer opens and this machine holds.
    const Scenario ready = checked(scenario);
    const double layer_tasks = ready.layer_pass_tasks();
    constexpr double kMaxLayerTasks = 1 << 20;
    if (layer_tasks > kMaxLayerTasks)
      throw InputError(
          args.trace_file.empty() ? "--detailed" : "--trace",
          fmt::format("one task per layer would be {:.3g} tasks ({} micro-batches x "
                      "{} layers), beyond the {:.3g} a trace holds; trace a step with "
                      "fewer micro-batches (--set training.global_batch=...)",
                      layer_tasks, ready.micro_batches(), ready.model.layers, kMaxLayerTasks));
  }
  const StepPrediction prediction = predict(scenario, options);

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
