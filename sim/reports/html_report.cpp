#include "sim/reports/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "sim/core/units.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/reports/explain_report.hpp"
#include "sim/reports/html_page.hpp"

namespace trainsim {
namespace {

// Milliseconds to the nanosecond: the page's numbers stay short (the JSON prints the shortest
// text that reads back the same value).
double ms(double seconds) {
  return std::round(seconds * 1e9) / 1e6;
}

double gib(double bytes) {
  return std::round(to_gib(bytes) * 1e4) / 1e4;
}

// The stages whose tasks the timeline shows: all of them when they fit, else the explained
// stage and its nearest neighbours that fit.
std::vector<int> shown_stages(const StepWorkload& work, int critical_stage) {
  std::map<RankId, std::size_t> tasks_per_rank;
  for (const Task& task : work.graph.tasks())
    ++tasks_per_rank[work.graph.streams()[task.stream].rank];
  std::vector<int> stages;
  for (const RankStreams& r : work.ranks) stages.push_back(r.stage);
  std::stable_sort(stages.begin(), stages.end(), [&](int a, int b) {
    return std::abs(a - critical_stage) < std::abs(b - critical_stage);
  });
  std::vector<int> shown;
  std::size_t total = 0;
  for (const int stage : stages) {
    const std::size_t tasks = tasks_per_rank[static_cast<RankId>(stage)];
    if (!shown.empty() && total + tasks > kMaxReportTimelineTasks) break;
    shown.push_back(stage);
    total += tasks;
  }
  std::sort(shown.begin(), shown.end());
  return shown;
}

}  // namespace

OrderedJson timeline_data(const StepPrediction& p) {
  const StepWorkload& work = *p.workload;
  const TaskGraph& graph = work.graph;
  const std::vector<int> stages = shown_stages(work, p.critical_stage);
  std::map<RankId, std::string> process_names;
  for (const auto& [rank, name] : work.process_names) process_names[rank] = name;

  // One row per stream with something on it, stage by stage in stream order.
  std::vector<std::int64_t> row_of(graph.streams().size(), -1);
  std::vector<bool> busy(graph.streams().size(), false);
  for (TaskId id = 0; id < graph.task_count(); ++id)
    if (p.timeline->timing[id].end_s > p.timeline->timing[id].start_s)
      busy[graph.task(id).stream] = true;
  OrderedJson rows = OrderedJson::array();
  for (const int stage : stages) {
    const RankStreams& r = work.ranks[static_cast<std::size_t>(stage)];
    for (const StreamId s : {r.compute, r.tp, r.pp, r.dp, r.cp, r.ep}) {
      if (!busy[s]) continue;
      const Stream& stream = graph.streams()[s];
      const auto named = process_names.find(stream.rank);
      const std::string gpu =
          named != process_names.end() ? named->second : fmt::format("stage {}", stage);
      row_of[s] = static_cast<std::int64_t>(rows.size());
      rows.push_back(fmt::format("{} {}", gpu, name_of(stream.kind)));
    }
  }

  struct Series {
    OrderedJson row = OrderedJson::array(), start_ms = OrderedJson::array(),
                duration_ms = OrderedJson::array(), label = OrderedJson::array();
  };
  std::array<Series, kTimeCategoryCount> series;
  std::size_t shown = 0;
  for (TaskId id = 0; id < graph.task_count(); ++id) {
    const Task& task = graph.task(id);
    const TaskTiming& t = p.timeline->timing[id];
    if (row_of[task.stream] < 0 || !(t.end_s > t.start_s)) continue;
    Series& s = series[index_of(task.category)];
    std::string label = graph.label(task.label);
    if (task.micro_batch >= 0) label += fmt::format(" mb{}", task.micro_batch);
    if (task.layer >= 0) label += fmt::format(" L{}", task.layer);
    s.row.push_back(row_of[task.stream]);
    s.start_ms.push_back(ms(t.start_s));
    s.duration_ms.push_back(ms(t.end_s - t.start_s));
    s.label.push_back(std::move(label));
    ++shown;
  }
  OrderedJson out;
  out["rows"] = rows;
  out["step_ms"] = ms(p.step_time_s);
  out["critical_stage"] = p.critical_stage;
  out["stages"] = work.ranks.size();
  out["stages_shown"] = stages;
  out["tasks"] = graph.task_count();
  out["tasks_shown"] = shown;
  OrderedJson list = OrderedJson::array();
  for (std::size_t c = 0; c < kTimeCategoryCount; ++c) {
    if (series[c].row.empty()) continue;
    list.push_back({{"category", std::string(name_of(static_cast<TimeCategory>(c)))},
                    {"row", std::move(series[c].row)},
                    {"start_ms", std::move(series[c].start_ms)},
                    {"duration_ms", std::move(series[c].duration_ms)},
                    {"label", std::move(series[c].label)}});
  }
  out["series"] = std::move(list);
  return out;
}

namespace {

OrderedJson memory_data(const Scenario& scenario) {
  struct Part {
    const char* name;
    double MemoryEstimate::*bytes;
  };
  static constexpr Part kParts[] = {
      {"weights", &MemoryEstimate::params_bytes},
      {"gradients", &MemoryEstimate::grads_bytes},
      {"optimizer states", &MemoryEstimate::optimizer_bytes},
      {"activations", &MemoryEstimate::activations_bytes},
      {"CUDA context and workspaces", &MemoryEstimate::cuda_context_bytes},
      {"NCCL buffers", &MemoryEstimate::nccl_buffers_bytes},
      {"allocator fragmentation", &MemoryEstimate::fragmentation_bytes},
  };
  std::vector<MemoryEstimate> stages;
  for (int stage = 0; stage < scenario.parallel.pp; ++stage)
    stages.push_back(estimate_stage_memory(scenario, stage));
  OrderedJson parts = OrderedJson::array();
  for (const Part& part : kParts) {
    OrderedJson values = OrderedJson::array();
    for (const MemoryEstimate& m : stages) values.push_back(gib(m.*part.bytes));
    parts.push_back({{"name", part.name}, {"GiB", std::move(values)}});
  }
  // Whatever the runtime reserves beyond the context and NCCL (none today), so that the bars
  // always add up to the peak.
  OrderedJson other = OrderedJson::array();
  bool any_other = false;
  for (const MemoryEstimate& m : stages) {
    const double rest = m.runtime_reserved_bytes - m.cuda_context_bytes - m.nccl_buffers_bytes;
    any_other = any_other || rest > 0;
    other.push_back(gib(std::max(0.0, rest)));
  }
  if (any_other) parts.push_back({{"name", "other runtime reserves"}, {"GiB", std::move(other)}});
  OrderedJson peak = OrderedJson::array(), stage_ids = OrderedJson::array();
  for (const MemoryEstimate& m : stages) {
    peak.push_back(gib(m.peak_bytes));
    stage_ids.push_back(m.stage);
  }
  OrderedJson out;
  out["stages"] = std::move(stage_ids);
  out["parts"] = std::move(parts);
  out["peak_GiB"] = std::move(peak);
  out["capacity_GiB"] = gib(stages.front().capacity_bytes);
  out["usable_GiB"] = gib(stages.front().usable_bytes);
  return out;
}

OrderedJson scaling_data(const std::vector<SweepPoint>& points) {
  OrderedJson out = OrderedJson::array();
  for (const SweepPoint& point : points) {
    OrderedJson row;
    row["gpus"] = point.values.front();
    row["status"] = std::string(name_of(point.status));
    if (point.prediction) {
      const StepPrediction& p = *point.prediction;
      row["step_time_s"] = p.step_time_s;
      row["mfu"] = p.mfu;
      row["tokens_per_s"] = p.tokens_per_s;
      row["peak_GiB"] = gib(p.memory.peak_bytes);
      row["fits"] = p.memory.fits;
    } else {
      row["message"] = point.message;
    }
    out.push_back(std::move(row));
  }
  return out;
}

// One timeline chart: a row per GPU stream, a bar per task, over [0, span_ms]; drag to zoom,
// double-click to reset.
constexpr std::string_view kTimelineFunction = R"JS(
const drawTimeline = (id, tl, span_ms) => plot(id, tl.series.map((s) => ({
  type: 'bar', orientation: 'h', name: s.category,
  y: s.row.map((r) => tl.rows[r]), base: s.start_ms, x: s.duration_ms,
  customdata: s.start_ms, text: s.label, textposition: 'none',
  hovertemplate: '%{text}<br>starts %{customdata:.3f} ms, lasts %{x:.3f} ms<extra>%{fullData.name}</extra>',
  marker: {color: colors[s.category] || '#888'}
})), {
  barmode: 'overlay', bargap: 0.15, dragmode: 'zoom',
  height: Math.max(300, 90 + 22 * tl.rows.length),
  xaxis: {title: 'time in the step (ms)', range: [0, span_ms]},
  yaxis: {type: 'category', categoryorder: 'array', categoryarray: tl.rows.slice().reverse(),
          automargin: true},
  legend: {orientation: 'h', y: 1.08}
});
)JS";

// Draws compare_page's data: both timelines on the longer step's scale, then both steps' parts.
constexpr std::string_view kComparePageScript = R"JS(
  const span = Math.max(data.a_timeline.step_ms, data.b_timeline.step_ms);
  drawTimeline('timeline-a', data.a_timeline, span);
  drawTimeline('timeline-b', data.b_timeline, span);
  drawParts('compare-breakdown', data.parts, {
    orientation: 'h', height: 300, xaxis: {title: 'seconds per step'},
    yaxis: {type: 'category', categoryorder: 'array', categoryarray: ['B', 'A']}
  });
)JS";

