#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "sim/cli/commands.hpp"
#include "sim/cli/page_output.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/reports/plan_pages.hpp"
#include "sim/reports/sweep_report.hpp"

namespace trainsim::cli {

int run_sweep(const SweepArgs& args) {
  const std::filesystem::path file = args.scenario_file.empty()
                                         ? default_scenario_file()
                                         : std::filesystem::path(args.scenario_file);
  SweepOptions options;
  for (const std::string& spec : args.vary) options.vary.push_back(parse_variation(spec));
  options.overrides = args.overrides;
  options.search = args.search;
  options.search_options.memory_headroom = args.memory_headroom;
  options.search_options.spread = args.spread;
  std::optional<PageOutput> page;
  if (!args.report_file.empty())
    page.emplace(args.report_file, "--report", !args.spread || args.spread->rank() == 0);
  const std::vector<SweepPoint> points = sweep(file, options);
  if (args.format == "json")
    std::cout << sweep_to_json(options, points).dump(2) << "\n";
  else if (args.format == "csv")
    std::cout << sweep_to_csv(options, points);
  else
    std::cout << sweep_to_table(options, points);
  if (page) page->write(sweep_page(options, points, page->plotly_js()));
  return 0;
}

}  // namespace trainsim::cli
