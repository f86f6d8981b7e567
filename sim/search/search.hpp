#pragma once
// The best parallel strategies for a scenario's model, cluster and batch: `trainsim search`,
// and what fills a scenario's "auto" settings.
//
// Exact and fast together. Every point of the space (search_space.hpp) is either redundant,
// invalid (scenario_checks.hpp says why), over memory (closed form, memory.hpp), provably no
// better than the K best found so far (step_time_bound.hpp), or predicted on the analytic engine
// as the façade's predict does (sim/api, which calls the search to fill "auto" settings). So the
// answer is the one exhaustive enumeration gives; only the work differs.
// Points are examined in order of their bound, in fixed-size waves whose points are predicted in
// parallel (oneTBB) and merged in a fixed order: the answer, the counts and the output do not
// depend on the number of threads.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/parallel/predict.hpp"
#include "sim/search/search_space.hpp"
#include "sim/search/work_spread.hpp"

namespace trainsim {

// What "best" means. With the GPU count fixed by the scenario every objective ranks by step
// time; they differ in the figure shown (and in a sweep across GPU counts).
enum class Objective { time, cost, tokens_per_dollar };
std::string_view name_of(Objective objective);
// nullopt for an unknown name.
std::optional<Objective> objective_named(std::string_view name);

// What an objective shows for a prediction: seconds per step; US dollars for the whole run
// (training.tokens) or else per step; tokens per dollar. nullopt for a money objective without a
// price per GPU-hour (cluster.gpu_hour_usd, or the GPU's default in prices.json).
struct ObjectiveValue {
  double value = 0;
  std::string_view unit;  // "s/step", "USD", "USD/step", "tokens/USD"
};
std::optional<ObjectiveValue> objective_value(Objective objective, const Scenario& scenario,
                                              const StepPrediction& prediction);

struct SearchOptions {
  FieldSet fields = FieldSet::all();  // the settings searched; the others keep their values
  // Whether the scenario's dp (when it states one) constrains tp·pp·cp; otherwise dp is derived
  // from the GPUs for every strategy.
  bool keep_dp = false;
  int top = 5;  // how many of the best to return
  // Peak memory must stay within capacity × (1 − headroom): allocator fragmentation and what
  // the estimate leaves out.
  double memory_headroom = kDefaultMemoryHeadroom;
  bool prune = true;  // false: predict every feasible point (the exhaustive reference)
  // Called after each wave from the calling thread: points settled so far, and in all.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
  // Shares the work with other processes (MPI ranks; sim/mpi); null: this process alone. Every
  // process gets the same result.
  std::shared_ptr<const WorkSpread> spread;
};

// Where each point of the space went; they add up to `considered`.
struct SearchCounts {
  std::uint64_t considered = 0;  // the space's size
  std::uint64_t redundant = 0;   // a setting without effect (SearchSpace::is_redundant)
  std::uint64_t invalid = 0;     // rejected by the scenario checks (divisibility and the like)
  std::uint64_t over_memory = 0;
  std::uint64_t bounded = 0;  // its lower bound exceeds the K-th best step time
  std::uint64_t simulated = 0;
  bool operator==(const SearchCounts&) const = default;
};

struct RankedStrategy {
  StrategyChoice choice;
  std::uint64_t index = 0;  // position in the space: ties in step time go to the lower
  Scenario scenario;        // the scenario with the strategy applied, as stated
  StepPrediction prediction;
};

struct SearchResult {
  std::vector<RankedStrategy> best;  // best first, at most `top`
  SearchCounts counts;
};

// Throws InputError when the scenario has an error outside the strategy (a model, cluster or
// precision problem no strategy can fix), or the space is too large to search (naming the field
// to pin); InfeasibleError when no point fits in memory, naming the one that comes closest.
SearchResult search(const Scenario& stated, const SearchOptions& options = {});

}  // namespace trainsim
