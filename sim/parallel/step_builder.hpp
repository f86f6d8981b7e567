#pragma once
// Builds the task graph of one training step: one representative rank per pipeline stage (TP,
// CP and DP peers do identical work, so they are not simulated separately), each with a compute
// stream and communication streams. Every pipeline schedule is an ordering (pipeline_schedule.hpp)
// fed to one builder core.
#include <vector>

#include "sim/collectives/collective_cost.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/engine/task_graph.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

enum class TaskGranularity {
  pass,   // one task per (micro-batch, model chunk, forward|backward); TP time inside it
  layer,  // one task per layer, TP/CP/EP collectives as tasks on their own streams (traces)
};

struct StepBuildOptions {
  TaskGranularity granularity = TaskGranularity::pass;
};

struct RankStreams {
  int stage = 0;
  StreamId compute = 0, tp = 0, pp = 0, dp = 0, cp = 0, ep = 0;
};

struct StepWorkload {
  TaskGraph graph;
  std::vector<RankStreams> ranks;  // index = simulated rank = pipeline stage
};

// The communicator layouts Megatron's rank order (tp fastest, then cp, dp, pp) produces.
struct ParallelGroups {
  CommGroup tp, cp, dp, ep, pp_neighbour;
};
ParallelGroups parallel_groups(const Scenario& scenario);

StepWorkload build_step(const Scenario& scenario, const ComputeCost& compute,
                        const CollectiveCost& collectives, const StepBuildOptions& options = {});

}  // namespace trainsim
