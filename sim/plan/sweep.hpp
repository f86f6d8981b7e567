#pragma once
// `trainsim sweep`: one scenario predicted (or searched) at every point of a cartesian product of
// variations — the capacity planner's "GPUs 64 to 4096 × H100 vs H200 × 200G vs 400G".
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/api/trainsim.hpp"
#include "sim/search/search.hpp"

namespace trainsim {

// One varied scenario field and its values, in order.
struct Variation {
  std::string path;  // "cluster.gpus"
  std::vector<Json> values;
};

// `PATH=V1,V2,...` (each value JSON when it parses, else a string, as --set), or a range of
// numbers `PATH=A..B*F` (A, A·F, A·F², ... up to B), `PATH=A..B+S` (A, A+S, ... up to B) or
// `PATH=A..B` (step 1). Throws InputError naming `--vary` and what is wrong.
Variation parse_variation(std::string_view spec);

// More points than a sweep predicts: each may be a search of its own.
inline constexpr std::size_t kMaxSweepPoints = 100'000;

struct SweepOptions {
  std::vector<Variation> vary;
  std::vector<std::string> overrides;  // --set, applied before each point's values
  // Search the best strategy at each point (top 1) instead of predicting the stated one; a
  // strategy setting that is --set or varied is pinned.
  bool search = false;
  SearchOptions search_options;
};

struct SweepPoint {
  std::vector<Json> values;  // one per variation
  enum class Status { ok, invalid, infeasible } status = Status::ok;
  std::string message;  // why the point could not be predicted
  std::optional<StepPrediction> prediction;
  std::optional<StrategyChoice> strategy;  // the searched strategy (with `search`)
};

// The points in order (the first variation varies slowest), predicted in parallel (points on the
// flow engine afterwards, one at a time: each forks a SimGrid process); with
// search_options.spread over several processes, a plain sweep deals point i to process i mod N
// and every process gets every prediction, a searched one shares each point's search. A point whose
// scenario is invalid or infeasible is reported as such; the sweep goes on. Varying the cluster
// size (cluster.gpus or cluster.nodes) drops the scenario's other size field and, unless it is
// set or varied too, its parallel.dp (derived for each size). Throws InputError for a bad
// variation (empty, repeated, or a product above kMaxSweepPoints).
std::vector<SweepPoint> sweep(const std::filesystem::path& scenario_file,
                              const SweepOptions& options);

std::string_view name_of(SweepPoint::Status status);

}  // namespace trainsim
