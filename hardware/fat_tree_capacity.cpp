#include "hardware/fat_tree_capacity.hpp"

#include <cmath>

namespace trainsim {

std::optional<std::int64_t> fat_tree_max_nics(const NetworkSpec& network, int tiers) {
  if (network.switch_ports <= 0) return std::nullopt;
  const std::int64_t k = network.switch_ports;
  if (tiers <= 1) return k;
  const double o = network.oversubscription;
  const auto leaf_down_ports =
      static_cast<std::int64_t>(std::floor(static_cast<double>(k) * o / (1 + o)));
  std::int64_t nics = k * leaf_down_ports;
  for (int tier = 3; tier <= tiers; ++tier) nics *= k / 2;
  return nics;
}

std::optional<int> fat_tree_tiers_needed(const NetworkSpec& network, std::int64_t nics) {
  if (network.switch_ports <= 0) return network.tiers;
  for (int tiers = network.tiers; tiers <= kMaxFatTreeTiers; ++tiers)
    if (nics <= *fat_tree_max_nics(network, tiers)) return tiers;
  return std::nullopt;
}

}  // namespace trainsim
