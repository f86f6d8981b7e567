// The textbook α-β costs of comm-model.md §3.2–3.4, written out term by term.
#include "sim/collectives/alpha_beta.hpp"

#include <gtest/gtest.h>

namespace trainsim {
namespace {

const AlphaBetaLink kLink{5e-6, 100e9};  // α = 5 µs, B = 100 GB/s
constexpr double kBytes = 1e9;

double time_s(CollectiveKind kind, TextbookAlgorithm algorithm, int p) {
  const auto shape = textbook_shape(kind, algorithm, p);
  EXPECT_TRUE(shape.has_value()) << name_of(kind) << " / " << name_of(algorithm);
  return shape ? estimate_alpha_beta_s(*shape, kBytes, kLink) : -1;
}

TEST(AlphaBeta, RingAllReduceIs2PMinus1AlphaPlus2PMinus1OverPBeta) {
  const int p = 8;
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_reduce, TextbookAlgorithm::ring, p),
                   2 * (p - 1) * 5e-6 + 2.0 * (p - 1) / p * kBytes / 100e9);
}

TEST(AlphaBeta, RingAllGatherAndReduceScatterArePMinus1Steps) {
  const int p = 16;
  const double expected = (p - 1) * 5e-6 + (p - 1.0) / p * kBytes / 100e9;
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_gather, TextbookAlgorithm::ring, p), expected);
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::reduce_scatter, TextbookAlgorithm::ring, p), expected);
}

TEST(AlphaBeta, DoubleBinaryTreeIsLogarithmicInAlphaAndTwoNBeta) {
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_reduce, TextbookAlgorithm::double_binary_tree, 128),
                   2 * 7 * 5e-6 + 2 * kBytes / 100e9);
  // Non-powers of two round the depth up.
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_reduce, TextbookAlgorithm::double_binary_tree, 100),
                   2 * 7 * 5e-6 + 2 * kBytes / 100e9);
}

TEST(AlphaBeta, RabenseifnerAndRecursiveDoubling) {
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_reduce, TextbookAlgorithm::rabenseifner, 8),
                   2 * 3 * 5e-6 + 2.0 * 7 / 8 * kBytes / 100e9);
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_reduce, TextbookAlgorithm::recursive_doubling, 8),
                   3 * (5e-6 + kBytes / 100e9));
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_gather, TextbookAlgorithm::recursive_doubling, 8),
                   3 * 5e-6 + 7.0 / 8 * kBytes / 100e9);
}

TEST(AlphaBeta, BroadcastVariants) {
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::broadcast, TextbookAlgorithm::binomial_tree, 8),
                   3 * (5e-6 + kBytes / 100e9));
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::broadcast, TextbookAlgorithm::scatter_allgather, 8),
                   (3 + 7) * 5e-6 + 2.0 * 7 / 8 * kBytes / 100e9);
}

TEST(AlphaBeta, PairwiseAllToAllAndSendRecv) {
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_to_all, TextbookAlgorithm::direct, 8),
                   7 * 5e-6 + 7.0 / 8 * kBytes / 100e9);
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::send_recv, TextbookAlgorithm::direct, 2),
                   5e-6 + kBytes / 100e9);
}

TEST(AlphaBeta, UndefinedCombinationsHaveNoShape) {
  EXPECT_FALSE(textbook_shape(CollectiveKind::all_gather, TextbookAlgorithm::binomial_tree, 8));
  EXPECT_FALSE(textbook_shape(CollectiveKind::send_recv, TextbookAlgorithm::ring, 2));
}

TEST(AlphaBeta, OneRankCostsNothing) {
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_reduce, TextbookAlgorithm::ring, 1), 0.0);
  EXPECT_DOUBLE_EQ(time_s(CollectiveKind::all_reduce, TextbookAlgorithm::double_binary_tree, 1),
                   0.0);
}

// §3.3: RS inside the node, N-rank all-reduce of n/G between nodes, AG inside the node.
TEST(AlphaBeta, HierarchicalAllReduce) {
  const AlphaBetaLink intra{2e-6, 300e9}, inter{10e-6, 50e9};
  const int nodes = 4, g = 8;
  const double expected = 2 * 7 * 2e-6 + 2.0 * 7 / 8 * kBytes / 300e9 + 2 * 3 * 10e-6 +
                          2.0 * 3 / 4 * (kBytes / 8) / 50e9;
  EXPECT_DOUBLE_EQ(estimate_hierarchical_all_reduce_s(nodes, g, kBytes, intra, inter), expected);
  // It beats a flat ring over the slow link.
  const auto flat = textbook_shape(CollectiveKind::all_reduce, TextbookAlgorithm::ring, nodes * g);
  EXPECT_LT(expected, estimate_alpha_beta_s(*flat, kBytes, inter));
}

// §3.4: (p−1)α + max((N−1)/N·n/B_nic, (G−1)/G·n/B_nvl).
TEST(AlphaBeta, TwoLevelAllToAllTakesTheSlowerTier) {
  const double t = estimate_two_level_all_to_all_s(4, 8, kBytes, 1e-6, 50e9, 300e9);
  EXPECT_DOUBLE_EQ(t, 31 * 1e-6 + 3.0 / 4 * kBytes / 50e9);
  const double single = estimate_two_level_all_to_all_s(1, 8, kBytes, 1e-6, 50e9, 300e9);
  EXPECT_DOUBLE_EQ(single, 7 * 1e-6 + 7.0 / 8 * kBytes / 300e9);
}

}  // namespace
}  // namespace trainsim
