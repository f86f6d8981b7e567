#pragma once
// `trainsim collective` as one call (the CLI and the Python module): what the collective model
// predicts for an nccl-tests sweep (sizes from min to max, or the sizes of a real run's log to
// compare with), on the analytical NCCL model or, for the ring-lowered collectives, the flow
// engine. Here beside the façade because it too picks the engine.
#include <optional>
#include <string>
#include <vector>

namespace trainsim {

struct CollectiveSweepRequest {
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
  std::string engine = "analytic";  // analytic | flow (SimGrid flows on the cluster topology)
};

struct CollectiveSweepRow {
  double size_bytes = 0;
  double count = 0;  // nccl-tests' count column (elements; per rank for gathers and scatters)
  double time_us = 0, algbw_GBps = 0, busbw_GBps = 0;
  std::string algorithm, protocol;
  std::optional<double> measured_time_us, measured_busbw_GBps;  // with compare_log
};

struct CollectiveSweep {
  std::string op, dtype;
  std::string redop;  // as nccl-tests prints it: "sum" or "none"
  bool rooted = false;
  int gpus = 0, nodes = 0;
  std::string cluster, network;    // preset names
  bool flow = false;               // predicted by the flow engine
  bool compared = false;           // rows carry the log's measurements
  std::vector<std::string> notes;  // how the log changed the request (its ranks, its collective)
  std::vector<CollectiveSweepRow> rows;
};

// Throws InputError naming the option (--op, --dtype, --gpus, --min-bytes, --engine, ...).
CollectiveSweep sweep_collective(const CollectiveSweepRequest& request);

}  // namespace trainsim
