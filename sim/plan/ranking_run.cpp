#include "sim/plan/ranking_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "sim/api/trainsim.hpp"
#include "sim/core/error_stats.hpp"
#include "sim/core/rank_stats.hpp"
#include "sim/validation/ranking_record.hpp"
#include "sim/validation/record_fields.hpp"

namespace trainsim {
namespace {

RankedSet rank_set(const Json& set) {
  RankedSet out;
  out.id = record_fields::text(set, "set_id");
  if (out.id.empty()) out.id = "(no set_id)";
  const Json* records = set.contains("records") ? &set["records"] : nullptr;
  if (!records || !records->is_array()) return out;
  for (const Json& record : *records) {
    std::string id = record_fields::text(record, "id");
    if (id.empty()) id = "(no id)";
    if (!record.is_object()) {
      out.skipped.emplace_back(id, "not a JSON object");
      continue;
    }
    std::variant<RankingRecord, SkippedRecord> read = ranking_record(set, record);
    if (auto* skip = std::get_if<SkippedRecord>(&read)) {
      out.skipped.emplace_back(id, skip->reason);
      continue;
    }
    RankingRecord& r = std::get<RankingRecord>(read);
    std::variant<RecordConversion, SkippedRecord> converted = convert_record(r.published);
    if (auto* skip = std::get_if<SkippedRecord>(&converted)) {
      out.skipped.emplace_back(id, skip->reason);
      continue;
    }
    const RecordConversion& c = std::get<RecordConversion>(converted);
    try {
      const Scenario scenario = parse_scenario(c.scenario, data_root());
      const StepPrediction p = predict(scenario);
      RankedRecord row;
      row.id = id;
      row.framework = std::string(name_of(scenario.training.framework));
      row.measured_oom = r.outcome == RankingOutcome::out_of_memory;
      row.predicted_s = p.step_time_s;
      row.predicted_fits = p.memory.fits;
      row.predicted_peak_bytes = p.memory.peak_bytes;
      row.measured_memory_bytes = r.measured_memory_bytes;
      if (r.measured_memory_bytes)
        row.memory_error = relative_error(row.predicted_peak_bytes, *r.measured_memory_bytes);
      if (!row.measured_oom) {
        row.measured_s = c.measured_s;
        row.error = relative_error(row.predicted_s, row.measured_s);
      }
      row.assumptions = r.assumptions;
      row.assumptions.insert(row.assumptions.end(), c.assumptions.begin(), c.assumptions.end());
      out.records.push_back(std::move(row));
    } catch (const InputError& e) {
      out.skipped.emplace_back(id, fmt::format("cannot be modelled: {}", e.what()));
    } catch (const InfeasibleError& e) {
      out.skipped.emplace_back(id, fmt::format("infeasible: {}", e.what()));
    }
  }

  std::vector<double> measured, predicted;
  const RankedRecord* best_measured = nullptr;
  const RankedRecord* best_predicted = nullptr;
  for (const RankedRecord& r : out.records) {
    ++out.memory_records;
    if (r.predicted_fits != r.measured_oom) ++out.memory_agreements;
    if (r.measured_oom) continue;
    measured.push_back(r.measured_s);
    predicted.push_back(r.predicted_s);
    if (!best_measured || r.measured_s < best_measured->measured_s) best_measured = &r;
    if (r.predicted_fits && (!best_predicted || r.predicted_s < best_predicted->predicted_s))
      best_predicted = &r;
  }
  double memory_error_sum = 0;
  int memory_errors = 0;
  for (const RankedRecord& r : out.records) {
    if (!r.memory_error) continue;
    memory_error_sum += *r.memory_error;
    ++memory_errors;
  }
  if (memory_errors > 0) out.memory_error = memory_error_sum / memory_errors;
  out.kendall_tau = kendall_tau_b(measured, predicted);
  if (measured.size() >= 2 && best_measured && best_predicted) {
    out.regret = best_predicted->measured_s / best_measured->measured_s - 1;
    out.predicted_best = best_predicted->id;
    out.measured_best = best_measured->id;
  }
  return out;
}

}  // namespace

bool is_ranking_file(const std::filesystem::path& file) {
  const Json json = load_json_file(file);
  return json.is_object() && json.contains("sets");
}

RankingReport rank_sets(const std::filesystem::path& file) {
  const Json json = load_json_file(file);
  if (!json.is_object() || !json.contains("sets") || !json["sets"].is_array())
    throw InputError(file.string(), "expected an object with a \"sets\" list of comparison sets");
  RankingReport report;
  double tau_sum = 0, regret_sum = 0, memory_error_sum = 0;
  int taus = 0, regrets = 0, memory_errors = 0;
  for (const Json& set : json["sets"]) {
    if (!set.is_object()) {
      report.skipped_sets.emplace_back("(not an object)", "a comparison set is a JSON object");
      continue;
    }
    RankedSet ranked = rank_set(set);
    if (ranked.records.empty()) {
      report.skipped_sets.emplace_back(ranked.id, ranked.skipped.empty()
                                                      ? std::string("no records")
                                                      : ranked.skipped.front().second);
      continue;
    }
    if (ranked.kendall_tau) {
      tau_sum += *ranked.kendall_tau;
      ++taus;
    }
    if (ranked.regret) {
      regret_sum += *ranked.regret;
      ++regrets;
    }
    for (const RankedRecord& r : ranked.records)
      if (!r.measured_oom) report.frameworks[r.framework].add(r.error);
    for (const RankedRecord& r : ranked.records) {
      if (!r.memory_error) continue;
      memory_error_sum += *r.memory_error;
      ++memory_errors;
    }
    report.memory_agreements += ranked.memory_agreements;
    report.memory_records += ranked.memory_records;
    report.sets.push_back(std::move(ranked));
  }
  if (taus > 0) report.mean_kendall_tau = tau_sum / taus;
  if (memory_errors > 0) report.mean_memory_error = memory_error_sum / memory_errors;
  if (regrets > 0) report.mean_regret = regret_sum / regrets;
  return report;
}

}  // namespace trainsim
