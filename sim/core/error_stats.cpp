#include "sim/core/error_stats.hpp"

#include <cmath>
#include <utility>

namespace trainsim {

double relative_error(double predicted, double measured) {
  return (predicted - measured) / measured;
}

void ErrorStats::add(double error, std::string item) {
  const double abs = std::fabs(error);
  ++count_;
  sum_ += error;
  sum_abs_ += abs;
  if (count_ == 1 || abs > worst_abs_) {
    worst_abs_ = abs;
    worst_item_ = std::move(item);
  }
}

double ErrorStats::mape() const {
  return count_ == 0 ? 0.0 : sum_abs_ / static_cast<double>(count_);
}

double ErrorStats::mean() const {
  return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

}  // namespace trainsim
