#include "sim/search/search.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "sim/core/errors.hpp"
#include "sim/core/units.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/scenario_checks.hpp"
#include "sim/parallel/scenario_defaults.hpp"
#include "sim/search/step_time_bound.hpp"

namespace trainsim {
namespace {

// Points predicted per wave. Fixed, so that which points a search predicts (and its counts)
// depend only on the scenario, not on the threads; large enough to keep every core busy.
constexpr std::size_t kWavePoints = 48;
// Layouts × (micro-batch, recompute, flags) beyond which a search would run for minutes (a
// GPT-3 search on 65,536 GPUs has 0.4 million and takes seconds on 2 cores).
constexpr std::uint64_t kMaxGroups = 1'000'000;
// The scenario checks' limit on simulated pass tasks (scenario_checks.cpp).
constexpr std::int64_t kMaxPassTasks = std::int64_t{1} << 22;

constexpr double kInf = std::numeric_limits<double>::infinity();

// One layout × (micro-batch, recompute, sequence parallel, TP overlap): its points share the
// per-pass costs.
struct Group {
  StrategyChoice choice;  // schedule, vpp, zero and shard at placeholders
  std::int64_t dp = 0;
  std::uint64_t first_index = 0;  // the space index of its first point
};

// A group with one (schedule, vpp): its points (ZeRO stage × shard size) share the bound.
struct Unit {
  std::uint32_t group = 0;
  std::uint32_t schedule_point = 0;  // position in the group's (schedule, vpp) list
  ScheduleKind schedule = ScheduleKind::one_f_one_b;
  int vpp = 1;
  double bound_s = 0;
};

struct ScheduleOption {
  ScheduleKind schedule;
  int vpp;
};

std::vector<ScheduleOption> schedule_options(const SearchSpace& space) {
  std::vector<ScheduleOption> out;
  for (ScheduleKind s : space.schedule) {
    if (s == ScheduleKind::interleaved)
      for (int v : space.interleaved_vpp) out.push_back({s, v});
    else
      out.push_back({s, space.fixed_vpp});
  }
  return out;
}

struct ZeroOption {
  int zero;
  int shard;
};

std::vector<ZeroOption> zero_options(const SearchSpace& space) {
  std::vector<ZeroOption> out;
  for (int z : space.zero)
    for (int shard : space.shard_sizes(z)) out.push_back({z, shard});
  return out;
}

// The checks below only reject what check_scenario also rejects (each names the check it
// mirrors); they let whole groups go without building a scenario. check_scenario has the last
// word on every point that is predicted.
bool layout_invalid(const Scenario& s, const StrategyChoice& c, std::int64_t* dp) {
  const ModelSpec& m = s.model;
  const std::int64_t model_parallel = std::int64_t{c.tp} * c.pp * c.cp;
  if (s.gpus % model_parallel != 0) return true;  // check_degrees
  *dp = s.gpus / model_parallel;
  if (s.parallel.dp > 0 && s.parallel.dp != *dp) return true;
  // check_model_split
  if (m.heads % c.tp != 0 || (m.kv_heads % c.tp != 0 && c.tp % m.kv_heads != 0)) return true;
  if (s.training.seq_len % c.cp != 0) return true;
  if (s.parallel.layer_split == LayerSplit::even && m.layers % c.pp != 0) return true;
  // check_experts
  if (c.etp > 0 && m.moe && (c.tp % c.etp != 0 || m.moe->expert_ffn_hidden % c.etp != 0))
    return true;
  if (c.ep > 1) {
    if (!m.moe || m.moe->experts % c.ep != 0) return true;
    const int etp = c.etp > 0 ? c.etp : c.tp;
    if ((std::int64_t{c.tp} * c.cp * *dp) % (std::int64_t{c.ep} * etp) != 0) return true;
  }
  return false;
}

bool group_invalid(const Scenario& s, const StrategyChoice& c, std::int64_t dp) {
  if (s.training.global_batch % (c.micro_batch * dp) != 0) return true;  // check_schedule
  // check_tensor_parallel, check_experts
  if (c.tp > 1 && !c.sequence_parallel && (c.tp_comm_overlap || c.ep > 1)) return true;
  return false;
}

bool schedule_invalid(const Scenario& s, const StrategyChoice& c, std::int64_t dp,
                      ScheduleOption o) {
  // check_schedule, check_model_split
  const std::int64_t m = s.training.global_batch / (c.micro_batch * dp);
  const int chunks = o.schedule == ScheduleKind::interleaved ? o.vpp
                     : o.schedule == ScheduleKind::zb_v      ? 2
                                                             : 1;
  if (o.schedule == ScheduleKind::interleaved) {
    if (o.vpp < 2 || c.pp < 2 || m % c.pp != 0) return true;
  } else if (o.vpp > 1) {
    return true;
  }
  if (o.schedule == ScheduleKind::zb_v && c.pp < 2) return true;
  if (s.parallel.layer_split == LayerSplit::even && s.model.layers % (std::int64_t{c.pp} * chunks))
    return true;
  const bool split_weights = o.schedule == ScheduleKind::zb_h1 || o.schedule == ScheduleKind::zb_v;
  return m * c.pp * chunks * (split_weights ? 3 : 2) > kMaxPassTasks;
}

bool shard_invalid(int shard, std::int64_t dp_cp) {
  return shard > 0 && dp_cp % shard != 0;  // check_effects
}

// What the scenario gets wrong outside the strategy: no strategy can fix it.
void throw_non_strategy_errors(const Scenario& stated) {
  std::vector<Diagnostic> fixed_errors;
  for (const Diagnostic& d : check_scenario(stated)) {
    const bool strategy = d.path.rfind("parallel", 0) == 0 || d.path == "training.micro_batch" ||
                          d.path == "training.recompute" || d.path == "training.global_batch";
    if (d.severity == Severity::error && !strategy) fixed_errors.push_back(d);
  }
  throw_first_error(fixed_errors);
}

std::string describe(const StrategyChoice& c) {
  std::string out = fmt::format("tp {} pp {}", c.tp, c.pp);
  if (c.cp > 1) out += fmt::format(" cp {}", c.cp);
  if (c.ep > 1) out += fmt::format(" ep {}", c.ep);
  out += fmt::format(" micro_batch {} recompute {} zero {}", c.micro_batch, name_of(c.recompute),
                     c.zero);
  return out;
}

// The field with the most candidates among those that multiply the groups.
std::string_view widest_field(const SearchSpace& space) {
  const std::pair<SearchField, std::size_t> sizes[] = {
      {SearchField::tp, space.tp.size()},
      {SearchField::pp, space.pp.size()},
      {SearchField::cp, space.cp.size()},
      {SearchField::ep, space.ep.size()},
      {SearchField::micro_batch, space.micro_batch.size()}};
  return path_of(std::max_element(std::begin(sizes), std::end(sizes), [](auto& a, auto& b) {
                   return a.second < b.second;
                 })->first);
}

// What became of one predicted-or-rejected point of a wave.
// Sent between processes as bytes: only what the merge needs. The prediction stays with the
// process that made it; finish() predicts again what another process ranked best.
struct Outcome {
  enum class Kind : std::uint8_t { invalid, over_memory, simulated } kind = Kind::invalid;
  double peak_bytes = 0;
  double step_time_s = 0;
};

struct Closest {
  std::uint64_t index = std::numeric_limits<std::uint64_t>::max();
  double peak_bytes = kInf;
  double allowed_bytes = 0;
  StrategyChoice choice;
};

struct Ranked {
  double step_time_s;
  std::uint64_t index;
  StrategyChoice choice;
  std::optional<StepPrediction> prediction;  // absent: made by another process
};

// Trivially copyable records as bytes, and back: what processes exchange.
template <typename T>
std::string to_bytes(const std::vector<T>& items) {
  static_assert(std::is_trivially_copyable_v<T>);
  return std::string(reinterpret_cast<const char*>(items.data()), items.size() * sizeof(T));
}

template <typename T>
void append_from_bytes(const std::string& bytes, std::vector<T>& out) {
  static_assert(std::is_trivially_copyable_v<T>);
  const std::size_t n = bytes.size() / sizeof(T);
  if (n == 0) return;  // memcpy from an empty string's data() is undefined
  const std::size_t at = out.size();
  out.resize(at + n);
  std::memcpy(static_cast<void*>(out.data() + at), bytes.data(), n * sizeof(T));
}

class Searcher {
 public:
  Searcher(const Scenario& stated, const SearchOptions& options)
      : stated_(stated), options_(options) {
    // Thousands of points: the fast engine (the flow engine takes seconds per point).
    stated_.engine.network = NetworkEngineKind::analytic;
    resolve_defaults(stated_);  // seq_len for the checks; dp etc. are reset per point
    stated_.parallel.dp = options.keep_dp ? stated.parallel.dp : 0;
    stated_.parallel.bucket_params = stated.parallel.bucket_params;
    stated_.parallel.p2p_overlap = stated.parallel.p2p_overlap;
    space_ = search_space(stated_, options.fields);
    schedules_ = schedule_options(space_);
    zeros_ = zero_options(space_);
    counts_.considered = space_.size();
  }

