// The collective command's model (sim/api/collective_sweep.hpp): the request checked, the
// group laid out on the cluster, and each size predicted by the NCCL model or lowered to flows.
#include "sim/api/collective_sweep.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <map>

#include "hardware/presets.hpp"
#include "sim/collectives/collective_cost.hpp"
#include "sim/collectives/collective_kinds.hpp"
#include "sim/collectives/nccl_tests_log.hpp"
#include "sim/core/errors.hpp"
#include "sim/parallel/scenario.hpp"

#ifdef TRAINSIM_HAVE_FLOW_ENGINE
#include "hardware/topology.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/network/flow_engine.hpp"
#endif

namespace trainsim {
namespace {

struct OpInfo {
  CollectiveKind kind;
  std::string_view redop;
  bool rooted;
};

const std::map<std::string, OpInfo, std::less<>>& ops() {
  // Every collective of the table, named as trainsim names it; the reduction is what
  // nccl-tests prints in its redop column (sendrecv prints "sum").
  static const std::map<std::string, OpInfo, std::less<>> table = [] {
    std::map<std::string, OpInfo, std::less<>> out;
    for (const CollectiveTraits& t : kCollectiveTraits) {
      const bool prints_sum = t.reduces || t.kind == CollectiveKind::send_recv;
      out.emplace(std::string(t.name), OpInfo{t.kind, prints_sum ? "sum" : "none", t.rooted});
    }
    return out;
  }();
  return table;
}

double element_bytes(const std::string& dtype) {
  static const std::map<std::string, double, std::less<>> sizes = {
      {"int8", 1},    {"uint8", 1},    {"char", 1},  {"float8", 1}, {"fp8", 1},    {"half", 2},
      {"float16", 2}, {"bfloat16", 2}, {"bf16", 2},  {"int32", 4},  {"uint32", 4}, {"int", 4},
      {"float", 4},   {"float32", 4},  {"int64", 8}, {"uint64", 8}, {"double", 8}, {"float64", 8}};
  const auto it = sizes.find(dtype);
  if (it == sizes.end()) {
    std::vector<std::string> names;
    for (const auto& [name, size] : sizes) names.push_back(name);
    throw InputError("--dtype", unknown_name_message("data type", dtype, names));
  }
  return it->second;
}

// "8", "64K", "1M", "8G" (powers of 1024, as nccl-tests reads them).
double parse_size(const std::string& text, std::string_view flag) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw InputError(std::string(flag),
                     fmt::format("expected a size such as 8, 64K, 1M or 8G; got '{}'", text));
  }
  const std::string suffix = text.substr(used);
  double scale = 1;
  if (suffix.empty() || suffix == "B")
    scale = 1;
  else if (suffix == "K" || suffix == "KB" || suffix == "k")
    scale = 1024.0;
  else if (suffix == "M" || suffix == "MB")
    scale = 1024.0 * 1024;
  else if (suffix == "G" || suffix == "GB")
    scale = 1024.0 * 1024 * 1024;
  else
    throw InputError(
        std::string(flag),
        fmt::format("unknown size suffix '{}' in '{}'; allowed: K, M, G", suffix, text));
  // Whole bytes, at least one element's worth and at most 1 TiB (beyond any GPU's memory).
  const double bytes = value * scale;
  constexpr double kMaxBytes = 1024.0 * 1024 * 1024 * 1024;
  if (!std::isfinite(bytes) || bytes < 1 || bytes > kMaxBytes || std::floor(bytes) != bytes)
    throw InputError(std::string(flag),
                     fmt::format("'{}' is not a whole number of bytes from 1 to 1T", text));
  return bytes;
}

// nccl-tests' count column: elements of the full vector, or per rank for gathers/scatters.
double count_of(CollectiveKind kind, double size, double elem, int n) {
  const bool per_rank = kind == CollectiveKind::all_gather ||
                        kind == CollectiveKind::reduce_scatter ||
                        kind == CollectiveKind::all_to_all;
  return std::floor(size / elem / (per_rank ? n : 1));
}

}  // namespace