// Draws report_data's `data` (html_page.hpp's shell runs first).
constexpr std::string_view kStepPageScript = R"JS(
  drawTimeline('timeline', data.timeline, data.timeline.step_ms);

  // Where the step goes, as one stacked bar.
  const parts = data.explanation.parts;
  plot('breakdown', parts.map((p) => ({
    type: 'bar', orientation: 'h', name: p.name, y: ['step'], x: [p.seconds],
    hovertemplate: p.name + ': %{x:.3f} s (' + (100 * p.share).toFixed(1) + '%)<extra></extra>'
  })), {barmode: 'stack', height: 260, xaxis: {title: 'seconds'}, legend: {orientation: 'h', y: -0.5}});

  // Memory per GPU of each pipeline stage against the capacity and the usable part of it.
  const mem = data.memory;
  const stageNames = mem.stages.map((s) => 'stage ' + s);
  const line = (y, name, dash) => ({
    type: 'scatter', mode: 'lines', name: name, x: stageNames, y: stageNames.map(() => y),
    line: {color: '#333', dash: dash}
  });
  plot('memory', mem.parts.map((p) => ({
    type: 'bar', name: p.name, x: stageNames, y: p.GiB,
    hovertemplate: p.name + ': %{y:.2f} GiB<extra>%{x}</extra>'
  })).concat([line(mem.capacity_GiB, 'capacity', 'solid'),
              line(mem.usable_GiB, 'usable (less the headroom)', 'dash')]), {
    barmode: 'stack', height: 420, yaxis: {title: 'GiB per GPU'}
  });

  // Step time and MFU against the GPU count.
  const ok = data.scaling.filter((p) => p.status === 'ok');
  plot('scaling', [
    {type: 'scatter', mode: 'lines+markers', name: 'step time (s)', x: ok.map((p) => p.gpus),
     y: ok.map((p) => p.step_time_s)},
    {type: 'scatter', mode: 'lines+markers', name: 'MFU (%)', x: ok.map((p) => p.gpus),
     y: ok.map((p) => 100 * p.mfu), yaxis: 'y2'}
  ], {
    height: 380, xaxis: {title: 'GPUs', type: 'log', tickvals: ok.map((p) => p.gpus)},
    yaxis: {title: 'step time (s)'},
    yaxis2: {title: 'MFU (%)', overlaying: 'y', side: 'right', rangemode: 'tozero'},
    legend: {orientation: 'h', y: 1.12}
  });
  const skipped = data.scaling.filter((p) => p.status !== 'ok');
  document.getElementById('scaling-skipped').textContent = skipped.map(
    (p) => p.gpus + ' GPUs: ' + p.message).join('; ');

  // The communication table of `explain`.
  const body = document.querySelector('#communication tbody');
  const cell = (row, text) => {
    const td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
  };
  for (const comm of data.explanation.communication) {
    for (const c of comm.collectives) {
      const row = document.createElement('tr');
      cell(row, comm.kind);
      cell(row, comm.exposed_s.toFixed(3));
      cell(row, c.where);
      cell(row, c.collective);
      cell(row, (c.bytes / 1e9).toFixed(3));
      cell(row, c.placement);
      cell(row, c.link);
      cell(row, c.algorithm + ' / ' + c.protocol);
      cell(row, c.bound);
      cell(row, (100 * c.link_fraction).toFixed(0) + '%');
      cell(row, (1e3 * c.time_s).toFixed(3));
      body.appendChild(row);
    }
    for (const x of comm.ps_transfers || []) {
      const row = document.createElement('tr');
      cell(row, comm.kind);
      cell(row, comm.exposed_s.toFixed(3));
      cell(row, x.where);
      cell(row, 'parameter server');
      cell(row, (x.bytes_per_worker / 1e9).toFixed(3));
      cell(row, x.workers + ' workers, ' + x.servers + ' servers');
      cell(row, x.placement);
      cell(row, 'point-to-point');
      cell(row, x.bound);
      cell(row, '');
      cell(row, (1e3 * x.time_s).toFixed(3));
      body.appendChild(row);
    }
  }
)JS";

}  // namespace

