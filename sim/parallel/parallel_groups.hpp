#pragma once
// The communicators of a scenario's parallel layout: which GPUs each collective spans and how
// they sit on nodes, which is all the collective cost model needs to know about them.
#include "sim/collectives/collective_cost.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

// The communicator layouts Megatron's rank order (tp fastest, then cp, dp, pp) produces.
struct ParallelGroups {
  CommGroup tp, cp, dp, ep, pp_neighbour;
  CommGroup etp;  // expert tensor parallel: the GPUs that split each expert (consecutive, as TP)
  CommGroup dp_shard, dp_replica;  // ZeRO shard groups and their replicas (hybrid sharding)
};
ParallelGroups parallel_groups(const Scenario& scenario);

}  // namespace trainsim
