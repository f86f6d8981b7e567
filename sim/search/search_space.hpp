#pragma once
// The strategies a search chooses from: which settings it varies, the values each may take, and
// one point of the space (a StrategyChoice) written into a scenario.
//
// The space is a plain cartesian product of per-field candidate lists (its size is what a search
// reports as "considered", comparable with Calculon's raw count); what is valid in it is decided
// by the scenario checks the predictor already enforces (scenario_checks.hpp), never by rules of
// the search's own. Points that differ only in a setting that has no effect are "redundant": one
// canonical point of each such class is kept (see is_redundant).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/core/json_fields.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

// The strategy settings a search may vary, by their scenario JSON path.
enum class SearchField : std::uint8_t {
  tp,
  pp,
  cp,
  ep,
  etp,
  vpp,
  schedule,
  sequence_parallel,
  zero,
  zero_shard_size,
  tp_comm_overlap,
  micro_batch,
  recompute,
};
inline constexpr std::size_t kSearchFieldCount = 13;

std::string_view path_of(SearchField field);  // "parallel.tp", "training.micro_batch", ...
// The field at a scenario path; nullopt when the path is not a searchable setting.
std::optional<SearchField> search_field_at(std::string_view path);
// Every searchable path, for error messages.
std::string searchable_paths();

// A set of search fields (a bit per field).
class FieldSet {
 public:
  static FieldSet all() { return FieldSet((1u << kSearchFieldCount) - 1); }
  static FieldSet none() { return FieldSet(0); }
  bool contains(SearchField f) const { return bits_ & bit(f); }
  FieldSet& insert(SearchField f) {
    bits_ |= bit(f);
    return *this;
  }
  FieldSet& erase(SearchField f) {
    bits_ &= ~bit(f);
    return *this;
  }
  bool empty() const { return bits_ == 0; }
  bool operator==(const FieldSet&) const = default;

 private:
  explicit FieldSet(std::uint32_t bits) : bits_(bits) {}
  static std::uint32_t bit(SearchField f) { return 1u << static_cast<unsigned>(f); }
  std::uint32_t bits_ = 0;
};

// One point of the space: the value of every searchable setting.
struct StrategyChoice {
  int tp = 1, pp = 1, cp = 1, ep = 1;
  int etp = 0;  // 0: as tp
  int vpp = 1;
  ScheduleKind schedule = ScheduleKind::one_f_one_b;
  bool sequence_parallel = false;
  int zero = 0;
  int zero_shard_size = 0;  // 0: all dp·cp GPUs
  bool tp_comm_overlap = false;
  std::int64_t micro_batch = 1;
  RecomputeKind recompute = RecomputeKind::none;
  bool operator==(const StrategyChoice&) const = default;
};

// The value of one setting of `choice`, as the scenario JSON states it (etp 0 shows as tp).
Json value_of(const StrategyChoice& choice, SearchField field);

// The scenario's own values of the searchable settings.
StrategyChoice choice_of(const Scenario& scenario);
// `choice` written into `scenario`, whose settings that resolve_defaults derives from the
// strategy (dp, the DDP bucket, p2p overlap) are reset to `stated`'s, so that it derives them
// anew unless `stated` gave them.
void apply_choice(const StrategyChoice& choice, const Scenario& stated, Scenario& scenario);

// The candidate values of each field. A field that is not searched holds the scenario's value
// only. Searched fields take, for a scenario on G GPUs:
//   tp, cp: the divisors of G;  pp: the divisors of G up to the model's layers;
//   ep, etp: 1 and the divisors of the expert count / of the node's GPUs (MoE models only;
//     etp also 0 = as tp);  schedule: all five;  vpp: the divisors of the layers from 2
//     (interleaved only; other schedules take 1);  zero: 0-3;  zero_shard_size: 0 and the
//     divisors of G below G (with zero > 0; zero = 0 takes 0);  micro_batch: the divisors of
//     the global batch;  recompute: none, selective, full;  the two flags: false, true.
struct SearchSpace {
  std::vector<int> tp, pp, cp, ep, etp, zero, zero_shard_size;
  std::vector<ScheduleKind> schedule;
  std::vector<int> interleaved_vpp;  // vpp with the interleaved schedule
  int fixed_vpp = 1;                 // vpp with every other schedule
  std::vector<bool> sequence_parallel, tp_comm_overlap;
  std::vector<std::int64_t> micro_batch;
  std::vector<RecomputeKind> recompute;
  FieldSet searched = FieldSet::none();

  // Whether a searched setting of `choice` has no effect, so that the point equals a canonical
  // one with that setting at its neutral value: any schedule but 1F1B without a pipeline
  // (pp = 1), sequence parallelism or TP overlap with tp = 1, an expert TP equal to tp (the same
  // as 0), a ZeRO shard group of all dp·cp GPUs (the same as 0). `dp` is gpus / (tp·pp·cp).
  bool is_redundant(const StrategyChoice& choice, std::int64_t dp) const {
    return layout_redundant(choice.tp, choice.etp) ||
           group_redundant(choice.tp, choice.sequence_parallel, choice.tp_comm_overlap) ||
           schedule_redundant(choice.pp, choice.schedule) ||
           shard_redundant(choice.zero_shard_size, dp * choice.cp);
  }
  // The same, by the level of the search that decides it.
  bool layout_redundant(int tp, int etp) const;
  bool group_redundant(int tp, bool sequence_parallel, bool tp_comm_overlap) const;
  bool schedule_redundant(int pp, ScheduleKind schedule) const;
  bool shard_redundant(int zero_shard_size, std::int64_t dp_cp) const;

  // Points per (schedule, vpp) × per (zero, shard): the inner part of the product.
  std::uint64_t schedule_points() const;
  std::uint64_t zero_points() const;
  // Points per layout (tp, pp, cp, ep, etp) and in all.
  std::uint64_t points_per_layout() const;
  std::uint64_t size() const;
  // Zero-shard candidates for a ZeRO stage.
  std::vector<int> shard_sizes(int zero) const;
};

SearchSpace search_space(const Scenario& scenario, FieldSet searched);

}  // namespace trainsim
