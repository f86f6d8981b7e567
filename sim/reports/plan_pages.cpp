#include "sim/reports/plan_pages.hpp"

#include <fmt/format.h>

#include "sim/reports/html_page.hpp"
#include "sim/reports/sweep_report.hpp"

namespace trainsim {
namespace {

// Draws {"search": search_to_json, "table": search_to_table}.
constexpr std::string_view kSearchScript = R"JS(
  const results = data.search.results;
  const names = results.map((r, i) => '#' + (i + 1));
  const strategy = (r) => {
    const p = r.parallel, t = r.training;
    let s = 'tp ' + p.tp + ' pp ' + p.pp + ' dp ' + p.dp;
    if (p.cp > 1) s += ' cp ' + p.cp;
    if (p.ep > 1) s += ' ep ' + p.ep;
    s += ' mb ' + t.micro_batch + ' ' + p.schedule;
    if (p.vpp > 1) s += ' vpp ' + p.vpp;
    s += ' recompute ' + t.recompute + ' zero ' + p.zero;
    if (p.sequence_parallel) s += ' sp';
    return s;
  };
  const labels = results.map(strategy);
  const bar = (name, value, color) => ({
    type: 'bar', name: name, x: names, y: results.map(value), marker: {color: color},
    customdata: labels, hovertemplate: name + ': %{y:.3f}<br>%{customdata}<extra>%{x}</extra>'
  });

  // Each strategy's step, part by part: where the winner gains.
  drawParts('search-breakdown', data.parts, {
    height: 420, xaxis: {type: 'category'}, yaxis: {title: 'seconds per step'}
  }, labels);

  // Each strategy's memory per GPU against the capacity and the usable part of it.
  const gib = (bytes) => bytes / 1073741824;
  const m = (r) => r.memory;
  const line = (y, name, dash) => ({
    type: 'scatter', mode: 'lines', name: name, x: names, y: names.map(() => y),
    line: {color: '#333', dash: dash}
  });
  const first = results[0].memory;
  plot('search-memory', [
    bar('weights', (r) => gib(m(r).params_bytes)),
    bar('gradients', (r) => gib(m(r).grads_bytes)),
    bar('optimizer states', (r) => gib(m(r).optimizer_bytes)),
    bar('activations', (r) => gib(m(r).activations_bytes)),
    bar('runtime reserves', (r) => gib(m(r).runtime_reserved_bytes)),
    bar('allocator fragmentation', (r) => gib(m(r).fragmentation_bytes)),
    line(gib(first.capacity_bytes), 'capacity', 'solid'),
    line(gib(first.usable_bytes), 'usable (less the headroom)', 'dash')
  ], {barmode: 'stack', height: 420, xaxis: {type: 'category'}, yaxis: {title: 'GiB per GPU'}});

