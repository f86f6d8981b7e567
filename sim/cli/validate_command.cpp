// `trainsim validate RECORDS.json`: published measurements predicted and compared, per record
// and as MAPE per group (sim/plan/validation_run.hpp), printed.
#include <iostream>

#include "sim/cli/commands.hpp"
#include "sim/core/errors.hpp"
#include "sim/plan/ranking_run.hpp"
#include "sim/plan/validation_run.hpp"
#include "sim/reports/ranking_report.hpp"
#include "sim/reports/validation_report.hpp"

namespace trainsim::cli {

int run_validate(const ValidateArgs& args) {
  if (is_ranking_file(args.records_file)) {
    // Comparison sets: how the strategies of each set rank, not one record at a time.
    if (!args.overrides.empty() || !args.scenarios_dir.empty())
      throw InputError("--set",
                       "--set and --write-scenarios apply to records files, not to "
                       "comparison sets");
    const RankingReport report = rank_sets(args.records_file);
    if (args.format == "json")
      std::cout << ranking_to_json(report).dump(2) << "\n";
    else
      std::cout << ranking_to_table(report);
    return 0;
  }
  ValidationRequest request;
  request.records_file = args.records_file;
  request.overrides = args.overrides;
  request.scenarios_dir = args.scenarios_dir;
  request.unstated = args.unstated;
  const ValidationReport report = validate_records(request);
  if (args.format == "json")
    std::cout << validation_to_json(report).dump(2) << "\n";
  else
    std::cout << validation_to_table(report);
  return 0;
}

}  // namespace trainsim::cli
