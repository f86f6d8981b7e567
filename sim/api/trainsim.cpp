#include "sim/api/trainsim.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/search/search.hpp"

#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
#include "sim/network/flow_step.hpp"
#endif

namespace trainsim {

std::filesystem::path default_scenario_file() {
  return data_root() / "scenarios" / "default.json";
}

Json load_scenario_json(const std::filesystem::path& file,
                        const std::vector<std::string>& overrides) {
  Json json = load_json_file(file);
  for (const std::string& assignment : overrides) apply_override(json, assignment);
  return json;
}

namespace {

// The title says what was changed: "gpt3-175b on 1024 A100 with parallel.pp=8, parallel.dp=16"
// (unless the changes name the scenario themselves).
void title_with_overrides(Scenario& scenario, const std::vector<std::string>& overrides) {
  std::vector<std::string> shown;
  for (const std::string& assignment : overrides) {
    if (assignment.rfind("name=", 0) == 0) return;
    shown.push_back(assignment.size() > 60 ? assignment.substr(0, 57) + "..." : assignment);
  }
  if (!shown.empty()) scenario.name += fmt::format(" with {}", fmt::join(shown, ", "));
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& file,
                       const std::vector<std::string>& overrides) {
  Scenario scenario = parse_scenario(load_scenario_json(file, overrides), file.parent_path());
  title_with_overrides(scenario, overrides);
  return scenario;
}

Scenario parse_scenario_text(std::string_view json_text, const std::vector<std::string>& overrides,
                             const std::filesystem::path& base_dir) {
  Json json = parse_json_text(json_text, "scenario");
  for (const std::string& assignment : overrides) apply_override(json, assignment);
  Scenario scenario = parse_scenario(json, base_dir);
  title_with_overrides(scenario, overrides);
  return scenario;
}

bool has_flow_engine() {
#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
  return true;
#else
  return false;
#endif
}

namespace {

StepPrediction predict_on_engine(const Scenario& scenario, const PredictOptions& options) {
  switch (scenario.engine.network) {
    case NetworkEngineKind::analytic:
      return predict_step(scenario, options);
    case NetworkEngineKind::flow:
#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
      return predict_step_flow(scenario, options);
#else
      throw InputError("engine.network",
                       "'flow' needs the SimGrid flow engine, which this build does not have "
                       "(install libsimgrid-dev and rebuild), or use \"analytic\"");
#endif
  }
  throw std::logic_error("predict: unknown engine");
}

// Strategies searched for the next best value of each "auto" setting, to say what it beat.
constexpr int kAutoRunnersUp = 64;

// Why the search chose `field`'s value: what the winner beat, and the best strategy with another
// value of that setting.
std::string reason_for(SearchField field, const SearchResult& found) {
  const RankedStrategy& best = found.best.front();
  std::string reason =
      fmt::format("the fastest strategy that fits in memory of {} searched ({} predicted)",
                  found.counts.considered, found.counts.simulated);
  for (std::size_t i = 1; i < found.best.size(); ++i) {
    const RankedStrategy& other = found.best[i];
    if (value_of(other.choice, field) == value_of(best.choice, field)) continue;
    const double slower = other.prediction.step_time_s / best.prediction.step_time_s - 1;
    return reason + fmt::format("; the best with {} = {} is {:.1f}% slower", path_of(field),
                                value_of(other.choice, field).dump(), 100 * slower);
  }
  return reason + fmt::format("; the next {} best use it too", found.best.size() - 1);
}

}  // namespace

Scenario fill_auto_settings(const Scenario& scenario, std::vector<Assumption>* assumptions) {
  if (scenario.auto_settings.empty()) return scenario;
  SearchOptions search_options;
  search_options.fields = FieldSet::none();
  for (const std::string& path : scenario.auto_settings)
    search_options.fields.insert(*search_field_at(path));
  search_options.top = kAutoRunnersUp;
  search_options.keep_dp = true;  // a stated dp is not "auto"
  // "Fits" as predict reports it: the estimate already holds the runtime's reserves, and
  // published runs sit up to 98% of it (NeMo's Llama 3.1 405B recipes); `search` keeps a
  // planning margin instead (--memory-headroom).
  search_options.memory_headroom = 0;
  Scenario stated = scenario;
  stated.auto_settings.clear();
  const SearchResult found = search(stated, search_options);
  Scenario chosen = found.best.front().scenario;
  chosen.engine = scenario.engine;
  if (assumptions) {
    for (const std::string& path : scenario.auto_settings) {
      const SearchField field = *search_field_at(path);
      assumptions->push_back(
          {path, value_of(found.best.front().choice, field), reason_for(field, found)});
    }
  }
  return chosen;
}

StepPrediction predict(const Scenario& scenario, const PredictOptions& options) {
  if (!scenario.auto_settings.empty()) {
    std::vector<Assumption> assumptions;
    StepPrediction out = predict(fill_auto_settings(scenario, &assumptions), options);
    out.assumptions = std::move(assumptions);
    return out;
  }
  std::vector<Diagnostic> warnings;
  const Scenario ready = checked(scenario, &warnings);
  StepPrediction out = predict_on_engine(ready, options);
  out.warnings.insert(out.warnings.begin(), warnings.begin(), warnings.end());
  return out;
}

}  // namespace trainsim