  SearchResult run() {
    enumerate_groups();
    bound_units();
    examine_units();
    return finish();
  }

 private:
  std::uint64_t points_per_group() const { return schedules_.size() * zeros_.size(); }

  void enumerate_groups() {
    const SearchSpace& sp = space_;
    const std::uint64_t groups_per_layout = sp.micro_batch.size() * sp.recompute.size() *
                                            sp.sequence_parallel.size() * sp.tp_comm_overlap.size();
    const std::uint64_t layouts =
        sp.tp.size() * sp.pp.size() * sp.cp.size() * sp.ep.size() * sp.etp.size();
    if (layouts * groups_per_layout > kMaxGroups)
      throw InputError(
          std::string(widest_field(sp)),
          fmt::format("the search space has {} strategies ({} layouts and batch settings to cost); "
                      "pin {} (or another setting) with --set to search a smaller space",
                      sp.size(), layouts * groups_per_layout, widest_field(sp)));
    const std::uint64_t per_group = points_per_group();
    StrategyChoice c = choice_of(stated_);
    std::uint64_t index = 0;
    for (int tp : sp.tp)
      for (int pp : sp.pp)
        for (int cp : sp.cp)
          for (int ep : sp.ep)
            for (int etp : sp.etp) {
              c.tp = tp, c.pp = pp, c.cp = cp, c.ep = ep, c.etp = etp;
              std::int64_t dp = 0;
              const std::uint64_t layout_points = groups_per_layout * per_group;
              if (sp.layout_redundant(tp, etp)) {
                counts_.redundant += layout_points;
                index += layout_points;
                continue;
              }
              if (layout_invalid(stated_, c, &dp)) {
                counts_.invalid += layout_points;
                index += layout_points;
                continue;
              }
              for (std::int64_t mb : sp.micro_batch)
                for (RecomputeKind rc : sp.recompute)
                  for (bool seq : sp.sequence_parallel)
                    for (bool overlap : sp.tp_comm_overlap) {
                      c.micro_batch = mb, c.recompute = rc, c.sequence_parallel = seq,
                      c.tp_comm_overlap = overlap;
                      if (sp.group_redundant(tp, seq, overlap))
                        counts_.redundant += per_group;
                      else if (group_invalid(stated_, c, dp))
                        counts_.invalid += per_group;
                      else
                        groups_.push_back({c, dp, index});
                      index += per_group;
                    }
            }
  }