CollectiveSweep sweep_collective(const CollectiveSweepRequest& args) {
  const auto op_it = ops().find(args.op);
  if (op_it == ops().end()) {
    std::vector<std::string> names;
    for (const auto& [name, info] : ops()) names.push_back(name);
    throw InputError("--op", unknown_name_message("collective", args.op, names));
  }
  const OpInfo op = op_it->second;
  const double elem = element_bytes(args.dtype);

  const NodeSpec node = resolve_node(Json(args.cluster), "--cluster");
  const GpuSpec gpu = resolve_gpu(Json(node.default_gpu), "--cluster (its default gpu)");
  const std::string network_name = !args.network.empty()  ? args.network
                                   : node.nic_Bps <= 25e9 ? "ib-hdr200-rail-fattree"
                                                          : "ib-ndr400-rail-fattree";
  const NetworkSpec network = resolve_network(Json(network_name), "--network");

  CollectiveSweep out;
  std::optional<NcclTestsLog> log;
  int gpus = args.gpus;
  if (!args.compare_log.empty()) {
    log = load_nccl_tests_log(args.compare_log);
    if (log->ranks > 0 && log->ranks != gpus) {
      out.notes.push_back(
          fmt::format("the log ran on {} ranks; comparing with {} ranks", log->ranks, log->ranks));
      gpus = log->ranks;
    }
    if (!log->collective.empty() && log->collective != args.op)
      out.notes.push_back(
          fmt::format("the log is {}, not {}; comparing as {}", log->collective, args.op, args.op));
  }
  if (gpus < 1) throw InputError("--gpus", "must be at least 1");
  // Each message size of the sweep is a simulation of its own: on 16,384 ranks the default sweep
  // takes about ten minutes (one core), so the limit stays where the step's used to be.
  constexpr int kFlowCollectiveMaxGpus = 16384;
  if (args.engine == "flow" && gpus > kFlowCollectiveMaxGpus)
    throw InputError("--gpus", fmt::format("the flow engine is limited to {} ranks (every ring "
                                           "flow is simulated); use --engine analytic for {}",
                                           kFlowCollectiveMaxGpus, gpus));
  const int per_node = node.gpus_per_node;
  if (gpus > per_node && gpus % per_node != 0)
    throw InputError("--gpus",
                     fmt::format("{} GPUs is not a whole number of {}-GPU nodes", gpus, per_node));
  CommGroup group{gpus, (gpus + per_node - 1) / per_node, std::min(gpus, per_node)};
  if (op.kind == CollectiveKind::send_recv) {
    // nccl-tests' sendrecv shifts data to rank+1: the ring crosses nodes when there are several.
    group = CommGroup{2, gpus > per_node ? 2 : 1, gpus > per_node ? 1 : 2};
  }
  CollectiveOptions options{args.algorithm, args.protocol, args.collnet};
  const CollectiveCost cost(gpu, node, network, options);

  std::vector<double> sizes;
  if (log) {
    for (const NcclTestsRow& row : log->rows) sizes.push_back(row.size_bytes);
  } else {
    const double lo = parse_size(args.min_bytes, "--min-bytes");
    const double hi = parse_size(args.max_bytes, "--max-bytes");
    if (hi < lo) throw InputError("--max-bytes", "must be at least --min-bytes");
    if (!(args.step_factor > 1.0) || !std::isfinite(args.step_factor))
      throw InputError("--step-factor", "must be a finite number > 1");
    // nccl-tests' -f: each size the previous times the factor, whole bytes; a sweep is a
    // table to read, so its rows are bounded.
    constexpr std::size_t kMaxRows = 1000;
    for (double s = lo; s <= hi; s = std::max(s + 1, std::floor(s * args.step_factor))) {
      if (sizes.size() == kMaxRows)
        throw InputError("--step-factor",
                         fmt::format("{} from {} to {} bytes is more than {} sizes; use a "
                                     "larger factor",
                                     args.step_factor, lo, hi, kMaxRows));
      sizes.push_back(s);
    }
  }

  const bool flow = args.engine == "flow";
#ifdef TRAINSIM_HAVE_FLOW_ENGINE
  std::optional<Topology> topology;
  if (flow) {
    const bool ring_lowered = op.kind == CollectiveKind::all_reduce ||
                              op.kind == CollectiveKind::all_gather ||
                              op.kind == CollectiveKind::reduce_scatter;
    if (!ring_lowered)
      throw InputError("--engine",
                       "the flow engine lowers all_reduce, all_gather and "
                       "reduce_scatter (as NCCL rings); use --engine analytic for " +
                           args.op);
    topology = build_topology(gpu, node, network, group.nodes);
  }
#else
  if (flow)
    throw InputError("--engine",
                     "this build has no flow engine (SimGrid was not found at build "
                     "time); use --engine analytic");
#endif
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const double size = sizes[i];
    const CollectiveEstimate e = cost.estimate(op.kind, group, size);
    double time_s = e.time_s;
    std::string algorithm(name_of(e.algorithm)), protocol(name_of(e.protocol));
#ifdef TRAINSIM_HAVE_FLOW_ENGINE
    if (flow) {
      FlowCollective c;
      c.kind = op.kind;
      for (int rank = 0; rank < gpus; ++rank) c.ranks.push_back(rank);
      c.bytes = size;
      // Lay it out as the algorithm NCCL's model picks (or the one forced): trees for a tree
      // all_reduce, rings otherwise (NVLS, CollNet and PAT are not lowered to flows). Its
      // protocol sets each channel's payload rate (LL: half the line, LL128: 120/128) and the
      // per-step software latency: NCCL's model latency for this algorithm and protocol, less
      // what the links already charge (~1.3 us per ring step where NCCL charges 3-14 us of
      // network overhead and IB latency, most of the difference on many nodes).
      const bool tree =
          e.algorithm == CollectiveAlgorithm::tree && op.kind == CollectiveKind::all_reduce;
      const NcclProto proto = e.protocol.value_or(NcclProto::simple);
      c.algorithm = tree ? FlowAlgorithm::tree : FlowAlgorithm::ring;
      const RingChannels ring = nccl_ring_channels(*topology, c.ranks);
      const auto& refine = default_nccl_constants().refine;
      c.channels = ring.channels;
      c.per_channel_Bps =
          ring.per_channel_Bps * (proto == NcclProto::ll      ? refine.ring_ll_bw_frac
                                  : proto == NcclProto::ll128 ? refine.ring_ll128_bw_frac
                                                              : 1.0);
      const CollectiveCost fixed(
          gpu, node, network,
          CollectiveOptions{tree ? "tree" : "ring", std::string(name_of(proto))});
      const double nccl_latency_s = fixed.estimate_s(op.kind, group, 8.0);
      const LoweredCollective lowered = lower_collective(*topology, c);
      if (lowered.steps > 0) {
        double links_s = lowered.extra_latency_s;
        for (const Flow& f : lowered.flows)
          links_s = std::max(
              links_s, lowered.extra_latency_s + topology->route(f.src_gpu, f.dst_gpu).latency_s);
        c.step_overhead_s = std::max(0.0, nccl_latency_s - links_s) / lowered.steps;
      }
      const FlowCollective collectives[] = {c};
      time_s = estimate_collectives_flow(*topology, collectives).front().time_s;
      algorithm = tree ? "tree flows" : "ring flows";
      protocol = name_of(proto);
    }
#endif
    CollectiveSweepRow row;
    row.size_bytes = size;
    row.count = count_of(op.kind, size, elem, gpus);
    row.time_us = time_s * 1e6;
    row.algbw_GBps = row.time_us > 0 ? size / (row.time_us * 1e3) : 0;
    row.busbw_GBps = row.algbw_GBps * busbw_factor(op.kind, gpus);
    row.algorithm = algorithm;
    row.protocol = protocol;
    if (log) {
      row.measured_time_us = log->rows[i].time_us;
      row.measured_busbw_GBps = log->rows[i].busbw_GBps;
    }
    out.rows.push_back(std::move(row));
  }
  out.op = args.op;
  out.dtype = args.dtype;
  out.redop = std::string(op.redop);
  out.rooted = op.rooted;
  out.gpus = gpus;
  out.nodes = group.nodes;
  out.cluster = node.name;
  out.network = network.name;
  out.flow = flow;
  out.compared = log.has_value();
  return out;
}

}  // namespace trainsim
