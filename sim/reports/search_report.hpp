#pragma once
// A strategy search rendered for people (table), scripts (JSON: one object) and spreadsheets
// (CSV: one row per strategy).
#include <optional>
#include <string>

#include "sim/plan/strategy_search.hpp"
#include "sim/reports/reports.hpp"
#include "sim/search/search.hpp"

namespace trainsim {

// What a search report shows besides the result.
struct SearchReportContext {
  std::string scenario;  // its name
  Objective objective = Objective::time;
  double memory_headroom = 0.05;
  // The scenario's own strategy, predicted, when it is valid: how much the best improves on it.
  std::optional<StepPrediction> own;
};

// The part of a step lost to something other than computation that is largest, by name
// ("bubble", "exposed dp", "optimizer", ...), and its seconds.
struct Loss {
  std::string name;
  double seconds = 0;
};
Loss largest_loss(const Breakdown& breakdown);

// One sentence: by how much the winner beats the runner-up, which parts of the step differ (in
// seconds) and which settings. Empty with fewer than two results.
std::string why_winner_wins(const SearchResult& result);

// What a search_scenario() answer is reported with.
SearchReportContext context_of(const SearchAnswer& answer);

OrderedJson search_to_json(const SearchResult& result, const SearchReportContext& context);
std::string search_to_table(const SearchResult& result, const SearchReportContext& context);
std::string search_to_csv(const SearchResult& result, const SearchReportContext& context);

// The searchable settings of a strategy as the scenario's "parallel" and "training" objects.
OrderedJson strategy_to_json(const StrategyChoice& choice, int dp);

}  // namespace trainsim