  // Per group, in parallel: its pass costs, and the bound of each (schedule, vpp).
  void bound_units() {
    struct GroupUnits {
      std::vector<Unit> units;
      std::uint64_t redundant = 0, invalid = 0;
    };
    std::vector<GroupUnits> per_group(groups_.size());
    const ComputeCost compute(stated_.cluster.gpu, stated_.cluster.profile);
    const CollectiveCost collectives(stated_.cluster.gpu, stated_.cluster.node,
                                     stated_.cluster.network, stated_.comm);
    tbb::enumerable_thread_specific<Scenario> scratch(stated_);
    tbb::parallel_for(std::size_t{0}, groups_.size(), [&](std::size_t g) {
      if (!mine(g)) return;
      const Group& group = groups_[g];
      GroupUnits& out = per_group[g];
      Scenario& s = scratch.local();
      apply_choice(group.choice, stated_, s);
      resolve_defaults(s);
      const PassCostTable costs = build_pass_costs(s, compute, collectives, parallel_groups(s));
      const auto zero_points = static_cast<std::uint64_t>(zeros_.size());
      for (std::size_t i = 0; i < schedules_.size(); ++i) {
        const ScheduleOption o = schedules_[i];
        if (space_.schedule_redundant(group.choice.pp, o.schedule)) {
          out.redundant += zero_points;
          continue;
        }
        if (schedule_invalid(stated_, group.choice, group.dp, o)) {
          out.invalid += zero_points;
          continue;
        }
        s.parallel.schedule = o.schedule;
        s.parallel.vpp = o.vpp;
        out.units.push_back({static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(i),
                             o.schedule, o.vpp, step_time_lower_bound(s, costs)});
      }
    });
    std::vector<Unit> units;
    std::uint64_t counted[2] = {0, 0};  // redundant, invalid
    for (GroupUnits& gu : per_group) {
      counted[0] += gu.redundant;
      counted[1] += gu.invalid;
      units.insert(units.end(), gu.units.begin(), gu.units.end());
    }
    if (spread()) {
      // Every process gets every process's units and counts.
      std::string mine_bytes = to_bytes(std::vector<std::uint64_t>{counted[0], counted[1]});
      mine_bytes += to_bytes(units);
      units.clear();
      counted[0] = counted[1] = 0;
      for (const std::string& theirs : options_.spread->all_gather(mine_bytes)) {
        std::vector<std::uint64_t> their_counts;
        append_from_bytes(theirs.substr(0, 2 * sizeof(std::uint64_t)), their_counts);
        counted[0] += their_counts.at(0);
        counted[1] += their_counts.at(1);
        append_from_bytes(theirs.substr(2 * sizeof(std::uint64_t)), units);
      }
      // Space order, as one process would have them.
      std::sort(units.begin(), units.end(), [](const Unit& a, const Unit& b) {
        return a.group != b.group ? a.group < b.group : a.schedule_point < b.schedule_point;
      });
    }
    counts_.redundant += counted[0];
    counts_.invalid += counted[1];
    units_ = std::move(units);
    // Lowest bound first; ties in space order (units_ is in space order already).
    std::stable_sort(units_.begin(), units_.end(),
                     [](const Unit& a, const Unit& b) { return a.bound_s < b.bound_s; });
  }

