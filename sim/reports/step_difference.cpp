#include "sim/reports/step_difference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace trainsim {

std::vector<PartDifference> part_differences(const Breakdown& from, const Breakdown& to) {
  const std::vector<NamedPart> before = named_parts(from), after = named_parts(to);
  std::vector<PartDifference> out;
  for (std::size_t i = 0; i < before.size(); ++i)
    out.push_back({std::string(before[i].name), after[i].seconds - before[i].seconds});
  return out;
}

std::vector<PartDifference> largest_differences(const Breakdown& from, const Breakdown& to) {
  constexpr double kNoise_s = 1e-4;
  std::vector<PartDifference> out;
  for (const PartDifference& d : part_differences(from, to))
    if (std::abs(d.delta_s) >= kNoise_s) out.push_back(d);
  std::stable_sort(out.begin(), out.end(), [](const PartDifference& a, const PartDifference& b) {
    return std::abs(a.delta_s) > std::abs(b.delta_s);
  });
  return out;
}

std::string signed_seconds(double s) {
  const char sign = s < 0 ? '-' : '+';
  if (std::abs(s) >= 1.0) return fmt::format("{}{:.3f} s", sign, std::abs(s));
  return fmt::format("{}{:.1f} ms", sign, std::abs(s) * 1e3);
}

std::string describe(const std::vector<PartDifference>& differences) {
  if (differences.empty()) return "no part changed";
  std::string out;
  for (const PartDifference& d : differences)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", d.name, signed_seconds(d.delta_s));
  return out;
}

}  // namespace trainsim
