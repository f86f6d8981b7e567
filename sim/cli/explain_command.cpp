#include <iostream>

#include "sim/cli/commands.hpp"
#include "sim/plan/explanation.hpp"
#include "sim/reports/explain_report.hpp"

namespace trainsim::cli {

int run_explain(const ExplainArgs& args) {
  const std::filesystem::path file = args.scenario_file.empty()
                                         ? default_scenario_file()
                                         : std::filesystem::path(args.scenario_file);
  ExplainOptions options;
  options.suggestions = args.suggestions;
  options.memory_headroom = args.memory_headroom;
  const Explanation explanation = explain(load_scenario(file, args.overrides), options);
  if (args.format == "json")
    std::cout << explanation_to_json(explanation).dump(2) << "\n";
  else
    std::cout << explanation_to_table(explanation);
  return 0;
}

}  // namespace trainsim::cli
