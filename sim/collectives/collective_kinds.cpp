#include "sim/collectives/collective_kinds.hpp"

namespace trainsim {

static_assert(
    [] {
      for (std::size_t i = 0; i < kCollectiveTraits.size(); ++i)
        if (static_cast<std::size_t>(kCollectiveTraits[i].kind) != i) return false;
      return true;
    }(),
    "kCollectiveTraits rows must follow the CollectiveKind order");

std::string_view name_of(CollectiveKind kind) {
  return traits_of(kind).name;
}

double busbw_factor(CollectiveKind kind, int ranks) {
  const double p = ranks;
  switch (traits_of(kind).busbw) {
    case BusBwFactor::two_p_minus_1_over_p:
      return 2.0 * (p - 1) / p;
    case BusBwFactor::p_minus_1_over_p:
      return (p - 1) / p;
    case BusBwFactor::one:
      return 1.0;
  }
  return 1.0;
}

std::optional<CollectiveKind> parse_collective_kind(std::string_view name) {
  for (const auto& t : kCollectiveTraits)
    if (t.name == name || (!t.nccl_name.empty() && t.nccl_name == name)) return t.kind;
  return std::nullopt;
}

}  // namespace trainsim
