// `trainsim report` (sim/reports/html_report.hpp): the page's data is the explained step itself —
// every task of the timeline once, memory parts that add up to each stage's peak, the scaling
// points of the sweep — and the page inlines everything it draws with (tests/report checks it in
// a real browser).
#include "sim/reports/html_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sim/core/units.hpp"
#include "sim/reports/html_page.hpp"
#include "sim/reports/plan_pages.hpp"
#include "sim/reports/sweep_report.hpp"

namespace trainsim {
namespace {

const std::filesystem::path kDefault = data_root() / "scenarios" / "default.json";

struct Report {
  Explanation explanation;
  std::vector<SweepPoint> scaling;
  OrderedJson data;
};

const Report& default_report() {
  static const Report report = [] {
    Report r{explain(load_scenario(kDefault)), {}, {}};
    SweepOptions options;
    Variation gpus{"cluster.gpus", {}};
    for (const std::int64_t n : scaling_gpu_counts(r.explanation.scenario.gpus))
      gpus.values.emplace_back(n);
    options.vary.push_back(gpus);
    r.scaling = sweep(kDefault, options);
    r.data = report_data(r.explanation, r.scaling);
    return r;
  }();
  return report;
}

TEST(HtmlReport, TheScalingPlotSpansAQuarterToFourTimesTheGpus) {
  EXPECT_EQ(scaling_gpu_counts(1024), (std::vector<std::int64_t>{256, 512, 1024, 2048, 4096}));
  EXPECT_EQ(scaling_gpu_counts(2), (std::vector<std::int64_t>{1, 2, 4, 8}));
  EXPECT_EQ(scaling_gpu_counts(1), (std::vector<std::int64_t>{1, 2, 4}));
}

TEST(HtmlReport, TheTimelineHoldsEveryTaskThatTakesTimeOnceInItsRow) {
  const Report& r = default_report();
  const StepPrediction& p = r.explanation.prediction;
  const OrderedJson& tl = r.data.at("timeline");
  std::size_t with_time = 0;
  double last_end_ms = 0;
  for (TaskId id = 0; id < p.workload->graph.task_count(); ++id) {
    const TaskTiming& t = p.timeline->timing[id];
    if (t.end_s > t.start_s) ++with_time;
    last_end_ms = std::max(last_end_ms, 1e3 * t.end_s);
  }
  std::size_t bars = 0;
  for (const OrderedJson& series : tl.at("series")) {
    const std::size_t n = series.at("row").size();
    EXPECT_EQ(series.at("start_ms").size(), n);
    EXPECT_EQ(series.at("duration_ms").size(), n);
    EXPECT_EQ(series.at("label").size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_LT(series.at("row")[i].get<std::size_t>(), tl.at("rows").size());
      EXPECT_GT(series.at("duration_ms")[i].get<double>(), 0);
    }
    bars += n;
  }
  EXPECT_EQ(bars, with_time);
  EXPECT_EQ(tl.at("tasks_shown").get<std::size_t>(), with_time);
  EXPECT_EQ(tl.at("stages_shown").size(), 16u);  // 12k tasks: every stage fits
  EXPECT_NEAR(tl.at("step_ms").get<double>(), 1e3 * p.step_time_s, 1e-6);
  EXPECT_NEAR(last_end_ms, tl.at("step_ms").get<double>(), 1e-6);
  EXPECT_EQ(tl.at("rows")[0].get<std::string>(), "stage 0 compute");
}

TEST(HtmlReport, AStepBeyondWhatABrowserDrawsShowsTheStagesNearestTheExplainedOne) {
  // 1536 micro-batches per pipeline: about 100 k tasks, beyond kMaxReportTimelineTasks.
  const Explanation x = explain(load_scenario(kDefault, {"training.global_batch=12288"}));
  const OrderedJson tl = report_data(x, {}).at("timeline");
  EXPECT_GT(tl.at("tasks").get<std::size_t>(), kMaxReportTimelineTasks);
  EXPECT_LE(tl.at("tasks_shown").get<std::size_t>(), kMaxReportTimelineTasks);
  const std::vector<int> shown = tl.at("stages_shown").get<std::vector<int>>();
  ASSERT_FALSE(shown.empty());
  EXPECT_LT(shown.size(), 16u);
  // A contiguous run of stages around the explained one.
  EXPECT_NE(std::find(shown.begin(), shown.end(), x.prediction.critical_stage), shown.end());
  for (std::size_t i = 1; i < shown.size(); ++i) EXPECT_EQ(shown[i], shown[i - 1] + 1);
  EXPECT_NE(report_html(report_data(x, {}), "").find("shown are the"), std::string::npos);
}

TEST(HtmlReport, EachStagesMemoryBarAddsUpToItsPeak) {
  const Report& r = default_report();
  const OrderedJson& memory = r.data.at("memory");
  ASSERT_EQ(memory.at("stages").size(), 16u);
  double highest = 0;
  for (std::size_t s = 0; s < memory.at("stages").size(); ++s) {
    double sum = 0;
    for (const OrderedJson& part : memory.at("parts")) sum += part.at("GiB")[s].get<double>();
    const double peak = memory.at("peak_GiB")[s].get<double>();
    EXPECT_NEAR(sum, peak, 1e-3) << "stage " << s;
    highest = std::max(highest, peak);
  }
  // The highest stage is what predict reports as the GPU's memory.
  EXPECT_NEAR(highest, to_gib(r.explanation.prediction.memory.peak_bytes), 1e-3);
  EXPECT_NEAR(memory.at("capacity_GiB").get<double>(), 80, 1e-9);
}

TEST(HtmlReport, TheScalingPointsAreTheSweepsPredictions) {
  const Report& r = default_report();
  const OrderedJson& scaling = r.data.at("scaling");
  ASSERT_EQ(scaling.size(), r.scaling.size());
  for (std::size_t i = 0; i < scaling.size(); ++i) {
    ASSERT_TRUE(r.scaling[i].prediction.has_value());
    EXPECT_EQ(scaling[i].at("step_time_s").get<double>(), r.scaling[i].prediction->step_time_s);
  }
  // The scenario's own GPU count is the explained step.
  EXPECT_EQ(scaling[2].at("gpus").get<std::int64_t>(), 1024);
  EXPECT_EQ(scaling[2].at("step_time_s").get<double>(), r.explanation.prediction.step_time_s);
}

TEST(HtmlReport, ThePageInlinesTheLibraryAndItsDataAndFetchesNothing) {
  const Report& r = default_report();
  const std::string library = "/* stand-in for plotly.js */ window.Plotly = {};";
  const std::string html = report_html(r.data, library);
  EXPECT_NE(html.find(library), std::string::npos);
  EXPECT_NE(html.find("id=\"page-data\""), std::string::npos);
  for (const char* chart : {"timeline", "breakdown", "memory", "scaling", "communication"})
    EXPECT_NE(html.find(std::string("id=\"") + chart + "\""), std::string::npos) << chart;
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(HtmlReport, TextInThePageCannotEndItsScriptOrMarkup) {
  Report r = default_report();
  r.data["explanation"]["scenario"] = "</script><b>x</b>";
  r.data["explanation_text"] = "a <b> & </pre>";
  const std::string html = report_html(r.data, "");
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_NE(html.find("<h1>trainsim report: &lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</h1>"),
            std::string::npos);
  EXPECT_NE(html.find("a &lt;b&gt; &amp; &lt;/pre&gt;"), std::string::npos);
  // The data reads back as written.
  const std::size_t begin = html.find('>', html.find("id=\"page-data\"")) + 1;
  const std::size_t end = html.find("</script>", begin);
  EXPECT_EQ(OrderedJson::parse(html.substr(begin, end - begin)), r.data);
}

TEST(HtmlReport, AComparePageHoldsBothTimelinesAndTheComparison) {
  PredictOptions keep;
  keep.keep_timeline = true;
  const std::filesystem::path tour = data_root() / "scenarios" / "teaching";
  Comparison c;
  c.a_label = "naive";
  c.b_label = "pipelined";
  c.a = predict(load_scenario(tour / "05-naive-model-parallel.json"), keep);
  c.b = predict(load_scenario(tour / "06-pipeline-parallel.json"), keep);
  const std::string html = compare_page(c, "");
  const std::size_t begin = html.find('>', html.find("id=\"page-data\"")) + 1;
  const OrderedJson data =
      OrderedJson::parse(html.substr(begin, html.find("</script>", begin) - begin));
  EXPECT_EQ(data.at("comparison"), comparison_to_json(c));
  EXPECT_EQ(data.at("a_timeline"), timeline_data(c.a));
  EXPECT_EQ(data.at("b_timeline"), timeline_data(c.b));
  // Naive model parallelism: one micro-batch, so each stage's compute is one forward and one
  // backward bar; pipelined, 64 of each.
  for (const OrderedJson& series : data.at("a_timeline").at("series")) {
    if (series.at("category") == "compute") {
      EXPECT_EQ(series.at("row").size(), 4u * 2);
    }
  }
  for (const char* chart : {"timeline-a", "timeline-b", "compare-breakdown"})
    EXPECT_NE(html.find(std::string("<div class=\"chart\" id=\"") + chart + "\">"),
              std::string::npos)
        << chart;
  EXPECT_NE(html.find(html_escaped(comparison_sentence(c))), std::string::npos);
}

// The JSON a page carries, read back from it.
OrderedJson page_data(const std::string& html) {
  const std::size_t begin = html.find('>', html.find("id=\"page-data\"")) + 1;
  return OrderedJson::parse(html.substr(begin, html.find("</script>", begin) - begin));
}

TEST(HtmlPages, ASearchPageCarriesWhatSearchPrintsAsJson) {
  SearchOptions options;
  options.top = 3;
  options.fields = FieldSet::none();
  options.fields.insert(SearchField::micro_batch);
  options.fields.insert(SearchField::recompute);
  const Scenario scenario = load_scenario(kDefault);
  const SearchResult result = search(scenario, options);
  SearchReportContext context;
  context.scenario = scenario.name;
  const std::string html = search_page(result, context, "");
  EXPECT_EQ(page_data(html).at("search"), search_to_json(result, context));
  for (const char* chart : {"search-breakdown", "search-memory"})
    EXPECT_NE(html.find(std::string("<div class=\"chart\" id=\"") + chart + "\">"),
              std::string::npos)
        << chart;
  EXPECT_NE(html.find(html_escaped(why_winner_wins(result))), std::string::npos);
}

TEST(HtmlPages, ASweepPageCarriesWhatSweepPrintsAsJson) {
  SweepOptions options;
  options.vary.push_back(parse_variation("cluster.gpus=512,1024"));
  const std::vector<SweepPoint> points = sweep(kDefault, options);
  const std::string html = sweep_page(options, points, "");
  EXPECT_EQ(page_data(html).at("sweep"), sweep_to_json(options, points));
  for (const char* chart : {"sweep-step", "sweep-mfu", "sweep-memory"})
    EXPECT_NE(html.find(std::string("<div class=\"chart\" id=\"") + chart + "\">"),
              std::string::npos)
        << chart;
}

}  // namespace
}  // namespace trainsim
