#pragma once
// Builds the task graph of one training step: one representative rank per pipeline stage (TP,
// CP and DP peers do identical work, so they are not simulated separately), each with a compute
// stream and communication streams. Every pipeline schedule is an ordering (pipeline_schedule.hpp)
// fed to one builder core.
#include <string>
#include <utility>
#include <vector>

#include "sim/collectives/collective_cost.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/engine/task_graph.hpp"
#include "sim/parallel/parallel_groups.hpp"  // ParallelGroups, parallel_groups()
#include "sim/parallel/scenario.hpp"

namespace trainsim {

enum class TaskGranularity {
  pass,   // one task per (micro-batch, model chunk, forward|backward); TP time inside it
  layer,  // one task per layer, TP/CP/EP collectives as tasks on their own streams (traces)
};

struct StepBuildOptions {
  TaskGranularity granularity = TaskGranularity::pass;
  // Whether StepWorkload::comm_tags is filled: the all-GPU engine and `explain` read the tags; a
  // prediction that keeps neither the workload nor a flow simulation does not, and skipping them
  // spares a search one record per communication task.
  bool comm_tags = true;
};

struct RankStreams {
  int stage = 0;
  StreamId compute = 0, tp = 0, pp = 0, dp = 0, cp = 0, ep = 0;
  // A parameter server's pulls: a second dp stream (pulls use the links' other direction, so
  // they overlap the next pushes); the dp stream itself otherwise.
  StreamId ps_pull = 0;
};

// What a communication task between GPUs moves, so that an engine simulating every GPU can put
// it on the GPUs of each group (sim/parallel/all_ranks.hpp). Collectives and sends folded into
// compute tasks (TP, CP, EP inside a pass) carry no tag.
enum class CommScope : std::uint8_t {
  dp,          // a collective over the stage's data-parallel (× context-parallel) group
  dp_shard,    // hybrid sharding: one collective per shard group (consecutive DP ranks)
  dp_replica,  // hybrid sharding: one per replica group (same index in every shard group)
  pp,          // every GPU of the stage sends `bytes` to its peer in `peer_stage`
  ep,          // expert-parallel all-to-alls (all_ranks.hpp splits them out of passes)
};
// A parameter server's traffic (Strategy::ps), which is no NCCL collective: every worker's
// share of a bucket to every server (push), or the aggregate back (pull).
enum class PsTraffic : std::uint8_t { none, push, pull };

struct CommTag {
  TaskId task = 0;
  CommScope scope = CommScope::dp;
  CollectiveKind kind = CollectiveKind::all_reduce;
  double bytes = 0;                // NCCL's convention (collective_cost.hpp); per GPU for sends
  std::int32_t peer_stage = -1;    // pp only
  bool tree = false;               // dp: NCCL's model chose its (double binary) tree
  PsTraffic ps = PsTraffic::none;  // dp: a parameter server's push or pull (bytes per worker)
};

struct StepWorkload {
  TaskGraph graph;
  std::vector<RankStreams> ranks;  // index = simulated rank = pipeline stage
  std::vector<CommTag> comm_tags;  // in task order
  // Trace process names by stream rank; empty: "GPU stage <rank> (representative rank)".
  std::vector<std::pair<RankId, std::string>> process_names;

  // Empties it, keeping the storage (see TaskGraph::clear).
  void clear() {
    graph.clear();
    ranks.clear();
    comm_tags.clear();
    process_names.clear();
  }
};

StepWorkload build_step(const Scenario& scenario, const ComputeCost& compute,
                        const CollectiveCost& collectives, const StepBuildOptions& options = {});
// The same, built in `storage` (cleared first), whose capacity a caller predicting many steps
// recycles from the previous one.
StepWorkload build_step(const Scenario& scenario, const ComputeCost& compute,
                        const CollectiveCost& collectives, const StepBuildOptions& options,
                        StepWorkload storage);

}  // namespace trainsim
