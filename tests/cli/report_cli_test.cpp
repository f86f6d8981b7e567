// `trainsim report` as users run it: a page written where asked, and what it cannot do refused
// with exit 2 before anything is predicted. (The page in a browser: tests/report.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "sim/core/json_fields.hpp"
#include "tests/cli/cli_run.hpp"

namespace trainsim {
namespace {

using test::trainsim;

std::filesystem::path temp_page(const char* name) {
  return std::filesystem::temp_directory_path() / name;
}

TEST(ReportCli, WritesOnePageWithTheScenariosSettingsApplied) {
  const auto page = temp_page("trainsim_report_cli_test.html");
  std::filesystem::remove(page);
  const std::string sets = "--set parallel.vpp=2 --set parallel.schedule=interleaved";
  const auto run = trainsim("report " + sets + " -o " + page.string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("wrote " + page.string()), std::string::npos) << run.out;
  const std::string html = test::slurp(page);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // The page's step is predict's for the same settings.
  const auto predicted = trainsim("predict " + sets + " --format json");
  ASSERT_EQ(predicted.status, 0) << predicted.err;
  const double step_s = Json::parse(predicted.out).at("step_time_s").get<double>();
  EXPECT_NE(html.find(fmt::format("<span>step {:.3f} s</span>", step_s)), std::string::npos);
  std::filesystem::remove(page);
}

TEST(ReportCli, NoOutputAnUnwritableOneOrBadInputExitTwoNamingIt) {
  EXPECT_EQ(trainsim("report").status, 2);  // -o is required
  const auto unwritable = trainsim("report -o /nonexistent-dir/report.html");
  EXPECT_EQ(unwritable.status, 2);
  EXPECT_NE(unwritable.err.find("--output"), std::string::npos) << unwritable.err;
  const auto bad =
      trainsim("report --set parallel.tp=7 -o " + temp_page("trainsim_report_bad.html").string());
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("parallel.tp"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(temp_page("trainsim_report_bad.html")));  // no empty page
}

TEST(ReportCli, AMissingPlotlyLibraryIsNamedWithHowToInstallIt) {
  ::setenv("TRAINSIM_PLOTLY_JS", "/nonexistent/plotly.js", 1);
  const auto missing = trainsim("report -o " + temp_page("trainsim_report_noplotly.html").string());
  ::unsetenv("TRAINSIM_PLOTLY_JS");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("TRAINSIM_PLOTLY_JS"), std::string::npos) << missing.err;
}

TEST(ReportCli, CompareSearchAndSweepWriteTheirPageBesideWhatTheyPrint) {
  const auto search_page = temp_page("trainsim_search_page_test.html");
  const auto search = trainsim("search --top 2 --pin parallel.tp --pin parallel.pp --report " +
                               search_page.string());
  ASSERT_EQ(search.status, 0) << search.err;
  EXPECT_NE(search.out.find("why:"), std::string::npos);  // the table is still printed
  EXPECT_NE(test::slurp(search_page).find("id=\"search-breakdown\""), std::string::npos);
  std::filesystem::remove(search_page);

  const auto sweep_page = temp_page("trainsim_sweep_page_test.html");
  const auto sweep = trainsim("sweep --vary cluster.gpus=512,1024 --report " + sweep_page.string());
  ASSERT_EQ(sweep.status, 0) << sweep.err;
  EXPECT_NE(test::slurp(sweep_page).find("id=\"sweep-step\""), std::string::npos);
  std::filesystem::remove(sweep_page);

  const auto compare_page = temp_page("trainsim_compare_page_test.html");
  const auto compare =
      trainsim("compare --set parallel.vpp=2 --set parallel.schedule=interleaved --report " +
               compare_page.string());
  ASSERT_EQ(compare.status, 0) << compare.err;
  EXPECT_NE(test::slurp(compare_page).find("id=\"timeline-b\""), std::string::npos);
  std::filesystem::remove(compare_page);

  for (const char* command :
       {"search --top 2", "sweep --vary cluster.gpus=512", "compare --set parallel.pp=8"}) {
    const auto run = trainsim(std::string(command) + " --report /nonexistent-dir/page.html");
    EXPECT_EQ(run.status, 2) << command;
    EXPECT_NE(run.err.find("--report"), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace trainsim