  double threshold_s() const {
    if (!options_.prune || best_.size() < static_cast<std::size_t>(options_.top)) return kInf;
    return best_.back().step_time_s;
  }

  struct Point {
    StrategyChoice choice;
    std::uint64_t index;
  };

  // The points of a unit that are neither redundant nor invalid by their shard size.
  void expand(const Unit& u, std::vector<Point>& out, std::uint64_t& redundant,
              std::uint64_t& invalid) const {
    const Group& group = groups_[u.group];
    const std::int64_t dp_cp = group.dp * group.choice.cp;
    for (std::size_t z = 0; z < zeros_.size(); ++z) {
      const ZeroOption o = zeros_[z];
      if (space_.shard_redundant(o.shard, dp_cp)) {
        ++redundant;
      } else if (shard_invalid(o.shard, dp_cp)) {
        ++invalid;
      } else {
        StrategyChoice c = group.choice;
        c.schedule = u.schedule;
        c.vpp = u.vpp;
        c.zero = o.zero;
        c.zero_shard_size = o.shard;
        out.push_back({c, group.first_index + u.schedule_point * zeros_.size() + z});
      }
    }
  }

  // Counts a unit's points as expand would sort them, all its valid ones as bounded.
  void count_bounded(const Unit& u) {
    const Group& group = groups_[u.group];
    const std::int64_t dp_cp = group.dp * group.choice.cp;
    auto [at, fresh] = zero_counts_.try_emplace(dp_cp);
    ZeroCounts& n = at->second;
    if (fresh)
      for (const ZeroOption& o : zeros_) {
        if (space_.shard_redundant(o.shard, dp_cp))
          ++n.redundant;
        else if (shard_invalid(o.shard, dp_cp))
          ++n.invalid;
        else
          ++n.valid;
      }
    counts_.redundant += n.redundant;
    counts_.invalid += n.invalid;
    counts_.bounded += n.valid;
  }

