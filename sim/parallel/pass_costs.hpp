#pragma once
// The per-pass cost table of one step: what each model piece (a transformer layer, the embedding,
// the LM head with the loss) costs on one rank in its forward and backward pass, split by time
// category, plus the pipeline send between stages. Every layer is alike, so one entry serves all
// of them; the step builder assembles passes from these pieces, and a pass's time is the sum of
// its pieces' parts. Built once per scenario, so it can also be printed on its own.
#include <string_view>
#include <vector>

#include "sim/collectives/collective_cost.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/engine/task_graph.hpp"
#include "sim/parallel/parallel_groups.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

// The cost of one model piece in each pass, on one rank.
struct PieceCost {
  // Seconds by category: compute, and the blocking TP / CP / EP communication folded into the
  // pass (with recomputation, `backward` includes the re-run forward).
  CategoryTimes forward{}, backward{};
  double forward_flops = 0, backward_flops = 0;
  // The weight-gradient GEMMs inside `backward`, split out under zero-bubble schedules.
  double weight_s = 0, weight_flops = 0;
  double params = 0;  // parameters on one rank, for gradient buckets
  // Communication that runs overlapped inside the pass and so is not in forward/backward
  // (Transformer Engine's comm-GEMM overlap, the CP ring behind attention).
  CategoryTimes forward_hidden_s{}, backward_hidden_s{};
};

// One collective folded into a piece's passes (TP, CP, EP): what it moves, over which group, and
// how many times per pass of the piece. For explaining the step; the times are in PieceCost.
struct FoldedCollective {
  std::string_view piece;  // "layer", "embedding", "lm head"
  TimeCategory category = TimeCategory::tp_comm;
  CollectiveKind kind = CollectiveKind::all_reduce;
  std::string_view group;  // "tp", "cp", "ep", "etp"
  CommGroup ranks;
  double bytes = 0;  // NCCL's convention (collective_cost.hpp)
  // Per pass of the piece; a backward under full recomputation re-runs the forward's.
  double forward_calls = 0, backward_calls = 0;
};

struct PassCostTable {
  PieceCost layer;  // one transformer layer (every layer is the same)
  // A CNN's blocks, one piece each (they differ); empty for a transformer.
  std::vector<PieceCost> blocks;
  const PieceCost& layer_at(std::int64_t layer) const {
    return blocks.empty() ? this->layer : blocks[static_cast<std::size_t>(layer)];
  }
  PieceCost embedding;   // the token (and learned position) embedding, on the first stage
  PieceCost head;        // final norm, LM head and cross-entropy, on the loss stage
  double p2p_s = 0;      // one pipeline send between neighbouring stages; 0 without pp
  double p2p_bytes = 0;  // per GPU
  // A CNN's sends differ by boundary (the feature map after each stage's last block): per
  // boundary between virtual stages b and b + 1; empty = p2p_s / p2p_bytes everywhere.
  std::vector<double> boundary_p2p_s, boundary_p2p_bytes;
  double p2p_s_at(int boundary) const {
    return boundary_p2p_s.empty() ? p2p_s : boundary_p2p_s[static_cast<std::size_t>(boundary)];
  }
  double p2p_bytes_at(int boundary) const {
    return boundary_p2p_bytes.empty() ? p2p_bytes
                                      : boundary_p2p_bytes[static_cast<std::size_t>(boundary)];
  }
  std::vector<FoldedCollective> collectives;
};

PassCostTable build_pass_costs(const Scenario& scenario, const ComputeCost& compute,
                               const CollectiveCost& collectives, const ParallelGroups& groups);

}  // namespace trainsim
