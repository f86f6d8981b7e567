#include "sim/reports/validation_report.hpp"

#include <fmt/format.h>

#include "sim/core/units.hpp"
#include "sim/reports/error_groups.hpp"

namespace trainsim {

OrderedJson validation_to_json(const ValidationReport& report) {
  OrderedJson out;
  OrderedJson list = OrderedJson::array();
  for (const ValidatedRecord& r : report.records) {
    OrderedJson row = {{"id", r.id},
                       {"group", r.group},
                       {"framework", r.framework},
                       {"predicted_s", r.predicted_s},
                       {"measured_s", r.measured_s},
                       {"error", r.error}};
    if (r.memory_error) {
      row["predicted_peak_bytes"] = *r.predicted_peak_bytes;
      row["measured_memory_bytes"] = *r.measured_memory_bytes;
      row["memory_error"] = *r.memory_error;
    }
    row["assumptions"] = r.assumptions;
    list.push_back(std::move(row));
  }
  out["records"] = list;
  out["groups"] = error_groups_to_json(report.groups);
  out["frameworks"] = error_groups_to_json(report.frameworks);
  out["memory_groups"] = error_groups_to_json(report.memory);
  OrderedJson skips = OrderedJson::array();
  for (const UnmodelledRecord& s : report.skipped)
    skips.push_back({{"id", s.id}, {"reason", s.reason}});
  out["skipped"] = skips;
  return out;
}

std::string validation_to_table(const ValidationReport& report) {
  std::string out = fmt::format("{:<32} {:>12} {:>12} {:>8}  {}\n", "record", "predicted s",
                                "measured s", "error", "assumptions");
  for (const ValidatedRecord& r : report.records)
    out += fmt::format("{:<32} {:>12.3f} {:>12.3f} {:>+7.1f}%  {}\n", r.id, r.predicted_s,
                       r.measured_s, 100.0 * r.error, fmt::join(r.assumptions, "; "));
  out += "\nMAPE per group:\n";
  if (report.groups.empty()) out += "  (no record could be predicted; see skipped)\n";
  for (const auto& [g, errors] : report.groups) out += error_group_line(g, errors);
  if (!report.frameworks.empty()) out += "\nMAPE per framework:\n";
  for (const auto& [name, errors] : report.frameworks) out += error_group_line(name, errors);
  if (!report.memory.empty()) {
    out += "\nPeak memory against what the runs reported, per group:\n";
    for (const ValidatedRecord& r : report.records)
      if (r.memory_error)
        out += fmt::format("  {:<44} {:>6.1f} GiB predicted {:>6.1f} GiB reported {:>+6.1f}%\n",
                           r.id, to_gib(*r.predicted_peak_bytes), to_gib(*r.measured_memory_bytes),
                           100.0 * *r.memory_error);
    for (const auto& [g, errors] : report.memory) out += error_group_line(g, errors);
  }
  if (!report.skipped.empty()) {
    out += "\nskipped:\n";
    for (const UnmodelledRecord& s : report.skipped)
      out += fmt::format("  {:<36} {}\n", s.id, s.reason);
  }
  return out;
}

}  // namespace trainsim