  void examine_units() {
    std::vector<Point> wave;
    std::size_t next = 0;
    const double headroom = options_.memory_headroom;
    tbb::enumerable_thread_specific<Scenario> scratch(stated_);
    while (next < units_.size()) {
      wave.clear();
      const double threshold = threshold_s();
      while (next < units_.size() && wave.size() < kWavePoints) {
        const Unit& u = units_[next++];
        if (u.bound_s > threshold) {
          // Sorted by bound: this unit and every later one are out.
          for (std::size_t i = next - 1; i < units_.size(); ++i) count_bounded(units_[i]);
          next = units_.size();
          break;
        }
        expand(u, wave, counts_.redundant, counts_.invalid);
      }
      std::vector<Outcome> outcomes(wave.size());
      std::vector<std::optional<StepPrediction>> predictions(wave.size());
      tbb::parallel_for(std::size_t{0}, wave.size(), [&](std::size_t i) {
        if (!mine(i)) return;
        Scenario& s = scratch.local();
        apply_choice(wave[i].choice, stated_, s);
        predictions[i] = evaluate(s, headroom, outcomes[i]);
      });
      if (spread()) exchange(outcomes);
      for (std::size_t i = 0; i < wave.size(); ++i)
        merge(wave[i], outcomes[i], std::move(predictions[i]));
      if (options_.progress)
        options_.progress(counts_.redundant + counts_.invalid + counts_.over_memory +
                              counts_.bounded + counts_.simulated,
                          counts_.considered);
    }
  }

  // One point: checked, its memory estimated, and predicted as the façade's predict does on the
  // analytic engine (the checks' warnings first) when it fits.
  static std::optional<StepPrediction> evaluate(const Scenario& s, double headroom, Outcome& out) {
    const std::vector<Diagnostic> diagnostics = check_scenario(s);
    if (has_errors(diagnostics)) return std::nullopt;
    const Scenario ready = resolved(s);
    const MemoryEstimate memory = estimate_peak_memory(ready);
    out.peak_bytes = memory.peak_bytes;
    if (!memory.fits_with_headroom(headroom)) {
      out.kind = Outcome::Kind::over_memory;
      return std::nullopt;
    }
    out.kind = Outcome::Kind::simulated;
    StepPrediction prediction = predict_step(ready);
    const std::vector<Diagnostic> warnings = warnings_of(diagnostics);
    prediction.warnings.insert(prediction.warnings.begin(), warnings.begin(), warnings.end());
    out.step_time_s = prediction.step_time_s;
    return prediction;
  }

  bool spread() const { return options_.spread && options_.spread->size() > 1; }
  // Whether item i (a group, a wave's point) is this process's to evaluate.
  bool mine(std::size_t i) const {
    return !spread() || static_cast<int>(i % static_cast<std::size_t>(options_.spread->size())) ==
                            options_.spread->rank();
  }

  // Every process's outcomes of the wave, in place of the ones it did not evaluate.
  void exchange(std::vector<Outcome>& outcomes) const {
    struct Sent {
      std::uint32_t position;
      Outcome outcome;
    };
    std::vector<Sent> sent;
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      if (mine(i)) sent.push_back({static_cast<std::uint32_t>(i), outcomes[i]});
    std::vector<Sent> received;
    for (const std::string& theirs : options_.spread->all_gather(to_bytes(sent)))
      append_from_bytes(theirs, received);
    for (const Sent& r : received) outcomes.at(r.position) = r.outcome;
  }

  void merge(const Point& point, const Outcome& outcome,
             std::optional<StepPrediction>&& prediction) {
    switch (outcome.kind) {
      case Outcome::Kind::invalid:
        ++counts_.invalid;
        return;
      case Outcome::Kind::over_memory:
        ++counts_.over_memory;
        if (outcome.peak_bytes < closest_.peak_bytes ||
            (outcome.peak_bytes == closest_.peak_bytes && point.index < closest_.index))
          closest_ = {point.index, outcome.peak_bytes, 0, point.choice};
        return;
      case Outcome::Kind::simulated:
        break;
    }
    ++counts_.simulated;
    Ranked r{outcome.step_time_s, point.index, point.choice, std::move(prediction)};
    const auto before = [](const Ranked& a, const Ranked& b) {
      return a.step_time_s < b.step_time_s || (a.step_time_s == b.step_time_s && a.index < b.index);
    };
    const auto at = std::upper_bound(best_.begin(), best_.end(), r, before);
    if (at - best_.begin() >= options_.top) return;
    best_.insert(at, std::move(r));
    if (best_.size() > static_cast<std::size_t>(options_.top)) best_.pop_back();
  }

