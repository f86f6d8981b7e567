#include "sim/core/rank_stats.hpp"

#include <cmath>
#include <stdexcept>

namespace trainsim {

std::optional<double> kendall_tau_b(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) throw std::invalid_argument("kendall_tau_b: lists of unequal length");
  // O(n²): comparison sets hold tens of strategies.
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;  // tied in both: in neither count
      if (da == 0) {
        ++ties_a;
      } else if (db == 0) {
        ++ties_b;
      } else if ((da > 0) == (db > 0)) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  const double denominator =
      std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  if (!(denominator > 0)) return std::nullopt;
  return (concordant - discordant) / denominator;
}

}  // namespace trainsim
