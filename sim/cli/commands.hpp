#pragma once
// Subcommands of the `trainsim` program. Each returns the process exit status; input errors
// propagate as exceptions to main(), the one place that prints them.
#include <string>
#include <vector>

#include <memory>

#include "sim/parallel/predict.hpp"
#include "sim/search/work_spread.hpp"

namespace trainsim::cli {

struct PredictArgs {
  std::string scenario_file;  // empty: scenarios/default.json
  std::vector<std::string> overrides;
  std::string format = "table";
  std::string trace_file;
  bool detailed = false;  // one task per layer (implied by --trace)
};
int run_predict(const PredictArgs& args);

struct PresetsArgs {
  std::string kind;  // empty: list the kinds
  std::string name;  // empty: list the kind's presets
  std::string format = "table";
};
int run_presets(const PresetsArgs& args);

struct SearchArgs {
  std::string scenario_file;           // empty: scenarios/default.json
  std::vector<std::string> overrides;  // --set; a searched setting set here is pinned
  std::vector<std::string> pins;       // searched settings kept at the scenario's values
  int top = 5;
  std::string objective = "time";
  double memory_headroom = kDefaultMemoryHeadroom;
  std::string format = "table";
  std::string report_file;                   // --report: also write an HTML page
  std::shared_ptr<const WorkSpread> spread;  // MPI ranks sharing the search (sim/mpi)
};
int run_search(const SearchArgs& args);

struct SweepArgs {
  std::string scenario_file;  // empty: scenarios/default.json
  std::vector<std::string> vary;
  std::vector<std::string> overrides;
  bool search = false;
  double memory_headroom = kDefaultMemoryHeadroom;  // with --search
  std::string format = "table";
  std::string report_file;                   // --report: also write an HTML page
  std::shared_ptr<const WorkSpread> spread;  // MPI ranks sharing each point's search
};
int run_sweep(const SweepArgs& args);

struct ExplainArgs {
  std::string scenario_file;  // empty: scenarios/default.json
  std::vector<std::string> overrides;
  int suggestions = 3;
  double memory_headroom = kDefaultMemoryHeadroom;
  std::string format = "table";
};
int run_explain(const ExplainArgs& args);

struct ReportArgs {
  std::string scenario_file;  // empty: scenarios/default.json
  std::vector<std::string> overrides;
  std::string output_file;
};
int run_report(const ReportArgs& args);

struct CompareArgs {
  std::vector<std::string> scenario_files;  // A [B]; none: scenarios/default.json
  std::vector<std::string> overrides;       // with one scenario: B is A with these
  std::string format = "table";
  std::string report_file;  // --report: also write an HTML page (both timelines)
};
int run_compare(const CompareArgs& args);

struct ValidateArgs {
  std::string records_file;
  std::string format = "table";
  std::vector<std::string> overrides;
  std::string scenarios_dir;      // when set, each generated scenario is written there as <id>.json
  std::string unstated = "auto";  // auto | default: what a setting a record leaves unstated
                                  // becomes (UnstatedSettings)
};
int run_validate(const ValidateArgs& args);

struct CollectiveArgs {
  std::string op = "all_reduce";  // all_reduce | all_gather | reduce_scatter | broadcast |
                                  // reduce | all_to_all | send_recv
  int gpus = 8;
  std::string cluster = "dgx-h100";  // node preset (or a scenario-style cluster JSON file)
  std::string network;               // network preset; default: the node's usual fabric
  std::string min_bytes = "8";       // sizes accept K/M/G suffixes (powers of 1024)
  std::string max_bytes = "8G";
  double step_factor = 2;
  std::string dtype = "float";
  std::string compare_log;          // nccl-tests output to compare against
  std::string algorithm, protocol;  // force (as comm.algorithm / comm.protocol)
  bool collnet = false;             // NCCL_COLLNET_ENABLE=1 (as comm.collnet)
  std::string format = "table";     // table | json
  std::string engine = "analytic";  // analytic | flow (SimGrid flows on the cluster topology)
};
int run_collective(const CollectiveArgs& args);

}  // namespace trainsim::cli
