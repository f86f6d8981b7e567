#include "sim/reports/search_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/units.hpp"

namespace trainsim {
namespace {

// The parts of a step by name, compute first.
std::vector<Loss> parts_of(const Breakdown& b) {
  std::vector<Loss> parts;
  for (const NamedPart& part : named_parts(b))
    parts.push_back({std::string(part.name), part.seconds});
  return parts;
}

int dp_of(const RankedStrategy& r) {
  const StrategyChoice& c = r.choice;
  return r.prediction.gpus / (c.tp * c.pp * c.cp);
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

// The settings in which two strategies differ: "schedule interleaved vs 1f1b, vpp 2 vs 1".
std::string setting_differences(const StrategyChoice& a, const StrategyChoice& b) {
  std::vector<std::string> diffs;
  auto add = [&](std::string_view name, const std::string& x, const std::string& y) {
    if (x != y) diffs.push_back(fmt::format("{} {} vs {}", name, x, y));
  };
  add("tp", fmt::format("{}", a.tp), fmt::format("{}", b.tp));
  add("pp", fmt::format("{}", a.pp), fmt::format("{}", b.pp));
  add("cp", fmt::format("{}", a.cp), fmt::format("{}", b.cp));
  add("ep", fmt::format("{}", a.ep), fmt::format("{}", b.ep));
  add("etp", fmt::format("{}", a.etp), fmt::format("{}", b.etp));
  add("schedule", std::string(name_of(a.schedule)), std::string(name_of(b.schedule)));
  add("vpp", fmt::format("{}", a.vpp), fmt::format("{}", b.vpp));
  add("micro_batch", fmt::format("{}", a.micro_batch), fmt::format("{}", b.micro_batch));
  add("recompute", std::string(name_of(a.recompute)), std::string(name_of(b.recompute)));
  add("sequence_parallel", yes_no(a.sequence_parallel), yes_no(b.sequence_parallel));
  add("zero", fmt::format("{}", a.zero), fmt::format("{}", b.zero));
  add("zero_shard_size", fmt::format("{}", a.zero_shard_size),
      fmt::format("{}", b.zero_shard_size));
  add("tp_comm_overlap", yes_no(a.tp_comm_overlap), yes_no(b.tp_comm_overlap));
  std::string out;
  for (const std::string& d : diffs) out += (out.empty() ? "" : ", ") + d;
  return out;
}

// The money objectives' column (none for time: the step is already shown).
std::string objective_header(Objective objective) {
  return objective == Objective::time ? std::string() : fmt::format("{:>14}  ", name_of(objective));
}

std::string objective_cell(Objective objective, const RankedStrategy& r) {
  if (objective == Objective::time) return {};
  const auto v = objective_value(objective, r.scenario, r.prediction);
  if (!v) return fmt::format("{:>14}  ", "-");
  const std::string_view unit = v->unit;
  const std::string text = unit == "tokens/USD" ? fmt::format("{:.0f}", v->value)
                           : unit == "USD/step" ? fmt::format("${:.2f}/step", v->value)
                                                : fmt::format("${:.0f}", v->value);
  return fmt::format("{:>14}  ", text);
}

std::string gap_seconds(double s) {
  if (std::abs(s) >= 1.0) return fmt::format("{:.3f} s", s);
  return fmt::format("{:.1f} ms", s * 1e3);
}

}  // namespace

Loss largest_loss(const Breakdown& b) {
  Loss worst{"none", 0};
  for (const Loss& part : parts_of(b))
    if (part.name != "compute" && part.seconds > worst.seconds) worst = part;
  return worst;
}

SearchReportContext context_of(const SearchAnswer& answer) {
  SearchReportContext context;
  context.scenario = answer.scenario;
  context.objective = answer.objective;
  context.memory_headroom = answer.memory_headroom;
  context.own = answer.own;
  return context;
}

std::string why_winner_wins(const SearchResult& result) {
  if (result.best.size() < 2) return {};
  const RankedStrategy &first = result.best[0], &second = result.best[1];
  const double gap = second.prediction.step_time_s - first.prediction.step_time_s;
  const std::vector<Loss> a = parts_of(first.prediction.breakdown),
                          b = parts_of(second.prediction.breakdown);
  // The parts that differ, largest difference first; the ones below 0.1 ms are noise.
  std::vector<Loss> diffs;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(b[i].seconds - a[i].seconds) >= 1e-4)
      diffs.push_back({a[i].name, a[i].seconds - b[i].seconds});
  std::stable_sort(diffs.begin(), diffs.end(), [](const Loss& x, const Loss& y) {
    return std::abs(x.seconds) > std::abs(y.seconds);
  });
  std::string parts;
  for (const Loss& d : diffs)
    parts += fmt::format("{}{} {} {}", parts.empty() ? "" : ", ", d.name,
                         gap_seconds(std::abs(d.seconds)), d.seconds < 0 ? "less" : "more");
  const double step = second.prediction.step_time_s;
  std::string out = gap == 0 ? std::string("#1 and #2 tie")
                             : fmt::format("#1 is {} ({:.1f}%) faster than #2", gap_seconds(gap),
                                           step > 0 ? 100 * gap / step : 0.0);
  if (!parts.empty()) out += ": " + parts;
  out += fmt::format(" (settings: {})", setting_differences(first.choice, second.choice));
  return out;
}

OrderedJson strategy_to_json(const StrategyChoice& c, int dp) {
  OrderedJson parallel;
  parallel["tp"] = c.tp;
  parallel["pp"] = c.pp;
  parallel["dp"] = dp;
  parallel["cp"] = c.cp;
  parallel["ep"] = c.ep;
  parallel["etp"] = c.etp > 0 ? c.etp : c.tp;
  parallel["vpp"] = c.vpp;
  parallel["schedule"] = name_of(c.schedule);
  parallel["sequence_parallel"] = c.sequence_parallel;
  parallel["zero"] = c.zero;
  parallel["zero_shard_size"] = c.zero_shard_size;
  parallel["tp_comm_overlap"] = c.tp_comm_overlap;
  OrderedJson training;
  training["micro_batch"] = c.micro_batch;
  training["recompute"] = name_of(c.recompute);
  OrderedJson j;
  j["parallel"] = parallel;
  j["training"] = training;
  return j;
}

OrderedJson search_to_json(const SearchResult& result, const SearchReportContext& context) {
  OrderedJson j;
  j["scenario"] = context.scenario;
  j["objective"] = name_of(context.objective);
  j["memory_headroom"] = context.memory_headroom;
  OrderedJson results = OrderedJson::array();
  for (const RankedStrategy& r : result.best) {
    OrderedJson one = prediction_to_json(r.prediction);
    const OrderedJson strategy = strategy_to_json(r.choice, dp_of(r));
    one["parallel"] = strategy["parallel"];
    one["training"] = strategy["training"];
    const Loss loss = largest_loss(r.prediction.breakdown);
    one["largest_loss"] = {{"part", loss.name}, {"seconds", loss.seconds}};
    if (const auto v = objective_value(context.objective, r.scenario, r.prediction))
      one["objective_value"] = {{"value", v->value}, {"unit", v->unit}};
    results.push_back(one);
  }
  j["results"] = results;
  const SearchCounts& n = result.counts;
  j["counts"] = {{"considered", n.considered},         {"redundant", n.redundant},
                 {"rejected_divisibility", n.invalid}, {"rejected_memory", n.over_memory},
                 {"rejected_bound", n.bounded},        {"simulated", n.simulated}};
  j["why"] = why_winner_wins(result);
  if (context.own) {
    OrderedJson own;
    own["step_time_s"] = context.own->step_time_s;
    own["mfu"] = context.own->mfu;
    own["peak_bytes"] = context.own->memory.peak_bytes;
    own["within_headroom"] = context.own->memory.fits_with_headroom(context.memory_headroom);
    own["speedup_of_best"] = result.best.empty() || result.best[0].prediction.step_time_s <= 0
                                 ? 0.0
                                 : context.own->step_time_s / result.best[0].prediction.step_time_s;
    j["scenario_strategy"] = own;
  } else {
    j["scenario_strategy"] = nullptr;
  }
  return j;
}

std::string search_to_table(const SearchResult& result, const SearchReportContext& context) {
  const SearchCounts& n = result.counts;
  std::string out = fmt::format("trainsim search: {} (objective: {})\n", context.scenario,
                                name_of(context.objective));
  out += fmt::format(
      "  {} strategies considered: {} redundant, {} rejected by divisibility, {} by memory "
      "(peak > {:.0f}% of capacity), {} by the step-time bound; {} simulated\n",
      n.considered, n.redundant, n.invalid, n.over_memory, 100 * (1 - context.memory_headroom),
      n.bounded, n.simulated);
  out += fmt::format(
      "{:>3} {:>4} {:>4} {:>3} {:>3} {:>5} {:>4} {:<12} {:>3} {:<9} {:>3} {:>4} "
      "{:>5} {:>3} {:>10} {:>11} {:>6} {:>8}  {}{}\n",
      "#", "tp", "pp", "cp", "ep", "dp", "mb", "schedule", "vpp", "recompute", "sp", "zero",
      "shard", "ovl", "step (s)", "tokens/s", "MFU", "peak GiB",
      objective_header(context.objective), "largest loss");
  for (std::size_t i = 0; i < result.best.size(); ++i) {
    const RankedStrategy& r = result.best[i];
    const StrategyChoice& c = r.choice;
    const StepPrediction& p = r.prediction;
    const Loss loss = largest_loss(p.breakdown);
    out += fmt::format(
        "{:>3} {:>4} {:>4} {:>3} {:>3} {:>5} {:>4} {:<12} {:>3} {:<9} {:>3} {:>4} {:>5} {:>3} "
        "{:>10.3f} {:>11.0f} {:>5.1f}% {:>8.1f}  {}{} {}\n",
        i + 1, c.tp, c.pp, c.cp, c.ep, dp_of(r), c.micro_batch, name_of(c.schedule), c.vpp,
        name_of(c.recompute), c.sequence_parallel ? "y" : "n", c.zero,
        c.zero_shard_size > 0 ? fmt::format("{}", c.zero_shard_size) : "all",
        c.tp_comm_overlap ? "y" : "n", p.step_time_s, p.tokens_per_s, 100 * p.mfu,
        to_gib(p.memory.peak_bytes), objective_cell(context.objective, r), loss.name,
        gap_seconds(loss.seconds));
  }
  const std::string why = why_winner_wins(result);
  if (!why.empty()) out += "why: " + why + "\n";
  if (context.own && !result.best.empty()) {
    const StepPrediction& own = *context.own;
    out += fmt::format(
        "the scenario's own strategy: step {:.3f} s, MFU {:.1f}%, peak {:.1f} GiB{}; #1 is {:.2f}x "
        "faster\n",
        own.step_time_s, 100 * own.mfu, to_gib(own.memory.peak_bytes),
        own.memory.fits_with_headroom(context.memory_headroom)
            ? ""
            : fmt::format(" (above the {:.0f}% memory limit)", 100 * (1 - context.memory_headroom)),
        own.step_time_s / result.best[0].prediction.step_time_s);
  }
  return out;
}

std::string search_to_csv(const SearchResult& result, const SearchReportContext& context) {
  std::string out =
      "rank,tp,pp,dp,cp,ep,etp,vpp,schedule,sequence_parallel,zero,zero_shard_size,"
      "tp_comm_overlap,micro_batch,recompute,step_time_s,tokens_per_s,mfu,peak_bytes,"
      "compute_s,bubble_s,optimizer_s,exposed_tp_s,exposed_pp_s,exposed_dp_s,exposed_cp_s,"
      "exposed_ep_s,largest_loss,objective_value,objective_unit\n";
  for (std::size_t i = 0; i < result.best.size(); ++i) {
    const RankedStrategy& r = result.best[i];
    const StrategyChoice& c = r.choice;
    const StepPrediction& p = r.prediction;
    const Breakdown& b = p.breakdown;
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},",
        i + 1, c.tp, c.pp, dp_of(r), c.cp, c.ep, c.etp > 0 ? c.etp : c.tp, c.vpp,
        name_of(c.schedule), c.sequence_parallel, c.zero, c.zero_shard_size, c.tp_comm_overlap,
        c.micro_batch, name_of(c.recompute), p.step_time_s, p.tokens_per_s, p.mfu,
        p.memory.peak_bytes, b.compute_s, b.bubble_s, b.optimizer_s,
        b.exposed(TimeCategory::tp_comm), b.exposed(TimeCategory::pp_comm),
        b.exposed(TimeCategory::dp_comm), b.exposed(TimeCategory::cp_comm),
        b.exposed(TimeCategory::ep_comm), largest_loss(b).name);
    const auto v = objective_value(context.objective, r.scenario, p);
    out += v ? fmt::format("{},{}\n", v->value, v->unit) : std::string(",\n");
  }
  return out;
}

}  // namespace trainsim
