#include "sim/search/search_space.hpp"

#include <fmt/format.h>

namespace trainsim {
namespace {

struct FieldName {
  SearchField field;
  std::string_view path;
};
constexpr std::array<FieldName, kSearchFieldCount> kFieldNames{{
    {SearchField::tp, "parallel.tp"},
    {SearchField::pp, "parallel.pp"},
    {SearchField::cp, "parallel.cp"},
    {SearchField::ep, "parallel.ep"},
    {SearchField::etp, "parallel.etp"},
    {SearchField::vpp, "parallel.vpp"},
    {SearchField::schedule, "parallel.schedule"},
    {SearchField::sequence_parallel, "parallel.sequence_parallel"},
    {SearchField::zero, "parallel.zero"},
    {SearchField::zero_shard_size, "parallel.zero_shard_size"},
    {SearchField::tp_comm_overlap, "parallel.tp_comm_overlap"},
    {SearchField::micro_batch, "training.micro_batch"},
    {SearchField::recompute, "training.recompute"},
}};

template <typename Int>
std::vector<Int> divisors(Int n, Int at_most) {
  std::vector<Int> out;
  for (Int d = 1; d <= n && d <= at_most; ++d)
    if (n % d == 0) out.push_back(d);
  return out;
}

}  // namespace

std::string_view path_of(SearchField field) {
  return kFieldNames[static_cast<std::size_t>(field)].path;
}

std::optional<SearchField> search_field_at(std::string_view path) {
  for (const FieldName& f : kFieldNames)
    if (f.path == path) return f.field;
  return std::nullopt;
}

std::string searchable_paths() {
  std::string out;
  for (const FieldName& f : kFieldNames) {
    if (!out.empty()) out += ", ";
    out += f.path;
  }
  return out;
}

Json value_of(const StrategyChoice& c, SearchField field) {
  switch (field) {
    case SearchField::tp:
      return c.tp;
    case SearchField::pp:
      return c.pp;
    case SearchField::cp:
      return c.cp;
    case SearchField::ep:
      return c.ep;
    case SearchField::etp:
      return c.etp > 0 ? c.etp : c.tp;
    case SearchField::vpp:
      return c.vpp;
    case SearchField::schedule:
      return name_of(c.schedule);
    case SearchField::sequence_parallel:
      return c.sequence_parallel;
    case SearchField::zero:
      return c.zero;
    case SearchField::zero_shard_size:
      return c.zero_shard_size;
    case SearchField::tp_comm_overlap:
      return c.tp_comm_overlap;
    case SearchField::micro_batch:
      return c.micro_batch;
    case SearchField::recompute:
      return name_of(c.recompute);
  }
  return nullptr;
}

StrategyChoice choice_of(const Scenario& s) {
  const Strategy& p = s.parallel;
  return {p.tp,
          p.pp,
          p.cp,
          p.ep,
          p.etp,
          p.vpp,
          p.schedule,
          p.sequence_parallel,
          p.zero,
          p.zero_shard_size,
          p.tp_comm_overlap,
          s.training.micro_batch,
          s.training.recompute};
}

void apply_choice(const StrategyChoice& c, const Scenario& stated, Scenario& s) {
  Strategy& p = s.parallel;
  p.tp = c.tp;
  p.pp = c.pp;
  p.cp = c.cp;
  p.ep = c.ep;
  p.etp = c.etp;
  p.vpp = c.vpp;
  p.schedule = c.schedule;
  p.sequence_parallel = c.sequence_parallel;
  p.zero = c.zero;
  p.zero_shard_size = c.zero_shard_size;
  p.tp_comm_overlap = c.tp_comm_overlap;
  s.training.micro_batch = c.micro_batch;
  s.training.recompute = c.recompute;
  // What resolve_defaults derives from the strategy is derived again for the new one.
  p.dp = stated.parallel.dp;
  p.bucket_params = stated.parallel.bucket_params;
  p.p2p_overlap = stated.parallel.p2p_overlap;
}

bool SearchSpace::layout_redundant(int tp, int etp) const {
  return searched.contains(SearchField::etp) && etp == tp;
}

bool SearchSpace::group_redundant(int tp, bool sequence_parallel, bool tp_comm_overlap) const {
  return tp == 1 && ((searched.contains(SearchField::sequence_parallel) && sequence_parallel) ||
                     (searched.contains(SearchField::tp_comm_overlap) && tp_comm_overlap));
}

bool SearchSpace::schedule_redundant(int pp, ScheduleKind schedule) const {
  // Megatron runs no pipeline schedule without pipeline parallelism (forward_backward_no_
  // pipelining: forward then backward per micro-batch, i.e. 1F1B's order).
  return searched.contains(SearchField::schedule) && pp == 1 &&
         schedule != ScheduleKind::one_f_one_b;
}

bool SearchSpace::shard_redundant(int zero_shard_size, std::int64_t dp_cp) const {
  return searched.contains(SearchField::zero_shard_size) && zero_shard_size > 0 &&
         zero_shard_size == dp_cp;
}

std::vector<int> SearchSpace::shard_sizes(int zero_stage) const {
  if (zero_stage == 0 && searched.contains(SearchField::zero_shard_size)) return {0};
  return zero_shard_size;
}

std::uint64_t SearchSpace::schedule_points() const {
  std::uint64_t points = 0;
  for (ScheduleKind s : schedule)
    points += s == ScheduleKind::interleaved ? interleaved_vpp.size() : 1;
  return points;
}

std::uint64_t SearchSpace::zero_points() const {
  std::uint64_t points = 0;
  for (int z : zero) points += shard_sizes(z).size();
  return points;
}

std::uint64_t SearchSpace::points_per_layout() const {
  return static_cast<std::uint64_t>(micro_batch.size()) * recompute.size() *
         sequence_parallel.size() * tp_comm_overlap.size() * schedule_points() * zero_points();
}

std::uint64_t SearchSpace::size() const {
  return static_cast<std::uint64_t>(tp.size()) * pp.size() * cp.size() * ep.size() * etp.size() *
         points_per_layout();
}

SearchSpace search_space(const Scenario& s, FieldSet searched) {
  const bool moe = s.model.moe.has_value();
  // Experts are a MoE notion: a dense model's ep and etp stay as stated (check_scenario says
  // what is wrong with a stated ep > 1).
  if (!moe) searched.erase(SearchField::ep).erase(SearchField::etp);
  const Strategy& p = s.parallel;
  const TrainingConfig& t = s.training;
  const int gpus = s.gpus;
  auto pick = [&](SearchField f, std::vector<int> candidates, int stated) {
    return searched.contains(f) ? candidates : std::vector<int>{stated};
  };
  SearchSpace space;
  space.searched = searched;
  space.tp = pick(SearchField::tp, divisors(gpus, gpus), p.tp);
  space.pp = pick(SearchField::pp, divisors(gpus, static_cast<int>(s.model.layers)), p.pp);
  space.cp = pick(SearchField::cp, divisors(gpus, gpus), p.cp);
  if (moe) {
    space.ep = pick(SearchField::ep, divisors(static_cast<int>(s.model.moe->experts), gpus), p.ep);
    std::vector<int> etp{0};
    for (int d : divisors(s.cluster.node.gpus_per_node, s.cluster.node.gpus_per_node))
      etp.push_back(d);
    space.etp = pick(SearchField::etp, etp, p.etp);
  } else {
    space.ep = {p.ep};
    space.etp = {p.etp};
  }
  if (searched.contains(SearchField::schedule))
    space.schedule = {ScheduleKind::one_f_one_b, ScheduleKind::gpipe, ScheduleKind::interleaved,
                      ScheduleKind::zb_h1, ScheduleKind::zb_v};
  else
    space.schedule = {p.schedule};
  if (searched.contains(SearchField::vpp)) {
    for (std::int64_t v : divisors<std::int64_t>(s.model.layers, s.model.layers))
      if (v >= 2) space.interleaved_vpp.push_back(static_cast<int>(v));
  } else {
    space.interleaved_vpp = {p.vpp};
    space.fixed_vpp = p.vpp;
  }
  space.zero = pick(SearchField::zero, {0, 1, 2, 3}, p.zero);
  std::vector<int> shards{0};
  for (int d : divisors(gpus, gpus - 1)) shards.push_back(d);
  space.zero_shard_size = pick(SearchField::zero_shard_size, shards, p.zero_shard_size);
  auto flag = [&](SearchField f, bool stated) {
    return searched.contains(f) ? std::vector<bool>{false, true} : std::vector<bool>{stated};
  };
  space.sequence_parallel = flag(SearchField::sequence_parallel, p.sequence_parallel);
  space.tp_comm_overlap = flag(SearchField::tp_comm_overlap, p.tp_comm_overlap);
  space.micro_batch = searched.contains(SearchField::micro_batch)
                          ? divisors<std::int64_t>(t.global_batch, t.global_batch)
                          : std::vector<std::int64_t>{t.micro_batch};
  space.recompute = {t.recompute};
  if (searched.contains(SearchField::recompute)) {
    // What the framework offers, in its profile's order (models/frameworks).
    space.recompute.clear();
    for (const std::string& name : framework_profile(t.framework).recompute_options)
      if (const std::optional<RecomputeKind> kind = parse_recompute(name))
        space.recompute.push_back(*kind);
  }
  return space;
}

}  // namespace trainsim
