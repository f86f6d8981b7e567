#include "sim/reports/html_page.hpp"

#include <fmt/format.h>

namespace trainsim {
namespace {

// JSON that can sit inside a <script> element: "</" would end the element early, "<!--" would
// open a comment; both are written with an escaped character that JSON reads back the same.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '<' && i + 1 < json.size() && (json[i + 1] == '/' || json[i + 1] == '!')) {
      out += "\\u003c";
      continue;
    }
    out += json[i];
  }
  return out;
}

// Runs before the page's script: the bookkeeping a test reads, and what every page draws with.
constexpr std::string_view kShellScript = R"JS(
const pageErrors = [];
const noteError = (message) => {
  pageErrors.push(String(message));
  document.body.dataset.errors = String(pageErrors.length);
  const list = document.getElementById('errors');
  const item = document.createElement('li');
  item.textContent = String(message);
  list.appendChild(item);
  list.hidden = false;
};
window.addEventListener('error', (e) => noteError(e.message));
window.addEventListener('unhandledrejection', (e) => noteError(e.reason));
document.body.dataset.errors = '0';
document.body.dataset.chartsDrawn = '0';
document.body.dataset.chartsExpected = String(document.querySelectorAll('div.chart').length);
const colors = {
  compute: '#4c78a8', optimizer: '#72b7b2', tp: '#f58518', pp: '#e45756', dp: '#54a24b',
  cp: '#b279a2', ep: '#9d755d'
};
const plot = (id, traces, layout) =>
  Plotly.newPlot(id, traces, Object.assign({margin: {t: 30}}, layout),
                 {displaylogo: false, responsive: true})
    .then(() => {
      document.body.dataset.chartsDrawn = String(Number(document.body.dataset.chartsDrawn) + 1);
    }, noteError);
// Steps side by side as stacked bars of their parts (stacked_parts' data); `layout.orientation`
// 'h' lays the bars horizontally; `hover` (one text per step) is shown with each segment.
const partColors = {bubble: '#bab0ac', 'stage imbalance': '#79706e'};
const drawParts = (id, stacked, layout, hover) => {
  const across = layout.orientation === 'h';
  return plot(id, stacked.parts.map((part) => ({
    type: 'bar', orientation: across ? 'h' : 'v', name: part.name,
    x: across ? part.seconds : stacked.names, y: across ? stacked.names : part.seconds,
    marker: {color: partColors[part.name] || colors[part.name.replace('exposed ', '')]},
    customdata: hover || stacked.names,
    hovertemplate: part.name + ': %{' + (across ? 'x' : 'y') + ':.3f} s<br>%{customdata}<extra></extra>'
  })), Object.assign({barmode: 'stack'}, layout));
};
const data = JSON.parse(document.getElementById('page-data').textContent);
)JS";

constexpr std::string_view kStyle = R"CSS(
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.summary span { margin-right: 2em; } .note { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.85em; }
#errors { color: #b00; }
)CSS";

}  // namespace

std::string html_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

OrderedJson stacked_parts(const std::vector<std::string>& names,
                          const std::vector<Breakdown>& breakdowns) {
  OrderedJson parts = OrderedJson::array();
  for (std::size_t step = 0; step < breakdowns.size(); ++step) {
    const std::vector<NamedPart> named = named_parts(breakdowns[step]);
    for (std::size_t i = 0; i < named.size(); ++i) {
      if (step == 0) parts.push_back({{"name", named[i].name}, {"seconds", OrderedJson::array()}});
      parts[i]["seconds"].push_back(named[i].seconds);
    }
  }
  return {{"names", names}, {"parts", std::move(parts)}};
}

std::string chart_section(std::string_view heading, std::string_view id, std::string_view note) {
  std::string out = fmt::format("<h2>{}</h2>\n", html_escaped(heading));
  if (!note.empty()) out += fmt::format("<p class=\"note\">{}</p>\n", note);
  out += fmt::format("<div class=\"chart\" id=\"{}\"></div>\n", id);
  return out;
}

std::string render_page(const HtmlPage& page, std::string_view plotly_js) {
  const std::string title = html_escaped(page.title);
  const std::string data = script_safe(page.data.dump());
  std::string html;
  html.reserve(plotly_js.size() + page.body.size() + data.size() + 64 * 1024);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += fmt::format("<title>{}</title>\n<style>{}</style>\n", title, kStyle);
  // plotly.js, inlined: the page fetches nothing.
  html += "<script>\n";
  html += plotly_js;
  html += "\n</script>\n</head>\n<body>\n";
  html += fmt::format("<h1>{}</h1>\n<ul id=\"errors\" hidden></ul>\n", title);
  html += page.body;
  html += "<script type=\"application/json\" id=\"page-data\">";
  html += data;
  html += "</script>\n<script>";
  html += kShellScript;
  html += "(function () {";
  html += page.script;
  html +=
      "})();\n</script>\n<p class=\"note\">Charts drawn with plotly.js (MIT license), "
      "inlined.</p>\n</body>\n</html>\n";
  return html;
}

}  // namespace trainsim
