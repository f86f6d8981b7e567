#include "sim/plan/validation_run.hpp"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <variant>

#include "sim/api/trainsim.hpp"
#include "sim/validation/published_record.hpp"

namespace trainsim {
namespace {

// The scenario a record became, with its assumptions, so that `predict` reproduces the row and a
// user can explore it (--set, --trace).
void write_scenario(const RecordConversion& c, const std::filesystem::path& dir,
                    const std::string& id) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw InputError("--write-scenarios",
                     fmt::format("cannot create '{}': {}", dir.string(), ec.message()));
  std::string file_name = id;
  for (char& ch : file_name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
      ch = '_';
  const std::filesystem::path file = dir / (file_name + ".json");
  std::ofstream out(file);
  out << c.described_scenario().dump(2) << "\n";
  if (!out) throw InputError("--write-scenarios", fmt::format("cannot write '{}'", file.string()));
}

UnstatedSettings unstated_settings(const std::string& name) {
  if (name == "default") return UnstatedSettings::fixed;
  if (name == "auto") return UnstatedSettings::fastest;
  throw InputError("--unstated", fmt::format("allowed: default, auto; got '{}'", name));
}

}  // namespace

ValidationReport validate_records(const ValidationRequest& request) {
  const UnstatedSettings unstated = unstated_settings(request.unstated);
  const std::string file = request.records_file.string();
  const Json records = load_json_file(request.records_file);
  if (!records.is_array()) throw InputError(file, "expected a JSON array of records");
  const Supplement supplement = Supplement::beside(file);

  ValidationReport report;
  for (std::size_t index = 0; index < records.size(); ++index) {
    PublishedRecord published = convert_published(records, index, supplement, unstated);
    const std::string& id = published.id;
    if (auto* skip = std::get_if<SkippedRecord>(&published.conversion)) {
      report.skipped.push_back({id, skip->reason});
      continue;
    }
    RecordConversion& c = std::get<RecordConversion>(published.conversion);
    for (const std::string& assignment : request.overrides) apply_override(c.scenario, assignment);
    if (!request.scenarios_dir.empty()) write_scenario(c, request.scenarios_dir, id);
    try {
      const Scenario scenario = parse_scenario(c.scenario, data_root());
      const StepPrediction p = predict(scenario);
      const double measured_s = c.measured_time_s(p.model_flops_per_step, scenario.gpus);
      ValidatedRecord row{id,
                          group_of(id),
                          std::string(name_of(scenario.training.framework)),
                          p.step_time_s,
                          measured_s,
                          relative_error(p.step_time_s, measured_s),
                          c.assumptions};
      if (c.measured_memory_bytes) {
        row.predicted_peak_bytes = p.memory.peak_bytes;
        row.measured_memory_bytes = c.measured_memory_bytes;
        row.memory_error = relative_error(p.memory.peak_bytes, *c.measured_memory_bytes);
        report.memory[row.group].add(*row.memory_error, id);
      }
      for (const Assumption& a : p.assumptions)
        row.assumptions.push_back(fmt::format("chosen {} = {}", a.path, a.value.dump()));
      row.assumptions.push_back("measured from " + c.measured_from);
      report.groups[row.group].add(row.error);
      report.frameworks[row.framework].add(row.error);
      report.records.push_back(std::move(row));
    } catch (const InputError& e) {
      report.skipped.push_back({id, fmt::format("cannot be modelled: {}", e.what())});
    } catch (const InfeasibleError& e) {
      report.skipped.push_back({id, fmt::format("infeasible: {}", e.what())});
    }
  }
  return report;
}

}  // namespace trainsim
