#include <iostream>

#include <fmt/format.h>

#include "sim/cli/commands.hpp"
#include "sim/cli/page_output.hpp"
#include "sim/plan/explanation.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/reports/html_report.hpp"

namespace trainsim::cli {

int run_report(const ReportArgs& args) {
  const std::filesystem::path file = args.scenario_file.empty()
                                         ? default_scenario_file()
                                         : std::filesystem::path(args.scenario_file);
  PageOutput page(args.output_file, "--output");
  const Explanation explanation = explain(load_scenario(file, args.overrides));
  SweepOptions scaling;
  scaling.overrides = args.overrides;
  Variation gpus{"cluster.gpus", {}};
  for (const std::int64_t n : scaling_gpu_counts(explanation.scenario.gpus))
    gpus.values.emplace_back(n);
  scaling.vary.push_back(std::move(gpus));
  const std::size_t bytes =
      page.write(report_html(report_data(explanation, sweep(file, scaling)), page.plotly_js()));
  std::cout << fmt::format("wrote {} ({:.1f} MB): step {:.3f} s, MFU {:.1f}%\n", page.path(),
                           static_cast<double>(bytes) / 1e6, explanation.prediction.step_time_s,
                           100 * explanation.prediction.mfu);
  return 0;
}

}  // namespace trainsim::cli
