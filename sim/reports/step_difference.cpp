#include "sim/reports/step_difference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace trainsim {

std::vector<PartDifference> part_differences(const Breakdown& from, const Breakdown& to) {
  std::vector<PartDifference> out = {{"compute", to.compute_s - from.compute_s},
                                     {"bubble", to.bubble_s - from.bubble_s}};
  for (TimeCategory c : {TimeCategory::tp_comm, TimeCategory::pp_comm, TimeCategory::dp_comm,
                         TimeCategory::cp_comm, TimeCategory::ep_comm})
    out.push_back({fmt::format("exposed {}", name_of(c)), to.exposed(c) - from.exposed(c)});
  out.push_back({"optimizer", to.optimizer_s - from.optimizer_s});
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
