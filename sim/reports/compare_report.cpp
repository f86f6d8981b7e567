#include "sim/reports/compare_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "sim/core/units.hpp"
#include "sim/reports/step_difference.hpp"

namespace trainsim {
namespace {

struct Row {
  std::string name;
  double a = 0, b = 0;
  int decimals = 3;
};

std::vector<Row> rows_of(const Comparison& c) {
  std::vector<Row> rows = {{"step (s)", c.a.step_time_s, c.b.step_time_s, 3},
                           {"tokens/s", c.a.tokens_per_s, c.b.tokens_per_s, 0},
                           {"MFU (%)", 100 * c.a.mfu, 100 * c.b.mfu, 1}};
  const auto a_parts = part_differences(Breakdown{}, c.a.breakdown);
  const auto b_parts = part_differences(Breakdown{}, c.b.breakdown);
  for (std::size_t i = 0; i < a_parts.size(); ++i)
    rows.push_back({a_parts[i].name + " (s)", a_parts[i].delta_s, b_parts[i].delta_s, 3});
  const MemoryEstimate &ma = c.a.memory, &mb = c.b.memory;
  rows.push_back({"peak memory (GiB)", to_gib(ma.peak_bytes), to_gib(mb.peak_bytes), 1});
  rows.push_back({"  parameters (GiB)", to_gib(ma.params_bytes), to_gib(mb.params_bytes), 1});
  rows.push_back({"  gradients (GiB)", to_gib(ma.grads_bytes), to_gib(mb.grads_bytes), 1});
  rows.push_back({"  optimizer (GiB)", to_gib(ma.optimizer_bytes), to_gib(mb.optimizer_bytes), 1});
  rows.push_back(
      {"  activations (GiB)", to_gib(ma.activations_bytes), to_gib(mb.activations_bytes), 1});
  rows.push_back({"capacity (GiB)", to_gib(ma.capacity_bytes), to_gib(mb.capacity_bytes), 1});
  return rows;
}

}  // namespace

std::string comparison_sentence(const Comparison& c) {
  const double gap = c.b.step_time_s - c.a.step_time_s;
  const double share = c.a.step_time_s > 0 ? std::abs(gap) / c.a.step_time_s : 0.0;
  if (gap == 0) return "B and A take the same time per step";
  return fmt::format("B is {:.3f} s ({:.1f}%) {} than A: {}", std::abs(gap), 100 * share,
                     gap < 0 ? "faster" : "slower",
                     describe(largest_differences(c.a.breakdown, c.b.breakdown)));
}

std::string comparison_to_table(const Comparison& c) {
  std::string out = fmt::format("trainsim compare\n  A: {} ({} GPUs)\n  B: {} ({} GPUs)\n\n",
                                c.a_label, c.a.gpus, c.b_label, c.b.gpus);
  out += fmt::format("{:<22} {:>14} {:>14} {:>14}\n", "", "A", "B", "B - A");
  for (const Row& r : rows_of(c)) {
    out += fmt::format("{:<22} {:>14.{}f} {:>14.{}f} {:>+14.{}f}\n", r.name, r.a, r.decimals, r.b,
                       r.decimals, r.b - r.a, r.decimals);
  }
  out += comparison_sentence(c) + "\n";
  if (c.a.memory.fits != c.b.memory.fits)
    out += fmt::format("{} does not fit in GPU memory within its headroom\n",
                       c.a.memory.fits ? "B" : "A");
  return out;
}

OrderedJson comparison_to_json(const Comparison& c) {
  OrderedJson out;
  out["a"] = {{"label", c.a_label}, {"prediction", prediction_to_json(c.a)}};
  out["b"] = {{"label", c.b_label}, {"prediction", prediction_to_json(c.b)}};
  OrderedJson difference;
  difference["step_time_s"] = c.b.step_time_s - c.a.step_time_s;
  difference["tokens_per_s"] = c.b.tokens_per_s - c.a.tokens_per_s;
  difference["mfu"] = c.b.mfu - c.a.mfu;
  OrderedJson parts;
  for (const PartDifference& d : part_differences(c.a.breakdown, c.b.breakdown))
    parts[d.name] = d.delta_s;
  difference["parts_s"] = parts;
  difference["peak_bytes"] = c.b.memory.peak_bytes - c.a.memory.peak_bytes;
  out["difference"] = difference;
  out["sentence"] = comparison_sentence(c);
  return out;
}

}  // namespace trainsim
