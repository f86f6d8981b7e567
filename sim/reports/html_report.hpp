#pragma once
// `trainsim report`: one self-contained HTML page that shows a step (its timeline per GPU, the
// breakdown, memory per GPU against capacity, the communication table and the explanation of
// `explain`, and a scaling plot), drawn by plotly.js inlined into the page so that it opens
// offline. The page's data is built here as JSON (and tested as such); the page's script only
// draws it.
#include <string>
#include <string_view>
#include <vector>

#include "sim/plan/explanation.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/reports/compare_report.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {

// The most timeline bars a page holds: a browser draws about this many in a second or two. A
// larger step shows the stages nearest the explained one that fit, and says so.
inline constexpr std::size_t kMaxReportTimelineTasks = 60'000;

// What the page draws: `explanation` (explain --format json), `explanation_text` (its table),
// `timeline` (the explained prediction's tasks, columnar per time category), `memory` (each
// pipeline stage's estimate in GiB, with capacity and usable), `scaling` (the points of a GPU
// count sweep). `explanation.prediction` must have been made with keep_timeline (explain's is).
OrderedJson report_data(const Explanation& explanation, const std::vector<SweepPoint>& scaling);

// The page: `data` and the drawing script inlined, and `plotly_js` (the library's source) inlined
// before them.
std::string report_html(const OrderedJson& data, std::string_view plotly_js);

// A prediction's tasks for a timeline chart: one row per GPU stream with work, the tasks of each
// time category as columns (start_ms, duration_ms, row, label), at most kMaxReportTimelineTasks
// (the stages nearest the explained one). `p` must have been predicted with keep_timeline.
OrderedJson timeline_data(const StepPrediction& p);

// `compare --report`: two steps side by side, their timelines on one time scale (so the GPUs
// idle in one and busy in the other show), their parts as two stacked bars, the comparison's
// table and the sentence that attributes the difference. Both predictions must have been made
// with keep_timeline.
std::string compare_page(const Comparison& comparison, std::string_view plotly_js);

// The GPU counts of the scaling plot for a scenario on `gpus` GPUs: a quarter, half, the same,
// twice and four times as many (those the sweep cannot run are shown as such).
std::vector<std::int64_t> scaling_gpu_counts(std::int64_t gpus);

}  // namespace trainsim