  SearchResult finish() {
    if (best_.empty()) {
      if (counts_.over_memory > 0) {
        Scenario s = stated_;
        apply_choice(closest_.choice, stated_, s);
        const double capacity = estimate_peak_memory(resolved(s)).capacity_bytes;
        throw InfeasibleError(fmt::format(
            "no strategy fits in GPU memory: the smallest peak, {:.1f} GiB with {}, exceeds the "
            "{:.1f} GiB allowed ({:.1f} GiB less {:.0f}% headroom); use more GPUs, GPUs with more "
            "memory, a smaller global batch or a lower --memory-headroom",
            to_gib(closest_.peak_bytes), describe(closest_.choice),
            to_gib(capacity * (1 - options_.memory_headroom)), to_gib(capacity),
            options_.memory_headroom * 100));
      }
      std::string why;
      for (const Diagnostic& d : check_scenario(stated_))
        if (d.severity == Severity::error) {
          why = fmt::format(" (the scenario's own strategy: {}: {})", d.path, d.message);
          break;
        }
      throw InfeasibleError(fmt::format(
          "none of the {} strategies searched is valid for this model, cluster and global "
          "batch{}; search more settings or change the global batch or GPU count",
          counts_.considered, why));
    }
    SearchResult result;
    result.counts = counts_;
    for (Ranked& r : best_) {
      Scenario s = stated_;
      apply_choice(r.choice, stated_, s);
      if (!r.prediction) {  // another process's: the same computation, the same result
        Outcome again;
        r.prediction = evaluate(s, options_.memory_headroom, again);
      }
      result.best.push_back({r.choice, r.index, std::move(s), std::move(*r.prediction)});
    }
    return result;
  }

  Scenario stated_;
  SearchOptions options_;
  SearchSpace space_;
  std::vector<ScheduleOption> schedules_;
  std::vector<ZeroOption> zeros_;
  std::vector<Group> groups_;
  std::vector<Unit> units_;
  std::vector<Ranked> best_;
  Closest closest_;
  SearchCounts counts_;
  // How a unit's (zero, shard) points divide, by its dp·cp.
  struct ZeroCounts {
    std::uint64_t redundant = 0, invalid = 0, valid = 0;
  };
  std::map<std::int64_t, ZeroCounts> zero_counts_;
};

}  // namespace

std::string_view name_of(Objective objective) {
  switch (objective) {
    case Objective::time:
      return "time";
    case Objective::cost:
      return "cost";
    case Objective::tokens_per_dollar:
      return "tokens_per_dollar";
  }
  return "time";
}

std::optional<Objective> objective_named(std::string_view name) {
  for (Objective o : {Objective::time, Objective::cost, Objective::tokens_per_dollar})
    if (name_of(o) == name) return o;
  return std::nullopt;
}

std::optional<ObjectiveValue> objective_value(Objective objective, const Scenario& s,
                                              const StepPrediction& p) {
  if (objective == Objective::time) return ObjectiveValue{p.step_time_s, "s/step"};
  const double price = s.cluster.gpu_hour_usd;
  if (price <= 0) return std::nullopt;
  const double step_usd = p.step_time_s * p.gpus * price / 3600.0;
  if (objective == Objective::cost)
    return p.run && p.run->cost_usd ? ObjectiveValue{*p.run->cost_usd, "USD"}
                                    : ObjectiveValue{step_usd, "USD/step"};
  const double tokens_per_step =
      static_cast<double>(s.training.global_batch) * static_cast<double>(s.training.seq_len);
  return ObjectiveValue{step_usd > 0 ? tokens_per_step / step_usd : 0, "tokens/USD"};
}

SearchResult search(const Scenario& stated, const SearchOptions& options) {
  if (options.top < 1)
    throw InputError("--top", fmt::format("must be at least 1, got {}", options.top));
  if (!(options.memory_headroom >= 0 && options.memory_headroom < 1))
    throw InputError("--memory-headroom", fmt::format("must be at least 0 and below 1, got {}",
                                                      options.memory_headroom));
  throw_non_strategy_errors(stated);
  return Searcher(stated, options).run();
}

}  // namespace trainsim
