#include "sim/collectives/alpha_beta.hpp"

#include <algorithm>
#include <cmath>

namespace trainsim {

namespace {

double ceil_log2(int p) {
  return p <= 1 ? 0.0 : std::ceil(std::log2(static_cast<double>(p)));
}

}  // namespace

std::string_view name_of(TextbookAlgorithm algorithm) {
  switch (algorithm) {
    case TextbookAlgorithm::ring:
      return "ring";
    case TextbookAlgorithm::double_binary_tree:
      return "double_binary_tree";
    case TextbookAlgorithm::recursive_doubling:
      return "recursive_doubling";
    case TextbookAlgorithm::rabenseifner:
      return "rabenseifner";
    case TextbookAlgorithm::binomial_tree:
      return "binomial_tree";
    case TextbookAlgorithm::scatter_allgather:
      return "scatter_allgather";
    case TextbookAlgorithm::direct:
      return "direct";
  }
  return "?";
}

std::optional<AlphaBetaShape> textbook_shape(CollectiveKind kind, TextbookAlgorithm algorithm,
                                             int ranks) {
  const double p = std::max(1, ranks);
  const double lg = ceil_log2(ranks);
  const double spread = (p - 1) / p;  // fraction of n a rank must send (or receive)
  using A = TextbookAlgorithm;
  switch (kind) {
    case CollectiveKind::all_reduce:
      switch (algorithm) {
        case A::ring:
          return AlphaBetaShape{2 * (p - 1), 2 * spread};
        case A::double_binary_tree:
          return AlphaBetaShape{2 * lg, p > 1 ? 2.0 : 0.0};
        case A::recursive_doubling:
          return AlphaBetaShape{lg, lg};
        case A::rabenseifner:
          return AlphaBetaShape{2 * lg, 2 * spread};
        case A::binomial_tree:
        case A::scatter_allgather:
        case A::direct:
          return std::nullopt;
      }
      return std::nullopt;
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter:
      switch (algorithm) {
        case A::ring:
          return AlphaBetaShape{p - 1, spread};
        case A::recursive_doubling:
          return AlphaBetaShape{lg, spread};
        case A::double_binary_tree:
        case A::rabenseifner:
        case A::binomial_tree:
        case A::scatter_allgather:
        case A::direct:
          return std::nullopt;
      }
      return std::nullopt;
    case CollectiveKind::broadcast:
    case CollectiveKind::reduce:
      switch (algorithm) {
        case A::binomial_tree:
          return AlphaBetaShape{lg, lg};
        case A::scatter_allgather:
          if (kind == CollectiveKind::broadcast) return AlphaBetaShape{lg + p - 1, 2 * spread};
          return std::nullopt;
        case A::ring:
          return AlphaBetaShape{p - 1, p > 1 ? 1.0 : 0.0};  // pipelined chain
        case A::double_binary_tree:
        case A::recursive_doubling:
        case A::rabenseifner:
        case A::direct:
          return std::nullopt;
      }
      return std::nullopt;
    case CollectiveKind::all_to_all:
      if (algorithm == A::ring || algorithm == A::direct) return AlphaBetaShape{p - 1, spread};
      return std::nullopt;
    case CollectiveKind::send_recv:
      if (algorithm == A::direct) return AlphaBetaShape{1, 1};
      return std::nullopt;
  }
  return std::nullopt;
}

double estimate_alpha_beta_s(const AlphaBetaShape& shape, double bytes, const AlphaBetaLink& link) {
  return shape.alpha_count * link.alpha_s + shape.beta_fraction * bytes / link.bandwidth_Bps;
}

double estimate_hierarchical_all_reduce_s(int nodes, int ranks_per_node, double bytes,
                                          const AlphaBetaLink& intra, const AlphaBetaLink& inter) {
  const double g = ranks_per_node, n = nodes;
  double t = 0;
  if (ranks_per_node > 1)
    t += 2 * (g - 1) * intra.alpha_s + 2 * (g - 1) / g * bytes / intra.bandwidth_Bps;
  if (nodes > 1)
    t += 2 * (n - 1) * inter.alpha_s + 2 * (n - 1) / n * (bytes / g) / inter.bandwidth_Bps;
  return t;
}

double estimate_two_level_all_to_all_s(int nodes, int ranks_per_node, double bytes, double alpha_s,
                                       double nic_per_gpu_Bps, double nvlink_Bps) {
  const double n = nodes, g = ranks_per_node, p = n * g;
  const double inter = nodes > 1 ? (n - 1) / n * bytes / nic_per_gpu_Bps : 0.0;
  const double intra = ranks_per_node > 1 ? (g - 1) / g * bytes / nvlink_Bps : 0.0;
  return (p - 1) * alpha_s + std::max(inter, intra);
}

}  // namespace trainsim