std::vector<std::int64_t> scaling_gpu_counts(std::int64_t gpus) {
  std::vector<std::int64_t> counts;
  for (const std::int64_t n : {gpus / 4, gpus / 2, gpus, gpus * 2, gpus * 4})
    if (n >= 1 && (counts.empty() || counts.back() != n)) counts.push_back(n);
  return counts;
}

OrderedJson report_data(const Explanation& explanation, const std::vector<SweepPoint>& scaling) {
  OrderedJson out;
  out["explanation"] = explanation_to_json(explanation);
  out["explanation_text"] = explanation_to_table(explanation);
  out["timeline"] = timeline_data(explanation.prediction);
  out["memory"] = memory_data(explanation.scenario);
  out["scaling"] = scaling_data(scaling);
  return out;
}

std::string report_html(const OrderedJson& data, std::string_view plotly_js) {
  const OrderedJson& e = data.at("explanation");
  const OrderedJson& tl = data.at("timeline");
  HtmlPage page;
  page.title = fmt::format("trainsim report: {}", e.at("scenario").get<std::string>());
  page.data = data;
  page.script = std::string(kTimelineFunction) + std::string(kStepPageScript);
  std::string& body = page.body;
  body += fmt::format(
      "<p class=\"summary\"><span>step {:.3f} s</span><span>MFU {:.1f}%</span>"
      "<span>{:.0f} tokens/s</span><span>{} GPUs</span><span>engine: {}</span></p>\n",
      e.at("step_time_s").get<double>(), 100 * e.at("mfu").get<double>(),
      e.at("tokens_per_s").get<double>(), e.at("gpus").get<std::int64_t>(),
      html_escaped(e.at("engine").get<std::string>()));
  std::string timeline_note =
      "One representative GPU per pipeline stage (its TP, CP and DP peers do the same work). "
      "Drag to zoom, double-click to zoom out.";
  if (tl.at("stages_shown").size() < tl.at("stages").get<std::size_t>())
    timeline_note += fmt::format(
        " The step has {} tasks; shown are the {} stages nearest the explained one (stage {}), "
        "{} tasks, what a browser draws quickly.",
        tl.at("tasks").get<std::size_t>(), tl.at("stages_shown").size(),
        tl.at("critical_stage").get<int>(), tl.at("tasks_shown").get<std::size_t>());
  body += chart_section("Timeline of the step, per GPU and stream", "timeline", timeline_note);
  body += chart_section("Where the step goes", "breakdown");
  body += chart_section("Memory per GPU", "memory");
  body +=
      "<h2>Communication</h2>\n<table id=\"communication\"><thead><tr>"
      "<th>kind</th><th>exposed (s)</th><th>where</th><th>collective</th><th>GB</th>"
      "<th>group</th><th>link</th><th>algorithm / protocol</th><th>bound by</th>"
      "<th>of link rate</th><th>one call (ms)</th></tr></thead><tbody></tbody></table>\n";
  body += chart_section("Scaling with the GPU count", "scaling");
  body += "<p class=\"note\" id=\"scaling-skipped\"></p>\n";
  body += "<h2>Explanation</h2>\n<pre id=\"explanation\">";
  body += html_escaped(data.at("explanation_text").get<std::string>());
  body += "</pre>\n";
  return render_page(page, plotly_js);
}

