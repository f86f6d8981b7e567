#pragma once
// `trainsim explain`: where a step's time goes, what each exposed communication is (collective,
// bytes, group and links, NCCL's algorithm and protocol, latency- or bandwidth-bound, how much is
// hidden), and the changes that would shorten the step most — each one predicted, never guessed.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/api/trainsim.hpp"
#include "sim/collectives/collective_cost.hpp"
#include "sim/parallel/parameter_server.hpp"

namespace trainsim {

// One part of the step on the explained GPU (the slowest pipeline stage's).
struct StepPart {
  std::string name;  // "compute", "bubble", "optimizer", "exposed tp communication", ...
  double seconds = 0;
  double share = 0;  // of the step
};

// One collective (or pipeline send) of the step, costed by NCCL's model.
struct CollectiveExplained {
  std::string where;       // "layer", "embedding", "lm head", or the task ("dp gradient bucket")
  std::string group_name;  // tp, cp, ep, etp, dp, dp_shard, dp_replica, pp
  CollectiveKind kind = CollectiveKind::all_reduce;
  CommGroup group;
  double bytes = 0;  // NCCL's convention (collective_cost.hpp)
  // How often: per pass of a layer (folded into compute passes) or per step on the GPU.
  double forward_calls = 0, backward_calls = 0;  // per layer (or piece) pass; folded ones
  double step_calls = 0;                         // per step; dp and pp transfers
  CollectiveEstimate estimate;                   // one call
  double latency_s = 0;                          // the same collective of one byte: its fixed cost
  bool latency_bound = false;
  std::string placement;  // "8 GPUs inside one node", "128 GPUs across 128 nodes (1 per node)"
  std::string link;       // "NVLink", "8x 200 Gb/s NICs per node"
  // The rate its slowest links give it, per direction, in nccl-tests' bus-bandwidth terms: a
  // GPU's NVLink inside a node; across nodes, the NICs of the group's GPUs on one node.
  double link_Bps = 0;
  double busbw_Bps = 0;  // nccl-tests' bus bandwidth of one call
};

// A parameter server's push or pull of one gradient bucket (no NCCL collective): every worker
// sends 1/servers of it to every server, or receives as much back.
struct PsTransferExplained {
  std::string where;  // "ps push gradients", "ps pull aggregate"
  double bytes_per_worker = 0;
  double step_calls = 0;
  int workers = 0, servers = 0;
  std::string placement;  // "4 dedicated server hosts, 1x 200 Gb/s NIC each"
  PsExchange exchange;    // one call: the worker's side and the busiest server host's
};

// The communication of one kind (tp, pp, dp, cp, ep) on the explained GPU.
struct CommunicationExplained {
  TimeCategory category = TimeCategory::tp_comm;
  double exposed_s = 0;  // on the step's critical path (the breakdown's)
  // dp and pp: the time its transfers take on the GPU's streams, exposed or not.
  std::optional<double> issued_s;
  // tp and cp: what runs overlapped inside one layer's forward / backward pass.
  double layer_forward_hidden_s = 0, layer_backward_hidden_s = 0;
  std::vector<CollectiveExplained> collectives;
  std::vector<PsTransferExplained> ps_transfers;  // dp under a parameter server
};

// A change of the strategy and what predicting it gives.
struct Suggestion {
  std::vector<std::pair<std::string, Json>> from, to;  // the changed settings: path, value
  std::int64_t dp_from = 0, dp_to = 0;                 // dp, derived from the GPU count
  StepPrediction prediction;
  double gain_s = 0;  // base step time - this one (same engine)
};

struct Explanation {
  Scenario scenario;  // resolved, its "auto" settings filled
  StepPrediction prediction;
  std::vector<StepPart> parts;  // compute first, then the losses, largest first
  std::vector<CommunicationExplained> communication;
  std::vector<Suggestion> suggestions;  // best first
  std::size_t alternatives_predicted = 0;
  double memory_headroom = 0;  // suggestions keep peak memory within capacity × (1 - this)
};

struct ExplainOptions {
  int suggestions = 3;
  double memory_headroom = kDefaultMemoryHeadroom;
};

// Predicts `scenario` (on its engine) and every strategy one setting away from it (the settings
// `search` varies; on the fast engine, the best re-predicted on the scenario's own engine), and
// explains it. Throws as predict does.
Explanation explain(const Scenario& scenario, const ExplainOptions& options = {});

}  // namespace trainsim
