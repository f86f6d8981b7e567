// `trainsim collective`: what the collective model predicts for an nccl-tests sweep
// (sim/api/collective_sweep.hpp), printed in nccl-tests' own layout so it can be held against a
// real run; `--compare LOG` reads such a run and prints the error per size.
#include <fmt/format.h>

#include <iostream>

#include "sim/api/collective_sweep.hpp"
#include "sim/cli/commands.hpp"
#include "sim/reports/collective_report.hpp"

namespace trainsim::cli {

int run_collective(const CollectiveArgs& args) {
  CollectiveSweepRequest request;
  request.op = args.op;
  request.gpus = args.gpus;
  request.cluster = args.cluster;
  request.network = args.network;
  request.min_bytes = args.min_bytes;
  request.max_bytes = args.max_bytes;
  request.step_factor = args.step_factor;
  request.dtype = args.dtype;
  request.compare_log = args.compare_log;
  request.algorithm = args.algorithm;
  request.protocol = args.protocol;
  request.collnet = args.collnet;
  request.engine = args.engine;
  const CollectiveSweep sweep = sweep_collective(request);
  for (const std::string& note : sweep.notes) std::cerr << "note: " << note << "\n";
  if (args.format == "json")
    std::cout << collective_to_json(sweep).dump(2) << "\n";
  else
    std::cout << collective_to_table(sweep);
  return 0;
}

}  // namespace trainsim::cli