std::string compare_page(const Comparison& c, std::string_view plotly_js) {
  HtmlPage page;
  page.title = fmt::format("trainsim compare: {} vs {}", c.a_label, c.b_label);
  page.data["comparison"] = comparison_to_json(c);
  page.data["a_timeline"] = timeline_data(c.a);
  page.data["b_timeline"] = timeline_data(c.b);
  page.data["parts"] = stacked_parts({"A", "B"}, {c.a.breakdown, c.b.breakdown});
  page.script = std::string(kTimelineFunction) + std::string(kComparePageScript);
  std::string& body = page.body;
  body += fmt::format(
      "<p class=\"summary\">A: {} ({:.3f} s, MFU {:.1f}%)<br>B: {} ({:.3f} s, "
      "MFU {:.1f}%)</p>\n<p>{}</p>\n",
      html_escaped(c.a_label), c.a.step_time_s, 100 * c.a.mfu, html_escaped(c.b_label),
      c.b.step_time_s, 100 * c.b.mfu, html_escaped(comparison_sentence(c)));
  const std::string note =
      "Both timelines share one time scale: a GPU idle in one and busy in "
      "the other shows as a gap.";
  body += chart_section("A: " + c.a_label, "timeline-a", note);
  body += chart_section("B: " + c.b_label, "timeline-b");
  body += chart_section("Where each step goes", "compare-breakdown");
  body += "<h2>Side by side</h2>\n<pre>" + html_escaped(comparison_to_table(c)) + "</pre>\n";
  return render_page(page, plotly_js);
}

}  // namespace trainsim
