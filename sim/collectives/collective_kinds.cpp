#include "sim/collectives/collective_kinds.hpp"

#include <algorithm>
#include <cctype>
#include <string>

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

std::optional<CollectiveKind> collective_in_nccl_tests_name(std::string_view name) {
  std::string squeezed;
  for (const char c : name)
    if (c != '_' && c != '-')
      squeezed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Longest name first, so "reducescatter" and "allreduce" are not read as "reduce".
  std::array<const CollectiveTraits*, kCollectiveTraits.size()> by_length;
  for (std::size_t i = 0; i < by_length.size(); ++i) by_length[i] = &kCollectiveTraits[i];
  std::stable_sort(by_length.begin(), by_length.end(), [](const auto* a, const auto* b) {
    return a->nccl_tests_name.size() > b->nccl_tests_name.size();
  });
  for (const CollectiveTraits* t : by_length)
    if (squeezed.find(t->nccl_tests_name) != std::string::npos) return t->kind;
  return std::nullopt;
}

}  // namespace trainsim
