#pragma once
// Prediction error statistics, one way everywhere: the relative error of a prediction and an
// accumulator giving the count, mean absolute error (MAPE as a fraction), mean signed error and
// the worst |error| with the item it came from. Callers scale by 100 and round as they print.
#include <cstddef>
#include <string>

namespace trainsim {

// (predicted - measured) / measured: > 0 when the prediction is larger (slower) than measured.
double relative_error(double predicted, double measured);

class ErrorStats {
 public:
  // Adds one relative error; `item` names it (reported by worst_item() when it is the worst).
  void add(double error, std::string item = {});

  std::size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Mean |error| (MAPE as a fraction); 0 when empty.
  double mape() const;
  // Mean signed error; 0 when empty.
  double mean() const;
  // Largest |error|, and the item it came from (the first of equals); 0 and "" when empty.
  double worst_abs() const { return worst_abs_; }
  const std::string& worst_item() const { return worst_item_; }

 private:
  std::size_t count_ = 0;
  double sum_abs_ = 0, sum_ = 0, worst_abs_ = 0;
  std::string worst_item_;
};

}  // namespace trainsim