  const body = document.querySelector('#search-table tbody');
  results.forEach((r, i) => {
    const row = document.createElement('tr');
    for (const text of [names[i], labels[i], r.step_time_s.toFixed(3),
                        r.tokens_per_s.toFixed(0), (100 * r.mfu).toFixed(1) + '%',
                        gib(r.memory.peak_bytes).toFixed(1),
                        r.largest_loss.part + ' ' + r.largest_loss.seconds.toFixed(3) + ' s']) {
      const td = document.createElement('td');
      td.textContent = text;
      row.appendChild(td);
    }
    body.appendChild(row);
  });
)JS";

// Draws {"sweep": sweep_to_json, "table": sweep_to_table}.
constexpr std::string_view kSweepScript = R"JS(
  const vary = data.sweep.vary;
  const points = data.sweep.points;
  const x = vary[0];
  const others = vary.slice(1);
  const numeric = points.every((p) => typeof p.values[x] === 'number');
  // One line per combination of the other varied settings, in the sweep's order.
  const series = new Map();
  for (const p of points) {
    const key = others.map((o) => o + ' ' + p.values[o]).join(', ') || 'predicted';
    if (!series.has(key)) series.set(key, []);
    series.get(key).push(p);
  }
  const chart = (id, title, value, type) => plot(id, Array.from(series, ([key, ps]) => ({
    type: 'scatter', mode: 'lines+markers', name: key, x: ps.map((p) => p.values[x]),
    y: ps.map((p) => (p.status === 'ok' ? value(p.prediction) : null)),
    hovertemplate: x + ' %{x}: %{y:.3f}<extra>' + key + '</extra>'
  })), {
    height: 380, showlegend: series.size > 1,
    xaxis: {title: x, type: numeric ? (type || 'linear') : 'category'},
    yaxis: {title: title, rangemode: 'tozero'}
  });
  const xs = points.map((p) => p.values[x]);
  const spread = numeric && Math.max(...xs) / Math.max(1e-300, Math.min(...xs)) >= 8;
  const axis = spread ? 'log' : 'linear';
  chart('sweep-step', 'step time (s)', (p) => p.step_time_s, axis);
  chart('sweep-mfu', 'MFU (%)', (p) => 100 * p.mfu, axis);
  chart('sweep-memory', 'peak memory per GPU (GiB)', (p) => p.memory.peak_bytes / 1073741824,
        axis);
)JS";

}  // namespace

std::string search_page(const SearchResult& result, const SearchReportContext& context,
                        std::string_view plotly_js) {
  HtmlPage page;
  page.title = fmt::format("trainsim search: {}", context.scenario);
  page.data["search"] = search_to_json(result, context);
  std::vector<std::string> ranks;
  std::vector<Breakdown> breakdowns;
  for (const RankedStrategy& r : result.best) {
    ranks.push_back(fmt::format("#{}", ranks.size() + 1));
    breakdowns.push_back(r.prediction.breakdown);
  }
  page.data["parts"] = stacked_parts(ranks, breakdowns);
  page.script = kSearchScript;
  const SearchCounts& c = result.counts;
  page.body = fmt::format(
      "<p class=\"summary\"><span>{} strategies considered</span><span>{} rejected by "
      "divisibility</span><span>{} by memory</span><span>{} by a bound</span><span>{} "
      "simulated</span></p>\n<p>{}</p>\n",
      c.considered, c.invalid, c.over_memory, c.bounded, c.simulated,
      html_escaped(why_winner_wins(result)));
  page.body += chart_section("Each strategy's step, part by part", "search-breakdown");
  page.body += chart_section("Each strategy's memory per GPU", "search-memory");
  page.body +=
      "<h2>The strategies</h2>\n<table id=\"search-table\"><thead><tr><th>rank</th>"
      "<th>strategy</th><th>step (s)</th><th>tokens/s</th><th>MFU</th><th>peak GiB</th>"
      "<th>largest loss</th></tr></thead><tbody></tbody></table>\n";
  page.body +=
      "<h2>As printed</h2>\n<pre>" + html_escaped(search_to_table(result, context)) + "</pre>\n";
  return render_page(page, plotly_js);
}

std::string sweep_page(const SweepOptions& options, const std::vector<SweepPoint>& points,
                       std::string_view plotly_js) {
  HtmlPage page;
  std::string varied;
  for (const Variation& v : options.vary) varied += (varied.empty() ? "" : " x ") + v.path;
  page.title = fmt::format("trainsim sweep: {}", varied);
  page.data["sweep"] = sweep_to_json(options, points);
  page.script = kSweepScript;
  const std::string note =
      "Points that are invalid or do not fit are gaps; the table below says why.";
  page.body += chart_section("Step time", "sweep-step", note);
  page.body += chart_section("MFU", "sweep-mfu");
  page.body += chart_section("Peak memory per GPU", "sweep-memory");
  page.body +=
      "<h2>Every point</h2>\n<pre>" + html_escaped(sweep_to_table(options, points)) + "</pre>\n";
  return render_page(page, plotly_js);
}

}  // namespace trainsim
