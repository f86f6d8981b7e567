#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "sim/cli/commands.hpp"
#include "trainsim/trainsim.hpp"

namespace trainsim::cli {

// `trainsim predict` is the installed library's predict_scenario (include/trainsim) printed.
int run_predict(const PredictArgs& args) {
  PredictRequest request;
  if (args.scenario_file == "-") {
    // `predict -`: the scenario from standard input (relative paths in it: the working folder).
    std::ostringstream text;
    text << std::cin.rdbuf();
    request.scenario_json = text.str();
    if (request.scenario_json.empty())
      throw InputError("-", "standard input is empty; expected a scenario JSON object");
  } else {
    request.scenario_file = args.scenario_file;
  }
  request.sets = args.overrides;
  request.trace_file = args.trace_file;
  request.detailed = args.detailed;
  Prediction prediction;
  try {
    prediction = predict_scenario(request);
  } catch (const InputError& e) {
    // The request's fields are this command's options.
    if (e.json_path() == "trace_file" || e.json_path() == "detailed")
      throw InputError(e.json_path() == "detailed" ? "--detailed" : "--trace",
                       std::string(e.what()).substr(e.json_path().size() + 2));
    throw;
  }
  std::cout << (args.format == "json"  ? prediction.json
                : args.format == "csv" ? prediction.csv
                                       : prediction.table);
  if (!args.trace_file.empty())
    std::cerr << fmt::format("trace written to {} (open it in https://ui.perfetto.dev)\n",
                             args.trace_file);
  return 0;
}

}  // namespace trainsim::cli
