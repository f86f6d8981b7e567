#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "sim/api/trainsim.hpp"
#include "sim/cli/commands.hpp"
#include "sim/cli/page_output.hpp"
#include "sim/reports/compare_report.hpp"
#include "sim/reports/html_report.hpp"

namespace trainsim::cli {

int run_compare(const CompareArgs& args) {
  std::vector<std::filesystem::path> files;
  std::vector<std::string> labels = args.scenario_files;
  for (const std::string& f : args.scenario_files) files.emplace_back(f);
  if (files.empty()) {
    files.push_back(default_scenario_file());
    labels.push_back("scenarios/default.json");  // the bundled one, wherever it is installed
  }
  std::optional<PageOutput> page;
  if (!args.report_file.empty()) page.emplace(args.report_file, "--report");
  // The page draws both timelines: keep them (the prediction is the same either way).
  PredictOptions options;
  options.keep_timeline = page.has_value();
  Comparison c;
  if (files.size() == 1) {
    if (args.overrides.empty())
      throw InputError("--set",
                       "comparing one scenario needs the changes that make B, e.g. "
                       "--set parallel.pp=16 (or give two scenario files)");
    std::string changes;
    for (const std::string& o : args.overrides) changes += (changes.empty() ? "" : " ") + o;
    c.a_label = labels[0];
    c.b_label = fmt::format("A with {}", changes);
    c.a = predict(load_scenario(files[0]), options);
    c.b = predict(load_scenario(files[0], args.overrides), options);
  } else {
    c.a_label = labels[0];
    c.b_label = labels[1];
    c.a = predict(load_scenario(files[0], args.overrides), options);
    c.b = predict(load_scenario(files[1], args.overrides), options);
  }
  if (args.format == "json")
    std::cout << comparison_to_json(c).dump(2) << "\n";
  else
    std::cout << comparison_to_table(c);
  if (page) page->write(compare_page(c, page->plotly_js()));
  return 0;
}

}  // namespace trainsim::cli
