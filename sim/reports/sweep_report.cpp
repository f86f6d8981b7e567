#include "sim/reports/sweep_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/core/units.hpp"
#include "sim/reports/search_report.hpp"

namespace trainsim {
namespace {

// A varied value as a cell: strings without their JSON quotes.
std::string cell(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

int dp_of(const SweepPoint& p) {
  const StrategyChoice& c = *p.strategy;
  return p.prediction->gpus / (c.tp * c.pp * c.cp);
}

}  // namespace

OrderedJson sweep_to_json(const SweepOptions& options, const std::vector<SweepPoint>& points) {
  OrderedJson j;
  OrderedJson vary = OrderedJson::array();
  for (const Variation& v : options.vary) vary.push_back(v.path);
  j["vary"] = vary;
  j["search"] = options.search;
  OrderedJson rows = OrderedJson::array();
  for (const SweepPoint& p : points) {
    OrderedJson row;
    OrderedJson values;
    for (std::size_t i = 0; i < options.vary.size(); ++i)
      values[options.vary[i].path] = p.values[i];
    row["values"] = values;
    row["status"] = name_of(p.status);
    if (p.prediction) {
      OrderedJson prediction = prediction_to_json(*p.prediction);
      if (p.strategy) {
        const OrderedJson strategy = strategy_to_json(*p.strategy, dp_of(p));
        prediction["parallel"] = strategy["parallel"];
        prediction["training"] = strategy["training"];
      }
      row["prediction"] = prediction;
    } else {
      row["message"] = p.message;
    }
    rows.push_back(row);
  }
  j["points"] = rows;
  return j;
}

std::string sweep_to_table(const SweepOptions& options, const std::vector<SweepPoint>& points) {
  std::vector<std::size_t> widths;
  for (std::size_t i = 0; i < options.vary.size(); ++i) {
    std::size_t w = options.vary[i].path.size();
    for (const SweepPoint& p : points) w = std::max(w, cell(p.values[i]).size());
    widths.push_back(w);
  }
  std::string out = fmt::format("trainsim sweep: {} points{}\n", points.size(),
                                options.search ? ", the best strategy at each" : "");
  for (std::size_t i = 0; i < options.vary.size(); ++i)
    out += fmt::format("{:<{}}  ", options.vary[i].path, widths[i]);
  out += fmt::format("{:>10} {:>11} {:>6} {:>8}", "step (s)", "tokens/s", "MFU", "peak GiB");
  // With training.tokens: the whole run.
  const bool runs = std::any_of(points.begin(), points.end(), [](const SweepPoint& p) {
    return p.prediction && p.prediction->run;
  });
  if (runs) out += fmt::format(" {:>7} {:>11} {:>9}", "days", "cost", "MWh");
  if (options.search) out += "  strategy";
  out += "\n";
  for (const SweepPoint& p : points) {
    for (std::size_t i = 0; i < options.vary.size(); ++i)
      out += fmt::format("{:<{}}  ", cell(p.values[i]), widths[i]);
    if (!p.prediction) {
      out += fmt::format("{}: {}\n", name_of(p.status), p.message);
      continue;
    }
    const StepPrediction& r = *p.prediction;
    out += fmt::format("{:>10.3f} {:>11.0f} {:>5.1f}% {:>8.1f}", r.step_time_s, r.tokens_per_s,
                       100 * r.mfu, to_gib(r.memory.peak_bytes));
    if (runs) {
      const auto& run = r.run;
      out += fmt::format(" {:>7} {:>11} {:>9}",
                         run ? fmt::format("{:.1f}", run->time_to_train_s / 86400) : "-",
                         run && run->cost_usd ? fmt::format("${:.3g}M", *run->cost_usd / 1e6) : "-",
                         run && run->energy_mwh ? fmt::format("{:.0f}", *run->energy_mwh) : "-");
    }
    if (p.strategy) {
      const StrategyChoice& c = *p.strategy;
      out += fmt::format("  tp {} pp {} dp {}{} mb {} {}{} recompute {} zero {}", c.tp, c.pp,
                         dp_of(p), c.cp > 1 ? fmt::format(" cp {}", c.cp) : "", c.micro_batch,
                         name_of(c.schedule), c.vpp > 1 ? fmt::format(" vpp {}", c.vpp) : "",
                         name_of(c.recompute), c.zero);
    }
    if (!r.memory.fits) out += "  (does not fit)";
    out += "\n";
  }
  return out;
}

std::string sweep_to_csv(const SweepOptions& options, const std::vector<SweepPoint>& points) {
  std::string out;
  for (const Variation& v : options.vary) {
    out += csv_field(v.path);
    out += ',';
  }
  out +=
      "status,step_time_s,tokens_per_s,mfu,peak_bytes,fits,time_to_train_s,gpu_hours,cost_usd,"
      "energy_mwh";
  if (options.search)
    out += ",tp,pp,dp,cp,ep,vpp,schedule,micro_batch,recompute,sequence_parallel,zero";
  out += ",message\n";
  for (const SweepPoint& p : points) {
    for (const Json& v : p.values) {
      out += csv_field(cell(v));
      out += ',';
    }
    out += name_of(p.status);
    if (p.prediction) {
      const StepPrediction& r = *p.prediction;
      out += fmt::format(",{},{},{},{},{}", r.step_time_s, r.tokens_per_s, r.mfu,
                         r.memory.peak_bytes, r.memory.fits);
      const auto optional = [](const std::optional<double>& v) {
        return v ? fmt::format("{}", *v) : std::string();
      };
      out += r.run ? fmt::format(",{},{},{},{}", r.run->time_to_train_s, r.run->gpu_hours,
                                 optional(r.run->cost_usd), optional(r.run->energy_mwh))
                   : std::string(",,,,");
    } else {
      out += ",,,,,,,,,";
    }
    if (options.search) {
      if (p.strategy) {
        const StrategyChoice& c = *p.strategy;
        out += fmt::format(",{},{},{},{},{},{},{},{},{},{},{}", c.tp, c.pp, dp_of(p), c.cp, c.ep,
                           c.vpp, name_of(c.schedule), c.micro_batch, name_of(c.recompute),
                           c.sequence_parallel, c.zero);
      } else {
        out += ",,,,,,,,,,,";
      }
    }
    out += ',';
    out += csv_field(p.message);
    out += '\n';
  }
  return out;
}

}  // namespace trainsim
