#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "sim/api/trainsim.hpp"
#include "sim/cli/commands.hpp"
#include "sim/cli/page_output.hpp"
#include "sim/plan/strategy_search.hpp"
#include "sim/reports/plan_pages.hpp"
#include "sim/reports/search_report.hpp"
#include "sim/search/search.hpp"

namespace trainsim::cli {
namespace {

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
  SearchRequest request;
  request.overrides = args.overrides;
  request.pins = args.pins;
  request.top = args.top;
  request.objective = args.objective;
  request.memory_headroom = args.memory_headroom;
  request.spread = args.spread;
  const bool first_rank = !args.spread || args.spread->rank() == 0;
  std::optional<PageOutput> page;
  if (!args.report_file.empty()) page.emplace(args.report_file, "--report", first_rank);
  ProgressLine progress(first_rank);
  request.progress = [&progress](std::uint64_t done, std::uint64_t total) {
    progress(done, total);
  };
  const SearchAnswer answer = search_scenario(file, request);
  if (answer.engine_changed)
    std::cerr << "trainsim: note: search predicts with the analytic engine (the flow engine "
                 "takes seconds per strategy); predict the winner with engine.network = flow\n";
  const SearchResult& result = answer.result;
  const SearchReportContext context = context_of(answer);

  if (args.format == "json")
    std::cout << search_to_json(result, context).dump(2) << "\n";
  else if (args.format == "csv")
    std::cout << search_to_csv(result, context);
  else
    std::cout << search_to_table(result, context);
  if (page) page->write(search_page(result, context, page->plotly_js()));
  return 0;
}

}  // namespace trainsim::cli
