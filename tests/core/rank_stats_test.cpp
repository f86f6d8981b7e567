// Kendall's tau-b: (concordant - discordant) / sqrt((n0 - ties_a) (n0 - ties_b)).
#include "sim/core/rank_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace trainsim {
namespace {

TEST(KendallTau, SameOrderIsOneAndReversedIsMinusOne) {
  const std::vector<double> measured = {3, 1, 2, 5};
  EXPECT_DOUBLE_EQ(*kendall_tau_b(measured, std::vector<double>{30, 10, 20, 50}), 1.0);
  EXPECT_DOUBLE_EQ(*kendall_tau_b(measured, std::vector<double>{-3, -1, -2, -5}), -1.0);
}

TEST(KendallTau, OneSwappedPairOfFour) {
  // 5 concordant, 1 discordant of 6 pairs: (5 - 1) / 6.
  EXPECT_DOUBLE_EQ(*kendall_tau_b(std::vector<double>{1, 2, 3, 4}, std::vector<double>{1, 3, 2, 4}),
                   4.0 / 6.0);
}

TEST(KendallTau, TiesCountAsTauB) {
  // 5 concordant pairs, 1 tied in the first list only: 5 / sqrt(5 x 6).
  EXPECT_NEAR(*kendall_tau_b(std::vector<double>{1, 2, 2, 3}, std::vector<double>{1, 2, 3, 4}),
              5.0 / std::sqrt(30.0), 1e-15);
}

TEST(KendallTau, UndefinedBelowTwoItemsOrWhenOneListIsAllTies) {
  EXPECT_FALSE(kendall_tau_b(std::vector<double>{1}, std::vector<double>{2}).has_value());
  EXPECT_FALSE(
      kendall_tau_b(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3}).has_value());
}

}  // namespace
}  // namespace trainsim
