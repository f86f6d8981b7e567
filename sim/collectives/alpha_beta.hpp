#pragma once
// Textbook α-β (Hockney) collective costs, comm-model.md §3.2–3.4: the oracle the NCCL-faithful
// model is tested against, and a plain model in its own right. Each (collective, algorithm) is a
// shape {number of α terms, fraction of n crossing the bottleneck link}; one function turns a
// shape, a message size and a link into seconds.
#include <optional>
#include <string_view>

#include "sim/collectives/collective_cost.hpp"

namespace trainsim {

struct AlphaBetaLink {
  double alpha_s = 0;        // per-message latency
  double bandwidth_Bps = 0;  // 1/β of the bottleneck link, per direction
};

enum class TextbookAlgorithm {
  ring,                // reduce-scatter + all-gather rings; pairwise for all_to_all
  double_binary_tree,  // two complementary pipelined binary trees (NCCL Tree)
  recursive_doubling,  // all_reduce; Bruck / recursive halving for all_gather / reduce_scatter
  rabenseifner,        // recursive-halving reduce-scatter + recursive-doubling all-gather
  binomial_tree,       // broadcast / reduce
  scatter_allgather,   // van de Geijn broadcast
  direct,              // send_recv: one message
};

std::string_view name_of(TextbookAlgorithm algorithm);

// time = alpha_count · α + beta_fraction · n / B.
struct AlphaBetaShape {
  double alpha_count = 0;
  double beta_fraction = 0;
};

// nullopt when the table has no such (collective, algorithm). `ranks` >= 1; `n` follows
// CollectiveCost::estimate (full vector, gathered buffer, per-rank all_to_all send buffer).
std::optional<AlphaBetaShape> textbook_shape(CollectiveKind kind, TextbookAlgorithm algorithm,
                                             int ranks);

double estimate_alpha_beta_s(const AlphaBetaShape& shape, double bytes, const AlphaBetaLink& link);

// §3.3 hierarchical all_reduce over N nodes of G ranks: reduce-scatter inside the node, G parallel
// inter-node ring all-reduces of n/G, all-gather inside the node:
// 2(G−1)α_l + 2(G−1)/G·n/B_l + 2(N−1)α_g + 2(N−1)/N·(n/G)/B_g.
double estimate_hierarchical_all_reduce_s(int nodes, int ranks_per_node, double bytes,
                                          const AlphaBetaLink& intra, const AlphaBetaLink& inter);

// §3.4 all_to_all on a two-level machine, n = per-rank send buffer, rail-aligned NICs with PXN:
// (p−1)·α + max((N−1)/N·n / B_nic_per_gpu, (G−1)/G·n / B_nvl).
double estimate_two_level_all_to_all_s(int nodes, int ranks_per_node, double bytes, double alpha_s,
                                       double nic_per_gpu_Bps, double nvlink_Bps);

}  // namespace trainsim
