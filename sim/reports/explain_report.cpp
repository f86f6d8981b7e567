#include "sim/reports/explain_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/core/units.hpp"
#include "sim/reports/step_difference.hpp"

namespace trainsim {
namespace {

std::string calls(const CollectiveExplained& c) {
  if (c.step_calls > 0) return fmt::format("{:g} per step", c.step_calls);
  std::string out;
  if (c.forward_calls > 0) out = fmt::format("{:g} per {} forward", c.forward_calls, c.where);
  if (c.backward_calls > 0)
    out += fmt::format("{}{:g} per {} backward", out.empty() ? "" : " and ", c.backward_calls,
                       c.where);
  return out;
}

std::string nccl_choice(const CollectiveEstimate& e) {
  const std::string algorithm(name_of(e.algorithm));
  return e.protocol ? fmt::format("{}/{}", algorithm, name_of(e.protocol)) : algorithm;
}

std::string_view bound(const CollectiveExplained& c) {
  return c.latency_bound ? "latency-bound" : "bandwidth-bound";
}

double link_fraction(const CollectiveExplained& c) {
  return c.link_Bps > 0 ? c.busbw_Bps / c.link_Bps : 0.0;
}

std::string collective_sentence(const CollectiveExplained& c) {
  return fmt::format(
      "{}: {} of {}, {}, over {} ({}): NCCL {}, {} each, {} (fixed cost {}), bus bandwidth {:.1f} "
      "GB/s = {:.0f}% of the {:.1f} GB/s these links give it",
      c.where, name_of(c.kind), binary_bytes(c.bytes), calls(c), c.placement, c.link,
      nccl_choice(c.estimate), human_seconds(c.estimate.time_s), bound(c),
      human_seconds(c.latency_s), c.busbw_Bps / 1e9, 100 * link_fraction(c), c.link_Bps / 1e9);
}

std::string ps_transfer_sentence(const PsTransferExplained& x) {
  const PsExchange& e = x.exchange;
  const bool incast = e.server_s >= e.worker_s;
  const bool pull = x.where.find("pull") != std::string::npos;
  return fmt::format(
      "{}: {} per worker, {:.0f}x per step, 1/{} of it {} each of {} ({} {} workers): the "
      "busiest server host moves {} in {}, a worker its own share in {}, so each takes {}, bound "
      "by {}",
      x.where, binary_bytes(x.bytes_per_worker), x.step_calls, x.servers, pull ? "from" : "to",
      x.placement, pull ? "out to" : "in from", x.workers, binary_bytes(e.server_bytes),
      human_seconds(e.server_s), human_seconds(e.worker_s), human_seconds(e.seconds()),
      incast ? "the servers' incast" : "the worker's own link");
}

std::string communication_sentence(const CommunicationExplained& e) {
  std::string out =
      fmt::format("{} communication: {} exposed", name_of(e.category), human_seconds(e.exposed_s));
  // Exposed beyond its own transfers (not just their rounding): it waits on other stages.
  if (e.issued_s && e.exposed_s > *e.issued_s * (1 + 1e-9) + 1e-12) {
    out += fmt::format(
        ", more than the {} of this GPU's own transfers: it also waits for other "
        "stages' sends",
        human_seconds(*e.issued_s));
  } else if (e.issued_s) {
    out += fmt::format(" of the {} its transfers take on this GPU ({} hidden behind other work)",
                       human_seconds(*e.issued_s),
                       human_seconds(std::max(0.0, *e.issued_s - e.exposed_s)));
  }
  if (e.layer_forward_hidden_s > 0 || e.layer_backward_hidden_s > 0)
    out += fmt::format(
        "; inside each layer {} of the forward's and {} of the backward's run "
        "overlapped with computation",
        human_seconds(e.layer_forward_hidden_s), human_seconds(e.layer_backward_hidden_s));
  return out;
}

std::string value_text(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string suggestion_sentence(const Suggestion& s, const StepPrediction& base) {
  const StepPrediction& p = s.prediction;
  const double step = p.step_time_s + s.gain_s;  // the base on the same engine
  return fmt::format(
      "{}: step {} -> {} ({}, {:.1f}%): {}; MFU {:.1f}% -> {:.1f}%, peak memory {:.1f} -> {:.1f} "
      "GiB",
      describe_change(s), human_seconds(step), human_seconds(p.step_time_s),
      signed_seconds(-s.gain_s), step > 0 ? -100 * s.gain_s / step : 0.0,
      describe(largest_differences(base.breakdown, p.breakdown)), 100 * base.mfu, 100 * p.mfu,
      to_gib(base.memory.peak_bytes), to_gib(p.memory.peak_bytes));
}

}  // namespace

std::string describe_change(const Suggestion& suggestion) {
  std::string out;
  for (std::size_t i = 0; i < suggestion.to.size(); ++i) {
    out += fmt::format("{}{} {} -> {}", out.empty() ? "" : ", ", suggestion.to[i].first,
                       value_text(suggestion.from[i].second), value_text(suggestion.to[i].second));
  }
  if (suggestion.dp_from != suggestion.dp_to)
    out += fmt::format(" (dp {} -> {})", suggestion.dp_from, suggestion.dp_to);
  return out;
}

std::string explanation_to_table(const Explanation& x) {
  const StepPrediction& p = x.prediction;
  std::string out = fmt::format("trainsim explain: {} ({} GPUs, {} engine)\n", p.scenario, p.gpus,
                                name_of(p.engine));
  out += fmt::format("step {} · {:.0f} tokens/s · MFU {:.1f}% · peak memory {:.1f} of {:.1f} GiB\n",
                     human_seconds(p.step_time_s), p.tokens_per_s, 100 * p.mfu,
                     to_gib(p.memory.peak_bytes), to_gib(p.memory.capacity_bytes));
  for (const Assumption& a : p.assumptions)
    out += fmt::format("chosen: {} = {} ({})\n", a.path, value_text(a.value), a.reason);

  out += fmt::format("\nWhere the time goes, on a GPU of pipeline stage {} (the longest step):\n",
                     p.critical_stage);
  for (const StepPart& part : x.parts)
    out += fmt::format("  {:<28} {:>12} {:>6.1f}%\n", part.name, human_seconds(part.seconds),
                       100 * part.share);
  if (x.parts.size() > 1) {
    const StepPart& worst = x.parts[1];
    out += fmt::format("Compute takes {:.1f}% of the step; the largest loss is {}, {} ({:.1f}%).\n",
                       100 * x.parts[0].share, worst.name, human_seconds(worst.seconds),
                       100 * worst.share);
  } else {
    out += "The step is all computation.\n";
  }

  if (!x.communication.empty()) out += "\nCommunication, most exposed first:\n";
  for (const CommunicationExplained& e : x.communication) {
    out += "  " + communication_sentence(e) + "\n";
    for (const CollectiveExplained& c : e.collectives)
      out += "    " + collective_sentence(c) + "\n";
    for (const PsTransferExplained& x : e.ps_transfers)
      out += "    " + ps_transfer_sentence(x) + "\n";
  }

  out += fmt::format(
      "\nChanges that would help most ({} strategies one setting away predicted; peak memory "
      "kept within {:.0f}% of capacity):\n",
      x.alternatives_predicted, 100 * (1 - x.memory_headroom));
  if (x.suggestions.empty())
    out += "  none is faster: this strategy is the fastest of its neighbours\n";
  for (std::size_t i = 0; i < x.suggestions.size(); ++i)
    out += fmt::format("  {}. {}\n", i + 1, suggestion_sentence(x.suggestions[i], p));
  return out;
}

OrderedJson explanation_to_json(const Explanation& x) {
  const StepPrediction& p = x.prediction;
  OrderedJson out;
  out["scenario"] = p.scenario;
  out["gpus"] = p.gpus;
  out["engine"] = name_of(p.engine);
  out["step_time_s"] = p.step_time_s;
  out["tokens_per_s"] = p.tokens_per_s;
  out["mfu"] = p.mfu;
  out["peak_bytes"] = p.memory.peak_bytes;
  out["capacity_bytes"] = p.memory.capacity_bytes;
  out["critical_stage"] = p.critical_stage;
  OrderedJson assumptions = OrderedJson::array();
  for (const Assumption& a : p.assumptions)
    assumptions.push_back({{"path", a.path}, {"value", a.value}, {"reason", a.reason}});
  out["assumptions"] = assumptions;

  OrderedJson parts = OrderedJson::array();
  for (const StepPart& part : x.parts)
    parts.push_back({{"name", part.name}, {"seconds", part.seconds}, {"share", part.share}});
  out["parts"] = parts;

  OrderedJson communication = OrderedJson::array();
  for (const CommunicationExplained& e : x.communication) {
    OrderedJson j;
    j["kind"] = name_of(e.category);
    j["exposed_s"] = e.exposed_s;
    if (e.issued_s) {
      j["issued_s"] = *e.issued_s;
      j["hidden_s"] = std::max(0.0, *e.issued_s - e.exposed_s);
    }
    j["layer_forward_hidden_s"] = e.layer_forward_hidden_s;
    j["layer_backward_hidden_s"] = e.layer_backward_hidden_s;
    OrderedJson list = OrderedJson::array();
    for (const CollectiveExplained& c : e.collectives) {
      OrderedJson k;
      k["where"] = c.where;
      k["group"] = c.group_name;
      k["collective"] = name_of(c.kind);
      k["bytes"] = c.bytes;
      if (c.step_calls > 0) {
        k["calls_per_step"] = c.step_calls;
      } else {
        k["calls_per_forward"] = c.forward_calls;
        k["calls_per_backward"] = c.backward_calls;
      }
      k["ranks"] = c.group.ranks;
      k["nodes"] = c.group.nodes;
      k["ranks_per_node"] = c.group.ranks_per_node;
      k["placement"] = c.placement;
      k["link"] = c.link;
      k["link_GBps"] = c.link_Bps / 1e9;
      k["algorithm"] = name_of(c.estimate.algorithm);
      k["protocol"] = c.estimate.protocol ? OrderedJson(name_of(c.estimate.protocol)) : nullptr;
      k["time_s"] = c.estimate.time_s;
      k["latency_s"] = c.latency_s;
      k["bound"] = c.latency_bound ? "latency" : "bandwidth";
      k["busbw_GBps"] = c.busbw_Bps / 1e9;
      k["link_fraction"] = link_fraction(c);
      list.push_back(k);
    }
    j["collectives"] = list;
    if (!e.ps_transfers.empty()) {
      OrderedJson transfers = OrderedJson::array();
      for (const PsTransferExplained& x : e.ps_transfers)
        transfers.push_back(
            {{"where", x.where},
             {"bytes_per_worker", x.bytes_per_worker},
             {"calls_per_step", x.step_calls},
             {"workers", x.workers},
             {"servers", x.servers},
             {"placement", x.placement},
             {"server_bytes", x.exchange.server_bytes},
             {"server_s", x.exchange.server_s},
             {"worker_s", x.exchange.worker_s},
             {"time_s", x.exchange.seconds()},
             {"bound",
              x.exchange.server_s >= x.exchange.worker_s ? "server incast" : "worker link"}});
      j["ps_transfers"] = transfers;
    }
    j["sentence"] = communication_sentence(e);
    communication.push_back(j);
  }
  out["communication"] = communication;

  OrderedJson suggestions = OrderedJson::array();
  for (const Suggestion& s : x.suggestions) {
    OrderedJson j;
    OrderedJson changes = OrderedJson::array();
    for (std::size_t i = 0; i < s.to.size(); ++i)
      changes.push_back(
          {{"path", s.to[i].first}, {"from", s.from[i].second}, {"to", s.to[i].second}});
    j["changes"] = changes;
    j["step_time_s"] = s.prediction.step_time_s;
    j["gain_s"] = s.gain_s;
    j["mfu"] = s.prediction.mfu;
    j["peak_bytes"] = s.prediction.memory.peak_bytes;
    OrderedJson differences;
    for (const PartDifference& d : part_differences(p.breakdown, s.prediction.breakdown))
      differences[d.name] = d.delta_s;
    j["differences_s"] = differences;
    j["sentence"] = suggestion_sentence(s, p);
    suggestions.push_back(j);
  }
  out["alternatives_predicted"] = x.alternatives_predicted;
  out["memory_headroom"] = x.memory_headroom;
  out["suggestions"] = suggestions;
  return out;
}

}  // namespace trainsim
