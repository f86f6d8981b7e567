// `trainsim validate RECORDS.json`: turns published measurements (the format of
// tests/data/validation/published-dev.json) into scenarios, predicts each one it can model and
// reports predicted vs measured iteration time, per record and as MAPE per group. Records it
// cannot model are listed with the reason. Every assumption made for a field the source leaves
// unstated is printed with the record. Reading and converting records is sim/validation/; this
// file predicts and prints.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <variant>

#include "sim/api/trainsim.hpp"
#include "sim/cli/commands.hpp"
#include "sim/core/error_stats.hpp"
#include "sim/core/errors.hpp"
#include "sim/reports/reports.hpp"
#include "sim/validation/published_record.hpp"

namespace trainsim::cli {
namespace {

// The scenario a record became, with its assumptions, so that `predict` reproduces the row and a
// user can explore it (--set, --trace).
void write_scenario(const RecordConversion& c, const std::string& dir, const std::string& id) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw InputError("--write-scenarios", fmt::format("cannot create '{}': {}", dir, ec.message()));
  const Json scenario = c.described_scenario();
  std::string file_name = id;
  for (char& ch : file_name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
      ch = '_';
  const std::filesystem::path file = std::filesystem::path(dir) / (file_name + ".json");
  std::ofstream out(file);
  out << scenario.dump(2) << "\n";
  if (!out) throw InputError("--write-scenarios", fmt::format("cannot write '{}'", file.string()));
}

}  // namespace

int run_validate(const ValidateArgs& args) {
  const Json records = load_json_file(args.records_file);
  if (!records.is_array()) throw InputError(args.records_file, "expected a JSON array of records");
  const Supplement supplement = Supplement::beside(args.records_file);

  struct Row {
    std::string id, group;
    double predicted_s = 0, measured_s = 0, error = 0;
    std::vector<std::string> assumptions;
  };
  std::vector<Row> rows;
  std::vector<std::pair<std::string, std::string>> skipped;
  for (std::size_t index = 0; index < records.size(); ++index) {
    PublishedRecord published = convert_published(
        records, index, supplement,
        args.unstated == "default" ? UnstatedSettings::fixed : UnstatedSettings::fastest);
    const std::string& id = published.id;
    if (auto* skip = std::get_if<SkippedRecord>(&published.conversion)) {
      skipped.emplace_back(id, skip->reason);
      continue;
    }
    RecordConversion& c = std::get<RecordConversion>(published.conversion);
    for (const std::string& assignment : args.overrides) apply_override(c.scenario, assignment);
    if (!args.scenarios_dir.empty()) write_scenario(c, args.scenarios_dir, id);
    try {
      // The prediction: the scenario JSON in, the step time and model FLOPs out.
      const Scenario scenario = parse_scenario(c.scenario, data_root());
      const StepPrediction p = predict(scenario);
      const double measured_s = c.measured_time_s(p.model_flops_per_step, scenario.gpus);
      Row row{id,
              group_of(id),
              p.step_time_s,
              measured_s,
              relative_error(p.step_time_s, measured_s),
              c.assumptions};
      for (const Assumption& a : p.assumptions)
        row.assumptions.push_back(fmt::format("chosen {} = {}", a.path, a.value.dump()));
      row.assumptions.push_back("measured from " + c.measured_from);
      rows.push_back(std::move(row));
    } catch (const InputError& e) {
      skipped.emplace_back(id, fmt::format("cannot be modelled: {}", e.what()));
    } catch (const InfeasibleError& e) {
      skipped.emplace_back(id, fmt::format("infeasible: {}", e.what()));
    }
  }

  std::map<std::string, ErrorStats> by_group;
  for (const Row& r : rows) by_group[r.group].add(r.error);

  if (args.format == "json") {
    OrderedJson out;
    OrderedJson list = OrderedJson::array();
    for (const Row& r : rows)
      list.push_back({{"id", r.id},
                      {"group", r.group},
                      {"predicted_s", r.predicted_s},
                      {"measured_s", r.measured_s},
                      {"error", r.error},
                      {"assumptions", r.assumptions}});
    out["records"] = list;
    OrderedJson groups = OrderedJson::object();
    for (const auto& [g, errors] : by_group)
      groups[g] = {{"records", errors.count()},
                   {"mape", errors.mape()},
                   {"max_abs_error", errors.worst_abs()}};
    out["groups"] = groups;
    OrderedJson skips = OrderedJson::array();
    for (const auto& [id, reason] : skipped) skips.push_back({{"id", id}, {"reason", reason}});
    out["skipped"] = skips;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<32} {:>12} {:>12} {:>8}  {}\n", "record", "predicted s",
                           "measured s", "error", "assumptions");
  for (const Row& r : rows)
    std::cout << fmt::format("{:<32} {:>12.3f} {:>12.3f} {:>+7.1f}%  {}\n", r.id, r.predicted_s,
                             r.measured_s, 100.0 * r.error, fmt::join(r.assumptions, "; "));
  std::cout << "\nMAPE per group:\n";
  if (by_group.empty()) std::cout << "  (no record could be predicted; see skipped)\n";
  for (const auto& [g, errors] : by_group)
    std::cout << fmt::format("  {:<44} {:>3} records  MAPE {:5.1f}%  worst {:5.1f}%\n", g,
                             errors.count(), 100.0 * errors.mape(), 100.0 * errors.worst_abs());
  if (!skipped.empty()) {
    std::cout << "\nskipped:\n";
    for (const auto& [id, reason] : skipped) std::cout << fmt::format("  {:<36} {}\n", id, reason);
  }
  return 0;
}

}  // namespace trainsim::cli
