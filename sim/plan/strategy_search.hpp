#pragma once
// `trainsim search` as one call (the CLI and the Python module): the searched settings are all
// but those the scenario's overrides set or the caller pins, the objective is checked against
// the scenario (a price for the money objectives), the search runs on the analytic engine, and
// the scenario's own strategy is predicted to compare with.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/api/trainsim.hpp"
#include "sim/search/search.hpp"

namespace trainsim {

struct SearchRequest {
  std::vector<std::string> overrides;  // --set: each searched setting it names is pinned
  std::vector<std::string> pins;       // searched settings kept at the scenario's values
  int top = 5;
  std::string objective = "time";
  double memory_headroom = kDefaultMemoryHeadroom;
  std::shared_ptr<const WorkSpread> spread;  // MPI ranks sharing the search
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct SearchAnswer {
  std::string scenario;  // its name
  Objective objective = Objective::time;
  double memory_headroom = kDefaultMemoryHeadroom;
  SearchResult result;
  std::optional<StepPrediction> own;  // the scenario's own strategy, when it is valid
  bool engine_changed = false;        // the scenario named the flow engine
};

// Throws InputError naming --pin, --objective or cluster.gpu_hour_usd for a bad request, and as
// search() does.
SearchAnswer search_scenario(const std::filesystem::path& scenario_file,
                             const SearchRequest& request);
// The same for a scenario already loaded with `request.overrides` applied.
SearchAnswer search_scenario(Scenario scenario, const SearchRequest& request);

}  // namespace trainsim
