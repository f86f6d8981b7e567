#pragma once
// The step of every GPU, for the flow engine: the representative workload (one GPU per pipeline
// stage, step_builder.hpp) copied onto the GPUs of each stage, with per-GPU speed factors applied
// and each communication task resolved to the GPUs it connects.
//
// Streams belong to sets of GPUs that always run the same tasks together:
//  - a *lockstep group*: the GPUs of one stage joined by per-layer collectives (all its TP and
//    CP ranks and, for MoE with expert parallelism, its EP block). Its passes are blocking TP/CP/EP
//    collectives every layer, so a pass runs on all members at once and lasts as long as the
//    slowest member needs. It owns the compute, tp, cp, ep and pp streams.
//  - a *DP group*: the GPUs of one stage with one TP index (all CP and DP ranks), which reduce
//    gradients and gather parameters together. It owns the dp stream.
// A representative edge becomes an edge between every pair of copies whose groups share a GPU.
//
// Global ranks follow Megatron's order (tp fastest, then cp, dp, pp); rank g sits on node
// g / gpus_per_node_used, local GPU g % gpus_per_node_used, i.e. topology GPU
// node · gpus_per_node + local.
#include <cstdint>
#include <span>
#include <vector>

#include "sim/parallel/scenario.hpp"
#include "sim/parallel/step_builder.hpp"

namespace trainsim {

// One communication task of the expanded graph and the topology GPUs it involves.
struct AllRankComm {
  TaskId task = 0;
  CommScope scope = CommScope::dp;
  CollectiveKind kind = CollectiveKind::all_reduce;
  double bytes = 0;                // NCCL's convention; per GPU for pp sends
  bool tree = false;               // dp all_reduce laid out as NCCL's double binary tree
  PsTraffic ps = PsTraffic::none;  // a parameter server's push or pull: bytes per worker
  // Into AllRankStep::gpus: dp scopes: `count` GPUs forming count / group_size groups of
  // group_size consecutive entries, each group running the collective on its own (one group for
  // CommScope::dp; the shard groups or the replica groups under hybrid sharding), each in ring
  // (global rank) order; pp: `count` (source, destination) pairs, 2·count entries.
  std::uint32_t first = 0, count = 0;
  std::uint32_t group_size = 0;
};

struct AllRankStep {
  StepWorkload workload;  // ranks: one entry per lockstep group, stage by stage
  std::vector<AllRankComm> comms;
  std::vector<int> gpus;
  int lockstep_groups_per_stage = 1;
  int dp_groups_per_stage = 1;
  // A parameter server's servers (ps_server_endpoints) and the nodes the topology needs for
  // dedicated ones, appended after the cluster's.
  std::vector<std::vector<int>> ps_servers;
  int ps_server_nodes = 0;

  std::span<const int> gpus_of(const AllRankComm& comm) const {
    const std::size_t n = comm.scope == CommScope::pp ? 2 * comm.count : comm.count;
    return std::span<const int>(gpus).subspan(comm.first, n);
  }
};

// The topology GPU of global rank `rank`.
int gpu_of_rank(const Scenario& scenario, int rank);

// `representative` is frozen if it is not yet. Speed factors come from scenario.engine.gpu_speed.
AllRankStep expand_to_all_ranks(const Scenario& scenario, StepWorkload& representative);

}  // namespace trainsim
