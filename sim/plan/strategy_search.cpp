#include "sim/plan/strategy_search.hpp"

#include <fmt/format.h>

namespace trainsim {
namespace {

// The searched settings: all of them, less those a --set or --pin names (parallel.dp among
// them: pinned, it constrains tp·pp·cp; otherwise it is derived for each strategy).
void pin_settings(const SearchRequest& request, SearchOptions& options) {
  options.fields = FieldSet::all();
  const auto pin = [&](const std::string& path) {
    if (path == "parallel.dp") {
      options.keep_dp = true;
      return true;
    }
    const auto field = search_field_at(path);
    if (field) options.fields.erase(*field);
    return field.has_value();
  };
  for (const std::string& assignment : request.overrides)
    pin(assignment.substr(0, assignment.find('=')));
  for (const std::string& path : request.pins)
    if (!pin(path))
      throw InputError("--pin", fmt::format("'{}' is not a searched setting; allowed: "
                                            "parallel.dp, {}",
                                            path, searchable_paths()));
}

}  // namespace

SearchAnswer search_scenario(const std::filesystem::path& scenario_file,
                             const SearchRequest& request) {
  return search_scenario(load_scenario(scenario_file, request.overrides), request);
}

SearchAnswer search_scenario(Scenario scenario, const SearchRequest& request) {
  const auto objective = objective_named(request.objective);
  if (!objective)
    throw InputError("--objective", fmt::format("'{}'; allowed: time, cost, tokens_per_dollar",
                                                request.objective));
  if (*objective != Objective::time && scenario.cluster.gpu_hour_usd <= 0)
    throw InputError("cluster.gpu_hour_usd",
                     fmt::format("--objective {} needs a price per GPU-hour: GPU '{}' has no "
                                 "default in hardware/presets/prices.json; set "
                                 "cluster.gpu_hour_usd",
                                 request.objective, scenario.cluster.gpu.name));
  SearchAnswer answer;
  answer.engine_changed = scenario.engine.network != NetworkEngineKind::analytic;
  scenario.engine.network = NetworkEngineKind::analytic;

  SearchOptions options;
  pin_settings(request, options);
  options.top = request.top;
  options.memory_headroom = request.memory_headroom;
  options.spread = request.spread;
  options.progress = request.progress;
  answer.result = search(scenario, options);
  answer.scenario = scenario.name;
  answer.objective = *objective;
  answer.memory_headroom = request.memory_headroom;
  try {
    answer.own = predict(scenario);
  } catch (const InputError&) {
    // The scenario's own strategy is not valid: nothing to compare with.
  } catch (const InfeasibleError&) {
  }
  return answer;
}

}  // namespace trainsim
