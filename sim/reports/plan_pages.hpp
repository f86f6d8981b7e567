#pragma once
// `search --report` and `sweep --report`: pages of the same kind as `trainsim report`
// (html_page.hpp), drawn from the commands' own --format json objects, so that the page shows
// exactly what the command printed.
#include <string>
#include <string_view>
#include <vector>

#include "sim/plan/sweep.hpp"
#include "sim/reports/search_report.hpp"

namespace trainsim {

// The ranked strategies: each one's step split into its parts as a stacked bar (why the winner
// wins), each one's memory per GPU against capacity, and the table and counts of the search.
std::string search_page(const SearchResult& result, const SearchReportContext& context,
                        std::string_view plotly_js);

// The points: step time, MFU and peak memory against the first varied setting, one line per
// combination of the others, and the sweep's table.
std::string sweep_page(const SweepOptions& options, const std::vector<SweepPoint>& points,
                       std::string_view plotly_js);

}  // namespace trainsim
