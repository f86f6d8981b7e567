#include "sim/plan/explanation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "sim/collectives/collective_kinds.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/parallel/parallel_groups.hpp"
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/step_builder.hpp"
#include "sim/search/search_space.hpp"

namespace trainsim {
namespace {

std::vector<StepPart> parts_of(const StepPrediction& p) {
  std::vector<StepPart> parts;
  for (const NamedPart& part : named_parts(p.breakdown)) {
    const bool communication = part.name.starts_with("exposed");
    parts.push_back(
        {communication ? fmt::format("{} communication", part.name) : std::string(part.name),
         part.seconds, 0});
  }
  // Compute first, then the losses, largest first; parts that cost nothing are left out.
  std::stable_sort(parts.begin() + 1, parts.end(),
                   [](const StepPart& a, const StepPart& b) { return a.seconds > b.seconds; });
  std::erase_if(parts,
                [](const StepPart& part) { return part.name != "compute" && part.seconds <= 0; });
  for (StepPart& part : parts) part.share = p.step_time_s > 0 ? part.seconds / p.step_time_s : 0;
  return parts;
}

// Where a group's GPUs sit and the slowest link each GPU's share of the collective crosses.
void place(CollectiveKind kind, const CommGroup& group, const Scenario& s,
           CollectiveExplained& out) {
  const NodeSpec& node = s.cluster.node;
  if (kind == CollectiveKind::send_recv && group.nodes > 1) {
    // NCCL's model prices a send alone, over one NIC; what other sends through the same NICs
    // cost it is the flow engine's to find (engine.network = "flow").
    const double nic_Bps = std::min(node.nic_Bps, s.cluster.network.link_Bps);
    out.placement = "2 GPUs on 2 nodes";
    out.link = fmt::format("one {:g} Gb/s NIC", nic_Bps * 8 / 1e9);
    out.link_Bps = nic_Bps;
  } else if (group.nodes > 1) {
    out.placement = fmt::format("{} GPUs across {} nodes ({} per node)", group.ranks, group.nodes,
                                group.ranks_per_node);
    // NCCL gives each channel of a ring its own NIC, so a group's bus bandwidth across nodes is
    // bounded by the NICs its GPUs of a node reach: all of the node's when the whole node is in
    // the group, one rail's share when each of the node's GPUs is in another group (all of them
    // communicate at once, each over its own rail).
    const double nic_Bps = std::min(node.nic_Bps, s.cluster.network.link_Bps);
    out.link = fmt::format("{}x {:g} Gb/s NICs per node", node.nics_per_node, nic_Bps * 8 / 1e9);
    out.link_Bps = nic_Bps * node.nics_per_node * group.ranks_per_node / s.gpus_per_node_used();
  } else {
    out.placement = fmt::format("{} GPUs inside one node", group.ranks);
    const GpuSpec& gpu = s.cluster.gpu;
    out.link = gpu.nvlink_Bps > 0 ? (node.nvswitch ? "NVLink through NVSwitch" : "NVLink") : "PCIe";
    out.link_Bps = gpu.nvlink_Bps > 0 ? gpu.nvlink_Bps : gpu.pcie_Bps;
  }
}

CollectiveExplained costed(std::string where, std::string_view group_name, CollectiveKind kind,
                           const CommGroup& group, double bytes, const Scenario& s,
                           const CollectiveCost& cost) {
  CollectiveExplained c;
  c.where = std::move(where);
  c.group_name = std::string(group_name);
  c.kind = kind;
  c.group = group;
  c.bytes = bytes;
  c.estimate = cost.estimate(kind, group, bytes);
  c.latency_s = cost.estimate_s(kind, group, 1.0);
  // Bandwidth-bound once moving the bytes costs more than the fixed cost of any call.
  c.latency_bound = c.latency_s >= 0.5 * c.estimate.time_s;
  place(kind, group, s, c);
  if (c.estimate.time_s > 0)
    c.busbw_Bps = bytes * busbw_factor(kind, group.ranks) / c.estimate.time_s;
  return c;
}

// tp, cp and ep: the collectives folded into the layer passes (sim/parallel/pass_costs).
void explain_folded(const Scenario& s, std::vector<CommunicationExplained>& out) {
  const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
  const CollectiveCost cost(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
  const PassCostTable table = build_pass_costs(s, compute, cost, parallel_groups(s));
  for (const FoldedCollective& f : table.collectives) {
    auto it = std::find_if(out.begin(), out.end(), [&](const CommunicationExplained& e) {
      return e.category == f.category;
    });
    if (it == out.end()) continue;
    CollectiveExplained c =
        costed(std::string(f.piece), f.group, f.kind, f.ranks, f.bytes, s, cost);
    c.forward_calls = f.forward_calls;
    c.backward_calls = f.backward_calls;
    it->collectives.push_back(std::move(c));
  }
  for (CommunicationExplained& e : out) {
    e.layer_forward_hidden_s = table.layer.forward_hidden_s[index_of(e.category)];
    e.layer_backward_hidden_s = table.layer.backward_hidden_s[index_of(e.category)];
  }
}

std::string_view scope_name(CommScope scope) {
  switch (scope) {
    case CommScope::dp:
      return "dp";
    case CommScope::dp_shard:
      return "dp_shard";
    case CommScope::dp_replica:
      return "dp_replica";
    case CommScope::pp:
      return "pp";
    case CommScope::ep:
      return "ep";
  }
  return "?";
}

CommGroup group_of(CommScope scope, const ParallelGroups& g) {
  switch (scope) {
    case CommScope::dp:
      return g.dp;
    case CommScope::dp_shard:
      return g.dp_shard;
    case CommScope::dp_replica:
      return g.dp_replica;
    case CommScope::pp:
      return g.pp_neighbour;
    case CommScope::ep:
      return g.ep;
  }
  return {};
}

PsTransferExplained ps_transfer(std::string_view where, double bytes_per_worker, const Scenario& s,
                                const CollectiveCost& cost) {
  const ParameterServer& ps = s.parallel.ps;
  const NodeSpec& node = s.cluster.node;
  PsTransferExplained x;
  x.where = std::string(where);
  x.bytes_per_worker = bytes_per_worker;
  x.workers = s.parallel.dp;
  x.servers = ps.servers;
  x.placement =
      ps.placement == ParameterServer::Placement::dedicated
          ? fmt::format("{} dedicated server host{}, {}x {:.0f} Gb/s NIC{} each", ps.servers,
                        ps.servers == 1 ? "" : "s", ps.server_nics, 8 * node.nic_Bps / 1e9,
                        ps.server_nics == 1 ? "" : "s")
          : fmt::format(
                "{} server{} colocated on the GPU nodes, sharing their {}x {:.0f} Gb/s "
                "NICs",
                ps.servers, ps.servers == 1 ? "" : "s", node.nics_per_node, 8 * node.nic_Bps / 1e9);
  x.exchange = ps_exchange(s, cost, bytes_per_worker);
  return x;
}

// dp and pp: the transfers on the explained GPU's own streams, from the step's timeline.
void explain_tagged(const Scenario& s, const StepPrediction& p,
                    std::vector<CommunicationExplained>& out) {
  const StepWorkload& work = *p.workload;
  const TaskGraph& graph = work.graph;
  const auto stage = std::find_if(work.ranks.begin(), work.ranks.end(), [&](const RankStreams& r) {
    return r.stage == p.critical_stage;
  });
  if (stage == work.ranks.end()) return;
  const RankId rank = graph.streams()[stage->compute].rank;
  const ParallelGroups groups = parallel_groups(s);
  const CollectiveCost cost(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
  // One entry per distinct transfer (task label, scope, kind, bytes), in first-seen order.
  std::map<std::tuple<std::uint32_t, CommScope, CollectiveKind, double>, std::size_t> seen;
  std::map<std::pair<std::uint32_t, double>, std::size_t> ps_seen;
  std::vector<std::pair<double, double>> ps_busy;
  auto ps_category = out.end();
  for (const CommTag& tag : work.comm_tags) {
    const Task& task = graph.task(tag.task);
    if (graph.streams()[task.stream].rank != rank) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const CommunicationExplained& e) {
      return e.category == task.category;
    });
    if (it == out.end()) continue;
    const TaskTiming& t = p.timeline->timing[tag.task];
    if (tag.ps != PsTraffic::none) {
      // Pulls overlap the next pushes (two streams): counted once where they overlap, below.
      ps_busy.emplace_back(t.start_s, t.end_s);
      ps_category = it;
      auto [at, inserted] = ps_seen.emplace(std::make_pair(task.label, tag.bytes), 0);
      if (inserted) {
        at->second = it->ps_transfers.size();
        it->ps_transfers.push_back(ps_transfer(graph.label(task.label), tag.bytes, s, cost));
      }
      it->ps_transfers[at->second].step_calls += 1;
      continue;
    }
    it->issued_s = it->issued_s.value_or(0) + (t.end_s - t.start_s);
    const auto key = std::make_tuple(task.label, tag.scope, tag.kind, tag.bytes);
    auto [at, inserted] = seen.emplace(key, 0);
    if (inserted) {
      at->second = it->collectives.size();
      it->collectives.push_back(costed(graph.label(task.label), scope_name(tag.scope), tag.kind,
                                       group_of(tag.scope, groups), tag.bytes, s, cost));
    }
    it->collectives[at->second].step_calls += 1;
  }
  if (ps_category != out.end()) {
    std::sort(ps_busy.begin(), ps_busy.end());
    double busy_s = 0, until_s = -std::numeric_limits<double>::infinity();
    for (const auto& [start_s, end_s] : ps_busy) {
      busy_s += std::max(0.0, end_s - std::max(start_s, until_s));
      until_s = std::max(until_s, end_s);
    }
    ps_category->issued_s = ps_category->issued_s.value_or(0) + busy_s;
  }
}

// --- suggestions ---------------------------------------------------------------------------

// Every strategy one setting away from `here` in `search`'s space (a schedule change carries
// the vpp it needs), without the points that only restate another.
std::vector<StrategyChoice> neighbours(const SearchSpace& space, const StrategyChoice& here,
                                       int gpus) {
  std::vector<StrategyChoice> out;
  auto add = [&](StrategyChoice c) {
    if (c == here) return;
    const std::int64_t model_parallel = static_cast<std::int64_t>(c.tp) * c.pp * c.cp;
    if (gpus % model_parallel != 0) return;
    if (space.is_redundant(c, gpus / model_parallel)) return;
    if (std::find(out.begin(), out.end(), c) != out.end()) return;
    out.push_back(c);
  };
  auto vary = [&](const auto& values, auto field) {
    for (const auto& v : values) {
      StrategyChoice c = here;
      c.*field = v;
      add(c);
    }
  };
  vary(space.tp, &StrategyChoice::tp);
  vary(space.pp, &StrategyChoice::pp);
  vary(space.cp, &StrategyChoice::cp);
  vary(space.ep, &StrategyChoice::ep);
  vary(space.etp, &StrategyChoice::etp);
  vary(space.micro_batch, &StrategyChoice::micro_batch);
  vary(space.recompute, &StrategyChoice::recompute);
  vary(space.sequence_parallel, &StrategyChoice::sequence_parallel);
  vary(space.tp_comm_overlap, &StrategyChoice::tp_comm_overlap);
  for (int zero : space.zero) {
    StrategyChoice c = here;
    c.zero = zero;
    if (zero == 0) c.zero_shard_size = 0;
    add(c);
  }
  vary(space.shard_sizes(here.zero), &StrategyChoice::zero_shard_size);
  for (ScheduleKind schedule : space.schedule) {
    StrategyChoice c = here;
    c.schedule = schedule;
    if (schedule == ScheduleKind::interleaved) {
      for (int vpp : space.interleaved_vpp) {
        c.vpp = vpp;
        add(c);
      }
    } else {
      c.vpp = space.fixed_vpp;
      add(c);
    }
  }
  return out;
}

std::vector<std::pair<std::string, Json>> settings(const StrategyChoice& c,
                                                   const StrategyChoice& other) {
  std::vector<std::pair<std::string, Json>> out;
  for (std::size_t i = 0; i < kSearchFieldCount; ++i) {
    const auto field = static_cast<SearchField>(i);
    if (value_of(c, field) != value_of(other, field))
      out.emplace_back(std::string(path_of(field)), value_of(c, field));
  }
  return out;
}

Json layer_split_json(const Strategy& p, const std::vector<std::int64_t>& counts) {
  if (p.layer_split == LayerSplit::even) return "even";
  if (p.layer_split == LayerSplit::embedding_and_loss) return "embedding_and_loss";
  return Json(counts);
}

// A stage that keeps the others waiting (stage imbalance) is not one setting of the search away:
// moving one or two of its layers to another stage is. Each such split is predicted; the best
// that fits and gains is the suggestion (plain 1F1B-style schedules: one chunk per stage).
std::optional<Suggestion> balance_suggestion(const Scenario& chosen, const StepPrediction& base,
                                             const ExplainOptions& options,
                                             std::size_t* predicted) {
  const Scenario resolved = checked(chosen);
  const Strategy& p = resolved.parallel;
  const int slowest = base.breakdown.slowest_stage;
  if (p.pp < 2 || p.vpp != 1 || p.schedule == ScheduleKind::zb_v ||
      !(base.breakdown.stage_imbalance_s > 0) || slowest < 0 || slowest >= p.pp)
    return std::nullopt;
  std::vector<std::int64_t> counts;
  for (int stage = 0; stage < p.pp; ++stage) counts.push_back(resolved.layers_on_stage(stage));
  // Screened on the fast engine, as the other suggestions; the best re-predicted on the flow
  // engine when the scenario runs there.
  Scenario fast = chosen;
  fast.engine.network = NetworkEngineKind::analytic;
  const bool fast_engine = chosen.engine.network == NetworkEngineKind::analytic;
  const double fast_base_s = fast_engine ? base.step_time_s : predict(fast).step_time_s;
  std::optional<Suggestion> best;
  for (const std::int64_t moved : {1, 2}) {
    if (counts[static_cast<std::size_t>(slowest)] <= moved) break;
    for (int target = 0; target < p.pp; ++target) {
      if (target == slowest) continue;
      std::vector<std::int64_t> split = counts;
      split[static_cast<std::size_t>(slowest)] -= moved;
      split[static_cast<std::size_t>(target)] += moved;
      Scenario s = fast;
      s.parallel.layer_split = LayerSplit::counts;
      s.parallel.layer_counts = split;
      try {
        StepPrediction prediction = predict(s);
        ++*predicted;
        const double gain_s = fast_base_s - prediction.step_time_s;
        if (!prediction.memory.fits_with_headroom(options.memory_headroom) || !(gain_s > 0) ||
            (best && gain_s <= best->gain_s))
          continue;
        Suggestion suggestion;
        suggestion.from = {{"parallel.layer_split", layer_split_json(p, counts)}};
        suggestion.to = {{"parallel.layer_split", Json(split)}};
        suggestion.dp_from = suggestion.dp_to = p.dp;
        suggestion.gain_s = gain_s;
        suggestion.prediction = std::move(prediction);
        best = std::move(suggestion);
      } catch (const InputError&) {
      } catch (const InfeasibleError&) {
      }
    }
  }
  if (best && !fast_engine) {
    Scenario s = chosen;
    s.parallel.layer_split = LayerSplit::counts;
    s.parallel.layer_counts = best->to.front().second.get<std::vector<std::int64_t>>();
    best->prediction = predict(s);
    ++*predicted;
    best->gain_s = base.step_time_s - best->prediction.step_time_s;
    if (!(best->gain_s > 0)) best.reset();
  }
  return best;
}

// A parameter server's own settings are no strategy of the search: more servers, servers on
// the workers' nodes (or hosts of their own), wider server NICs and the all-reduce instead are
// each predicted on the scenario's engine.
std::vector<Suggestion> parameter_server_suggestions(const Scenario& chosen,
                                                     const StepPrediction& base,
                                                     const ExplainOptions& options,
                                                     std::size_t* predicted) {
  const Scenario resolved = checked(chosen);
  const Strategy& p = resolved.parallel;
  if (!p.parameter_server()) return {};
  const ParameterServer& ps = p.ps;
  const bool dedicated = ps.placement == ParameterServer::Placement::dedicated;
  struct Change {
    std::string path;
    Json from, to;
    std::function<void(Strategy&)> apply;
  };
  std::vector<Change> changes;
  for (const int factor : {2, 4})
    if (ps.servers * factor <= p.dp)
      changes.push_back({"parallel.ps.servers", ps.servers, ps.servers * factor,
                         [factor](Strategy& s) { s.ps.servers *= factor; }});
  changes.push_back({"parallel.ps.placement", dedicated ? "dedicated" : "colocated",
                     dedicated ? "colocated" : "dedicated", [dedicated](Strategy& s) {
                       s.ps.placement = dedicated ? ParameterServer::Placement::colocated
                                                  : ParameterServer::Placement::dedicated;
                     }});
  if (dedicated && 2 * ps.server_nics <= resolved.cluster.node.nics_per_node)
    changes.push_back({"parallel.ps.server_nics", ps.server_nics, 2 * ps.server_nics,
                       [](Strategy& s) { s.ps.server_nics *= 2; }});
  changes.push_back({"parallel.dp_mode", "parameter_server", "allreduce", [](Strategy& s) {
                       s.dp_mode = Strategy::DpMode::allreduce;
                       s.ps = ParameterServer{};
                     }});
  std::vector<Suggestion> out;
  for (Change& change : changes) {
    Scenario s = chosen;
    change.apply(s.parallel);
    try {
      StepPrediction prediction = predict(s);
      ++*predicted;
      const double gain_s = base.step_time_s - prediction.step_time_s;
      if (!prediction.memory.fits_with_headroom(options.memory_headroom) || !(gain_s > 0)) continue;
      Suggestion suggestion;
      suggestion.from = {{change.path, change.from}};
      suggestion.to = {{change.path, change.to}};
      suggestion.dp_from = suggestion.dp_to = p.dp;
      suggestion.gain_s = gain_s;
      suggestion.prediction = std::move(prediction);
      out.push_back(std::move(suggestion));
    } catch (const InputError&) {
    } catch (const InfeasibleError&) {
    }
  }
  return out;
}

std::vector<Suggestion> suggest(const Scenario& chosen, const StepPrediction& base,
                                const ExplainOptions& options, std::size_t* predicted) {
  // The search's own setup: strategies written over the stated scenario, dp derived anew.
  Scenario stated = chosen;
  stated.parallel.dp = 0;
  Scenario stated_fast = stated;
  stated_fast.engine.network = NetworkEngineKind::analytic;
  const Scenario resolved = checked(chosen);
  const StrategyChoice here = choice_of(resolved);
  const SearchSpace space = search_space(resolved, FieldSet::all());
  const bool fast_engine = chosen.engine.network == NetworkEngineKind::analytic;

  // Screened on the fast engine (the flow engine takes seconds per step) ...
  const double fast_base_s = fast_engine ? base.step_time_s : predict(stated_fast).step_time_s;
  std::vector<std::pair<StrategyChoice, Suggestion>> found;
  for (const StrategyChoice& choice : neighbours(space, here, resolved.gpus)) {
    Scenario s = stated_fast;
    apply_choice(choice, stated_fast, s);
    try {
      StepPrediction p = predict(s);
      ++*predicted;
      if (!p.memory.fits_with_headroom(options.memory_headroom) || !(p.step_time_s < fast_base_s))
        continue;
      Suggestion suggestion;
      suggestion.from = settings(here, choice);
      suggestion.to = settings(choice, here);
      suggestion.dp_from = resolved.parallel.dp;
      suggestion.dp_to =
          resolved.gpus / (static_cast<std::int64_t>(choice.tp) * choice.pp * choice.cp);
      suggestion.gain_s = fast_base_s - p.step_time_s;
      suggestion.prediction = std::move(p);
      found.emplace_back(choice, std::move(suggestion));
    } catch (const InputError&) {
      // Not a valid strategy for this model and cluster (the checks predict enforces).
    } catch (const InfeasibleError&) {
    }
  }
  auto by_gain = [](const auto& a, const auto& b) { return a.second.gain_s > b.second.gain_s; };
  std::stable_sort(found.begin(), found.end(), by_gain);
  // One suggestion per setting changed (the best vpp, not every vpp of the interleaved schedule).
  std::vector<std::vector<std::string>> changed;
  std::erase_if(found, [&](const auto& f) {
    std::vector<std::string> paths;
    for (const auto& [path, value] : f.second.to) paths.push_back(path);
    if (std::find(changed.begin(), changed.end(), paths) != changed.end()) return true;
    changed.push_back(std::move(paths));
    return false;
  });
  const auto keep = static_cast<std::size_t>(std::max(options.suggestions, 0));
  if (found.size() > keep) found.resize(keep);
  if (!fast_engine) {
    // ... and the gains shown are those of the scenario's own engine.
    for (auto& [choice, suggestion] : found) {
      Scenario s = stated;
      apply_choice(choice, stated, s);
      suggestion.prediction = predict(s);
      ++*predicted;
      suggestion.gain_s = base.step_time_s - suggestion.prediction.step_time_s;
    }
    std::stable_sort(found.begin(), found.end(), by_gain);
    std::erase_if(found, [](const auto& f) { return !(f.second.gain_s > 0); });
  }
  std::vector<Suggestion> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  if (auto balanced = balance_suggestion(chosen, base, options, predicted))
    out.push_back(std::move(*balanced));
  for (Suggestion& s : parameter_server_suggestions(chosen, base, options, predicted))
    out.push_back(std::move(s));
  std::stable_sort(out.begin(), out.end(),
                   [](const Suggestion& a, const Suggestion& b) { return a.gain_s > b.gain_s; });
  if (out.size() > keep) out.resize(keep);
  return out;
}

}  // namespace

Explanation explain(const Scenario& scenario, const ExplainOptions& options) {
  Explanation out;
  std::vector<Assumption> assumptions;
  const Scenario chosen = fill_auto_settings(scenario, &assumptions);
  PredictOptions predict_options;
  predict_options.keep_timeline = true;
  out.prediction = predict(chosen, predict_options);
  out.prediction.assumptions = assumptions;
  out.scenario = checked(chosen);
  out.parts = parts_of(out.prediction);
  out.memory_headroom = options.memory_headroom;

  for (TimeCategory c : kCommunicationCategories)
    out.communication.push_back({c, out.prediction.breakdown.exposed(c)});
  explain_folded(out.scenario, out.communication);
  explain_tagged(out.scenario, out.prediction, out.communication);
  std::erase_if(out.communication, [](const CommunicationExplained& e) {
    return e.exposed_s <= 0 && e.collectives.empty();
  });
  std::stable_sort(out.communication.begin(), out.communication.end(),
                   [](const CommunicationExplained& a, const CommunicationExplained& b) {
                     return a.exposed_s > b.exposed_s;
                   });
  out.suggestions = suggest(chosen, out.prediction, options, &out.alternatives_predicted);
  return out;
}

}  // namespace trainsim
