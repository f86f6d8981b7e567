#include "sim/reports/ranking_report.hpp"

#include <fmt/format.h>

#include "sim/core/units.hpp"
#include "sim/reports/error_groups.hpp"

namespace trainsim {
namespace {

OrderedJson optional_number(const std::optional<double>& x) {
  return x ? OrderedJson(*x) : OrderedJson(nullptr);
}

std::string percent(const std::optional<double>& x) {
  return x ? fmt::format("{:.1f}%", 100 * *x) : std::string("-");
}

std::string signed_percent(const std::optional<double>& x) {
  return x ? fmt::format("{:+.1f}%", 100 * *x) : std::string("-");
}

std::string tau_text(const std::optional<double>& x) {
  return x ? fmt::format("{:+.2f}", *x) : std::string("-");
}

}  // namespace

OrderedJson ranking_to_json(const RankingReport& report) {
  OrderedJson sets = OrderedJson::array();
  for (const RankedSet& s : report.sets) {
    OrderedJson records = OrderedJson::array();
    for (const RankedRecord& r : s.records) {
      OrderedJson row;
      row["id"] = r.id;
      row["measured"] = r.measured_oom ? "OOM" : "ran";
      row["measured_s"] = r.measured_oom ? OrderedJson(nullptr) : OrderedJson(r.measured_s);
      row["predicted_s"] = r.predicted_s;
      row["predicted_fits"] = r.predicted_fits;
      row["error"] = r.measured_oom ? OrderedJson(nullptr) : OrderedJson(r.error);
      row["predicted_peak_GiB"] = to_gib(r.predicted_peak_bytes);
      row["measured_memory_GiB"] =
          r.measured_memory_bytes ? OrderedJson(to_gib(*r.measured_memory_bytes)) : OrderedJson();
      row["memory_error"] = r.memory_error ? OrderedJson(*r.memory_error) : OrderedJson();
      row["assumptions"] = r.assumptions;
      records.push_back(std::move(row));
    }
    OrderedJson skipped = OrderedJson::array();
    for (const auto& [id, reason] : s.skipped) skipped.push_back({{"id", id}, {"reason", reason}});
    OrderedJson set;
    set["set_id"] = s.id;
    set["kendall_tau"] = optional_number(s.kendall_tau);
    set["regret"] = optional_number(s.regret);
    set["predicted_best"] = s.predicted_best;
    set["measured_best"] = s.measured_best;
    set["memory_agreement"] = {{"agree", s.memory_agreements}, {"records", s.memory_records}};
    set["memory_error"] = optional_number(s.memory_error);
    set["records"] = std::move(records);
    set["skipped"] = std::move(skipped);
    sets.push_back(std::move(set));
  }
  OrderedJson skipped_sets = OrderedJson::array();
  for (const auto& [id, reason] : report.skipped_sets)
    skipped_sets.push_back({{"set_id", id}, {"reason", reason}});
  OrderedJson out;
  out["sets"] = std::move(sets);
  out["mean_kendall_tau"] = optional_number(report.mean_kendall_tau);
  out["mean_regret"] = optional_number(report.mean_regret);
  out["mean_memory_error"] = optional_number(report.mean_memory_error);
  out["memory_agreement"] = {{"agree", report.memory_agreements},
                             {"records", report.memory_records}};
  out["frameworks"] = error_groups_to_json(report.frameworks);
  out["skipped_sets"] = std::move(skipped_sets);
  return out;
}

std::string ranking_to_table(const RankingReport& report) {
  std::string out = fmt::format("{:<34} {:>4} {:>6} {:>8} {:>7} {:>7}  {}\n", "set", "runs", "tau",
                                "regret", "memory", "mem err", "predicted best / measured best");
  for (const RankedSet& s : report.sets) {
    int ran = 0;
    for (const RankedRecord& r : s.records) ran += r.measured_oom ? 0 : 1;
    out += fmt::format("{:<34} {:>4} {:>6} {:>8} {:>3}/{:<3} {:>7}  {} / {}\n", s.id, ran,
                       tau_text(s.kendall_tau), percent(s.regret), s.memory_agreements,
                       s.memory_records, signed_percent(s.memory_error),
                       s.predicted_best.empty() ? "-" : s.predicted_best,
                       s.measured_best.empty() ? "-" : s.measured_best);
  }
  out += fmt::format(
      "mean Kendall tau {} over {} sets with two or more runs; mean regret {}\n",
      tau_text(report.mean_kendall_tau),
      [&] {
        int n = 0;
        for (const RankedSet& s : report.sets) n += s.kendall_tau ? 1 : 0;
        return n;
      }(),
      percent(report.mean_regret));
  out += fmt::format(
      "memory: {}/{} runs predicted to fit or not as they did; predicted peak vs reported "
      "memory {}\n",
      report.memory_agreements, report.memory_records, signed_percent(report.mean_memory_error));
  for (const auto& [name, errors] : report.frameworks)
    out += fmt::format("step time on {}: {} runs, MAPE {:.1f}%, worst {:.1f}%\n", name,
                       errors.count(), 100.0 * errors.mape(), 100.0 * errors.worst_abs());
  for (const auto& [id, reason] : report.skipped_sets)
    out += fmt::format("skipped set {}: {}\n", id, reason);
  return out;
}

}  // namespace trainsim
