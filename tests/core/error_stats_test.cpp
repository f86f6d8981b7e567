// One way to state how far predictions are from measurements.
#include "sim/core/error_stats.hpp"

#include <gtest/gtest.h>

namespace trainsim {
namespace {

TEST(ErrorStats, RelativeErrorIsSignedAgainstTheMeasurement) {
  EXPECT_DOUBLE_EQ(relative_error(1.5, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(relative_error(0.5, 1.0), -0.5);
  EXPECT_EQ(relative_error(2.0, 2.0), 0.0);
}

TEST(ErrorStats, AnEmptyAccumulatorReportsNothing) {
  const ErrorStats s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.mape(), 0.0);
  EXPECT_EQ(s.mean(), 0.0);
  EXPECT_EQ(s.worst_abs(), 0.0);
  EXPECT_EQ(s.worst_item(), "");
}

TEST(ErrorStats, CountsMapeMeanAndTheWorstItem) {
  ErrorStats s;
  s.add(0.10, "a");
  s.add(-0.30, "b");
  s.add(0.05, "c");
  s.add(0.30, "d");  // ties the worst: the first one stays
  EXPECT_EQ(s.count(), 4u);
  EXPECT_DOUBLE_EQ(s.mape(), (0.10 + 0.30 + 0.05 + 0.30) / 4);
  EXPECT_DOUBLE_EQ(s.mean(), (0.10 - 0.30 + 0.05 + 0.30) / 4);
  EXPECT_DOUBLE_EQ(s.worst_abs(), 0.30);
  EXPECT_EQ(s.worst_item(), "b");
}

TEST(ErrorStats, TheFirstErrorIsTheWorstUntilALargerOne) {
  ErrorStats s;
  s.add(0.0, "exact");
  EXPECT_EQ(s.worst_item(), "exact");
  s.add(-0.01);
  EXPECT_EQ(s.worst_item(), "");
  EXPECT_DOUBLE_EQ(s.worst_abs(), 0.01);
}

}  // namespace
}  // namespace trainsim
