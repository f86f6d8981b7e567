#pragma once
// The shell every HTML page of trainsim shares (`report`, `compare --report`, `search --report`,
// `sweep --report`):
// plotly.js inlined so that the page opens offline, the page's data as JSON, and a script that
// draws it. The shell records on the page itself how many charts it has, how many were drawn and
// every script error (data-charts-expected, data-charts-drawn, data-errors on <body>), so that a
// headless browser's DOM tells a test whether the page worked.
#include <string>
#include <string_view>
#include <vector>

#include "sim/parallel/breakdown.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

struct HtmlPage {
  std::string title;  // text; escaped by render_page
  std::string body;   // markup of the sections; each chart is <div class="chart" id="...">
  OrderedJson data;   // the page script's `data`
  // Draws `data` with `plot(id, traces, layout)` for each chart (the shell defines `plot`,
  // `colors` by time category and `noteError`).
  std::string script;
};

std::string render_page(const HtmlPage& page, std::string_view plotly_js);

// Text for HTML element content and attribute values.
std::string html_escaped(std::string_view text);

// Steps side by side for a stacked-bar chart, split into named_parts (breakdown.hpp), so that
// the bars add up to each step: {"names": [...], "parts": [{"name", "seconds": [per step]}]}.
// The shell's `drawParts(id, stacked, layout, hover)` draws it.
OrderedJson stacked_parts(const std::vector<std::string>& names,
                          const std::vector<Breakdown>& breakdowns);

// A chart's container and heading.
std::string chart_section(std::string_view heading, std::string_view id,
                          std::string_view note = {});

}  // namespace trainsim
