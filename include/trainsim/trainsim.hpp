#pragma once
// trainsim as a C++ library: one training step predicted from a scenario, as numbers and as the
// JSON document `trainsim predict --format json` prints. Installed by `cmake --install`; use it
// with
//
//   find_package(trainsim REQUIRED)
//   target_link_libraries(app PRIVATE trainsim::trainsim)
//
//   #include <trainsim/trainsim.hpp>
//   trainsim::PredictRequest request;
//   request.scenario_json = R"({"model": "llama3.1-8b",
//     "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "gpus": 64,
//                 "network": "ib-ndr400-rail-fattree"},
//     "parallel": {"tp": 4}, "training": {"global_batch": 512, "seq_len": 8192}})";
//   request.sets = {"parallel.pp=2"};                 // as `--set`: one field changed
//   const trainsim::Prediction p = trainsim::predict_scenario(request);
//   std::cout << p.step_time_s << " s per step, MFU " << p.mfu << "\n" << p.json;
//
// Scenario fields, preset names and the JSON document are the CLI's (the interface reference,
// README). A wrong field throws trainsim::InputError naming it and what is allowed; a valid
// scenario that cannot run (strict memory, no strategy fits) throws trainsim::InfeasibleError.
// predict_scenario may run on many threads at once. Standard C++ only: nothing of trainsim's
// dependencies reaches the program.
#include <map>
#include <string>
#include <vector>

#include "trainsim/errors.hpp"

namespace trainsim {

struct PredictRequest {
  // The scenario: JSON text (relative paths in it are taken from the current directory), else
  // a scenario file, else the bundled default (GPT-3 175B on 1024 A100).
  std::string scenario_json;
  std::string scenario_file;
  // "PATH=VALUE" assignments applied to the scenario first (`trainsim predict --set`).
  std::vector<std::string> sets;
  // When not empty, the step's Perfetto trace (one task per layer pass) is written there.
  std::string trace_file;
  // One task per layer pass even without a trace (`--detailed`): finer overlap, slower.
  bool detailed = false;
};

struct Prediction {
  std::string scenario;  // its name
  std::string engine;    // "analytic" or "flow"
  int gpus = 0;
  double step_time_s = 0;
  double tokens_per_s = 0;
  double model_flops_per_step = 0;
  double mfu = 0;  // model FLOPs per second over the GPUs' dense peak
  // Where the step goes on the slowest pipeline stage's GPU.
  double compute_s = 0;
  double optimizer_s = 0;
  double bubble_s = 0;
  std::map<std::string, double> exposed_communication_s;  // "tp", "pp", "dp", "cp", "ep"
  double peak_memory_bytes = 0;  // the most loaded GPU, with the runtime's reserve
  double memory_capacity_bytes = 0;
  bool fits_in_memory = true;
  std::vector<std::string> warnings;  // "path: message"
  // The CLI's outputs for this prediction: `--format json`, `--format table`, `--format csv`.
  std::string json;
  std::string table;
  std::string csv;
};

TRAINSIM_VISIBLE Prediction predict_scenario(const PredictRequest& request);

// Where presets and bundled scenarios are read from (the installed share/trainsim, or the
// TRAINSIM_DATA_DIR environment variable); set_data_directory overrides it for this process.
TRAINSIM_VISIBLE std::string data_directory();
TRAINSIM_VISIBLE void set_data_directory(const std::string& directory);

}  // namespace trainsim
