#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "sim/api/trainsim.hpp"
#include "sim/cli/commands.hpp"
#include "sim/reports/search_report.hpp"
#include "sim/search/search.hpp"

namespace trainsim::cli {
namespace {

// The searched settings: all of them, less those a --set or --pin names (parallel.dp among
// them: pinned, it constrains tp·pp·cp; otherwise it is derived for each strategy).
void pin_settings(const SearchArgs& args, SearchOptions& options) {
  options.fields = FieldSet::all();
  const auto pin = [&](const std::string& path) {
    if (path == "parallel.dp") {
      options.keep_dp = true;
      return true;
    }
    const auto field = search_field_at(path);
    if (field) options.fields.erase(*field);
    return field.has_value();
  };
  for (const std::string& assignment : args.overrides)
    pin(assignment.substr(0, assignment.find('=')));
  for (const std::string& path : args.pins)
    if (!pin(path))
      throw InputError("--pin", fmt::format("'{}' is not a searched setting; allowed: "
                                            "parallel.dp, {}",
                                            path, searchable_paths()));
}

// "search: 1234567 / 103708800 strategies (1%), about 12 s left" on a terminal, once the search
// has run for a second; erased when it ends.
class ProgressLine {
 public:
  explicit ProgressLine(bool allowed)
      : enabled_(allowed && isatty(STDERR_FILENO) == 1), start_(Clock::now()) {}
  ~ProgressLine() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }
  void operator()(std::uint64_t done, std::uint64_t total) {
    if (!enabled_ || total == 0) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    if (elapsed < 1.0) return;
    const double fraction = static_cast<double>(done) / static_cast<double>(total);
    const double left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
    std::cerr << fmt::format("\r\033[Ksearch: {} / {} strategies ({:.0f}%), about {:.0f} s left",
                             done, total, 100 * fraction, left)
              << std::flush;
    shown_ = true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_;
};

}  // namespace

int run_search(const SearchArgs& args) {
  const std::filesystem::path file = args.scenario_file.empty()
                                         ? default_scenario_file()
                                         : std::filesystem::path(args.scenario_file);
  Scenario scenario = load_scenario(file, args.overrides);
  const auto objective = objective_named(args.objective);
  if (!objective)
    throw InputError("--objective",
                     fmt::format("'{}'; allowed: time, cost, tokens_per_dollar", args.objective));
  if (*objective != Objective::time && scenario.cluster.gpu_hour_usd <= 0)
    throw InputError("cluster.gpu_hour_usd",
                     fmt::format("--objective {} needs a price per GPU-hour: GPU '{}' has no "
                                 "default in hardware/presets/prices.json; set "
                                 "cluster.gpu_hour_usd",
                                 args.objective, scenario.cluster.gpu.name));
  if (scenario.engine.network != NetworkEngineKind::analytic)
    std::cerr << "trainsim: note: search predicts with the analytic engine (the flow engine "
                 "takes seconds per strategy); predict the winner with engine.network = flow\n";
  scenario.engine.network = NetworkEngineKind::analytic;

  SearchOptions options;
  pin_settings(args, options);
  options.top = args.top;
  options.memory_headroom = args.memory_headroom;
  options.spread = args.spread;
  ProgressLine progress(!args.spread || args.spread->rank() == 0);
  options.progress = [&progress](std::uint64_t done, std::uint64_t total) {
    progress(done, total);
  };
  const SearchResult result = search(scenario, options);

  SearchReportContext context;
  context.scenario = scenario.name;
  context.objective = *objective;
  context.memory_headroom = args.memory_headroom;
  try {
    context.own = predict(scenario);
  } catch (const InputError&) {
    // The scenario's own strategy is not valid: nothing to compare with.
  } catch (const InfeasibleError&) {
  }

  if (args.format == "json")
    std::cout << search_to_json(result, context).dump(2) << "\n";
  else if (args.format == "csv")
    std::cout << search_to_csv(result, context);
  else
    std::cout << search_to_table(result, context);
  return 0;
}

}  // namespace trainsim::cli
