#pragma once
// Subcommands of the `trainsim` program. Each returns the process exit status; input errors
// propagate as exceptions to main(), the one place that prints them.
#include <string>
#include <vector>

namespace trainsim::cli {

struct PredictArgs {
  std::string scenario_file;  // empty: scenarios/default.json
  std::vector<std::string> overrides;
  std::string format = "table";
  std::string trace_file;
  bool detailed = false;  // one task per layer (implied by --trace)
};
int run_predict(const PredictArgs& args);

int run_presets(const std::string& kind);

struct ValidateArgs {
  std::string records_file;
  std::string format = "table";
  std::vector<std::string> overrides;
};
int run_validate(const ValidateArgs& args);

}  // namespace trainsim::cli
