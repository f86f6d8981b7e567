#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "sim/cli/commands.hpp"
#include "sim/core/errors.hpp"
#include "sim/plan/explanation.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/reports/html_report.hpp"
#include "sim/reports/plotly_library.hpp"

namespace trainsim::cli {

int run_report(const ReportArgs& args) {
  const std::filesystem::path file = args.scenario_file.empty()
                                         ? default_scenario_file()
                                         : std::filesystem::path(args.scenario_file);
  // What the page needs from outside is found, and the output opened, before anything is
  // predicted: a missing library or an unwritable path fails at once.
  const std::string plotly_js = plotly_js_source();
  std::ofstream out(args.output_file, std::ios::binary);
  if (!out) throw InputError("--output", fmt::format("cannot write '{}'", args.output_file));

  std::string html;
  double step_s = 0, mfu = 0;
  try {
    const Explanation explanation = explain(load_scenario(file, args.overrides));
    SweepOptions scaling;
    scaling.overrides = args.overrides;
    Variation gpus{"cluster.gpus", {}};
    for (const std::int64_t n : scaling_gpu_counts(explanation.scenario.gpus))
      gpus.values.emplace_back(n);
    scaling.vary.push_back(std::move(gpus));
    html = report_html(report_data(explanation, sweep(file, scaling)), plotly_js);
    step_s = explanation.prediction.step_time_s;
    mfu = explanation.prediction.mfu;
  } catch (...) {
    out.close();  // no empty page left behind
    std::filesystem::remove(args.output_file);
    throw;
  }
  out << html;
  out.close();
  if (!out)
    throw InputError("--output", fmt::format("could not write all of '{}'", args.output_file));
  std::cout << fmt::format("wrote {} ({:.1f} MB): step {:.3f} s, MFU {:.1f}%\n", args.output_file,
                           static_cast<double>(html.size()) / 1e6, step_s, 100 * mfu);
  return 0;
}

}  // namespace trainsim::cli
