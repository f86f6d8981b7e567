#include "sim/parallel/scenario.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hardware/presets.hpp"
#include "hardware/topology.hpp"
#include "models/model_presets.hpp"
#include "sim/core/errors.hpp"
#include "sim/parallel/pipeline_schedule.hpp"

namespace trainsim {

std::string_view name_of(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::gpipe:
      return "gpipe";
    case ScheduleKind::one_f_one_b:
      return "1f1b";
    case ScheduleKind::interleaved:
      return "interleaved";
    case ScheduleKind::zb_h1:
      return "zb-h1";
    case ScheduleKind::zb_v:
      return "zb-v";
  }
  return "?";
}

std::string_view name_of(RecomputeKind kind) {
  switch (kind) {
    case RecomputeKind::none:
      return "none";
    case RecomputeKind::selective:
      return "selective";
    case RecomputeKind::full:
      return "full";
  }
  return "?";
}

ShardContext Scenario::shard_context() const {
  ShardContext ctx;
  ctx.micro_batch = training.micro_batch;
  ctx.seq_len = training.seq_len;
  ctx.tp = parallel.tp;
  ctx.sequence_parallel = parallel.sequence_parallel && parallel.tp > 1;
  ctx.cp = parallel.cp;
  ctx.ep = parallel.ep;
  ctx.etp = parallel.expert_tp();
  ctx.expert_load_imbalance = parallel.expert_load_imbalance;
  ctx.gemm_precision = training.precision;
  ctx.activation_precision = training.precision == Precision::fp32   ? Precision::fp32
                             : training.precision == Precision::fp16 ? Precision::fp16
                                                                     : Precision::bf16;
  ctx.framework = training.framework;
  ctx.flash_attention = training.flash_attention;
  return ctx;
}

std::vector<std::int64_t> Scenario::layers_per_virtual_stage() const {
  const std::int64_t chunks = std::int64_t{parallel.pp} * parallel.model_chunks();
  std::vector<std::int64_t> layers(static_cast<std::size_t>(chunks));
  if (parallel.layer_split == LayerSplit::counts) {
    layers = parallel.layer_counts;
  } else if (parallel.layer_split == LayerSplit::embedding_and_loss && chunks > 1) {
    const std::int64_t per_chunk = (model.layers + 2) / chunks;
    std::fill(layers.begin(), layers.end(), per_chunk);
    layers.front() -= 1;
    layers.back() -= 1;
  } else {
    std::fill(layers.begin(), layers.end(), model.layers / chunks);
  }
  return layers;
}

std::int64_t Scenario::layers_on_stage(int stage) const {
  const auto layers = layers_per_virtual_stage();
  std::int64_t total = 0;
  for (int chunk = 0; chunk < parallel.model_chunks(); ++chunk)
    total += layers[static_cast<std::size_t>(
        virtual_stage_of(parallel.schedule, parallel.pp, stage, chunk))];
  return total;
}

namespace {

template <typename Enum, std::size_t N>
Enum parse_choice(const Json& obj, std::string_view key, std::string_view path, Enum fallback,
                  const std::array<std::pair<std::string_view, Enum>, N>& choices) {
  const auto text = optional_string(obj, key, path);
  if (!text) return fallback;
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    if (name == *text) return value;
    names.emplace_back(name);
  }
  throw InputError(join_path(path, key),
                   fmt::format("unknown value '{}'; allowed: {}", *text, fmt::join(names, ", ")));
}

ClusterSpec parse_cluster(const Json& root, const std::filesystem::path& base_dir, int& gpus_out) {
  const Json& cluster = require_field(root, "cluster", "");
  require_object(cluster, "cluster");
  reject_unknown_fields(cluster, "cluster", {"gpu", "node", "nodes", "gpus", "network", "profile"});
  ClusterSpec spec;
  spec.node = resolve_node(require_field(cluster, "node", "cluster"), "cluster.node");
  if (cluster.contains("gpu") && !cluster["gpu"].is_null())
    spec.gpu = resolve_gpu(cluster["gpu"], "cluster.gpu");
  else if (!spec.node.default_gpu.empty())
    spec.gpu = resolve_gpu(Json(spec.node.default_gpu), "cluster.node.default_gpu");
  else
    throw InputError("cluster.gpu",
                     "required: the node names no default_gpu (set cluster.gpu to a preset such "
                     "as h100-sxm5-80gb, or cluster.node.default_gpu)");

  const auto nodes = optional_positive_int(cluster, "nodes", "cluster");
  const auto gpus = optional_positive_int(cluster, "gpus", "cluster");
  const int per_node = spec.node.gpus_per_node;
  if (!nodes && !gpus)
    throw InputError("cluster.nodes", "give the cluster size as cluster.nodes or cluster.gpus");
  if (nodes && gpus && *gpus != *nodes * per_node)
    throw InputError("cluster.gpus",
                     fmt::format("{} GPUs disagrees with cluster.nodes = {} x {} GPUs per node; "
                                 "give one of the two",
                                 *gpus, *nodes, per_node));
  if (gpus && *gpus > per_node && *gpus % per_node != 0)
    throw InputError("cluster.gpus",
                     fmt::format("{} GPUs is not a whole number of {}-GPU nodes", *gpus, per_node));
  if ((nodes && *nodes > 1'000'000) || (gpus && *gpus > 8'000'000))
    throw InputError("cluster", "cluster larger than 8 million GPUs is not supported");
  const std::int64_t total = gpus ? *gpus : *nodes * per_node;
  spec.nodes = static_cast<int>((total + per_node - 1) / per_node);
  gpus_out = static_cast<int>(total);

  if (cluster.contains("network") && !cluster["network"].is_null())
    spec.network = resolve_network(cluster["network"], "cluster.network");
  else if (spec.nodes > 1)
    throw InputError("cluster.network",
                     "required when the cluster has more than one node (e.g. "
                     "\"ib-ndr400-rail-fattree\"; see `trainsim presets networks`)");
  else
    spec.network = resolve_network(Json("ib-ndr400-rail-fattree"), "cluster.network");

  if (const auto profile = optional_string(cluster, "profile", "cluster")) {
    std::filesystem::path file = *profile;
    if (file.is_relative()) file = base_dir / file;
    try {
      spec.profile = load_profile(file);
    } catch (const InputError& e) {
      throw InputError("cluster.profile", e.what());
    }
  } else {
    spec.profile = default_profile_for(spec.gpu);
  }
  return spec;
}

int optional_degree(const Json& obj, std::string_view key, int fallback) {
  const auto v = optional_positive_int(obj, key, "parallel");
  if (v && *v > 1'000'000) throw InputError(join_path("parallel", key), "unreasonably large");
  return v ? static_cast<int>(*v) : fallback;
}

}  // namespace

namespace {

// `engine`: which engine, and the flow engine's what-ifs (a slow GPU, a degraded cable).
void parse_engine(const Json& engine, Scenario& s) {
  require_object(engine, "engine");
  reject_unknown_fields(engine, "engine", {"network", "gpu_speed", "degraded_links"});
  EngineOptions& e = s.engine;
  const auto network = optional_string(engine, "network", "engine").value_or("analytic");
  if (network == "analytic") {
    e.network = NetworkEngineKind::analytic;
  } else if (network == "flow") {
    e.network = NetworkEngineKind::flow;
    if (s.gpus > kFlowEngineMaxGpus)
      throw InputError("engine.network",
                       fmt::format("the flow engine simulates every GPU and is limited to {} "
                                   "GPUs (this job has {}); use \"analytic\", or a smaller "
                                   "cluster for the contention study",
                                   kFlowEngineMaxGpus, s.gpus));
    if (s.gpus > kFlowEngineSlowGpus)
      s.warnings.push_back(fmt::format(
          "engine.network = \"flow\" on {} GPUs takes minutes (a GPT-3 step: 31 s on 4096 GPUs, "
          "197 s on 8192); \"analytic\" takes milliseconds",
          s.gpus));
  } else {
    throw InputError("engine.network",
                     fmt::format("unknown value '{}'; allowed: analytic (the fast engine), flow "
                                 "(every GPU simulated, collectives as flows on the topology)",
                                 network));
  }
  auto entries = [&](std::string_view key) -> const Json* {
    if (!engine.contains(key) || engine[key].is_null()) return nullptr;
    const Json& list = engine[key];
    const std::string path = join_path("engine", key);
    if (!list.is_array())
      throw InputError(path, "must be a list of {...} objects, got " + describe_json_type(list));
    if (!list.empty() && e.network != NetworkEngineKind::flow)
      throw InputError(path,
                       "needs engine.network = \"flow\": the analytic engine simulates one "
                       "representative GPU per pipeline stage, so one GPU or link cannot "
                       "differ from its peers");
    return &list;
  };
  auto factor_of = [](const Json& item, const std::string& path) {
    const double factor = require_positive_number(item, "factor", path);
    if (factor > 1e6)
      throw InputError(
          join_path(path, "factor"),
          fmt::format("{} is not a plausible speed factor (1 = nominal, 0.5 = half)", factor));
    return factor;
  };
  if (const Json* list = entries("gpu_speed")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      const std::string path = fmt::format("engine.gpu_speed[{}]", i);
      require_object(item, path);
      reject_unknown_fields(item, path, {"gpu", "factor"});
      const double gpu = require_number(item, "gpu", path);
      if (gpu < 0 || gpu >= s.gpus || gpu != std::floor(gpu))
        throw InputError(
            join_path(path, "gpu"),
            fmt::format("{} is not a GPU of this job (global ranks 0..{})", gpu, s.gpus - 1));
      e.gpu_speed.push_back(GpuSpeedFactor{static_cast<int>(gpu), factor_of(item, path)});
    }
  }
  if (const Json* list = entries("degraded_links")) {
    const Topology topology = build_topology(s.cluster);
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(topology.n_links()));
    for (LinkId id = 0; id < topology.n_links(); ++id) names.push_back(topology.link(id).name);
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      const std::string path = fmt::format("engine.degraded_links[{}]", i);
      require_object(item, path);
      reject_unknown_fields(item, path, {"link", "factor"});
      std::string link = require_string(item, "link", path);
      if (std::find(names.begin(), names.end(), link) == names.end()) {
        const std::vector<std::string> near = nearest_names(link, names);
        throw InputError(join_path(path, "link"),
                         fmt::format("no link '{}' in this cluster; links are named like '{}'{}",
                                     link, names.empty() ? std::string("?") : names.back(),
                                     near.empty() ? std::string()
                                                  : fmt::format("; did you mean '{}'?",
                                                                fmt::join(near, "', '"))));
      }
      e.degraded_links.push_back(LinkSpeedFactor{std::move(link), factor_of(item, path)});
    }
  }
}

}  // namespace

Scenario parse_scenario(const Json& root, const std::filesystem::path& base_dir) {
  require_object(root, "");
  reject_unknown_fields(root, "",
                        {"name", "description", "model", "cluster", "parallel", "training", "comm",
                         "engine", "strict_memory"});
  Scenario s;
  s.name = optional_string(root, "name", "").value_or("unnamed scenario");
  s.strict_memory = optional_bool(root, "strict_memory", "").value_or(false);
  s.model = resolve_model(require_field(root, "model", ""), "model", base_dir);
  s.cluster = parse_cluster(root, base_dir, s.gpus);

  // --- training ---
  const Json& training = require_field(root, "training", "");
  require_object(training, "training");
  reject_unknown_fields(training, "training",
                        {"global_batch", "micro_batch", "seq_len", "precision", "recompute",
                         "framework", "flash_attention"});
  TrainingConfig& t = s.training;
  t.global_batch = require_positive_int(training, "global_batch", "training");
  t.micro_batch = optional_positive_int(training, "micro_batch", "training").value_or(1);
  t.seq_len = optional_positive_int(training, "seq_len", "training")
                  .value_or(s.model.max_seq_len > 0 ? s.model.max_seq_len : 2048);
  if (const auto p = optional_string(training, "precision", "training")) {
    const auto parsed = parse_precision(*p);
    if (!parsed || *parsed == Precision::tf32)
      throw InputError("training.precision",
                       fmt::format("unknown value '{}'; allowed: bf16, fp16, fp8, fp32", *p));
    t.precision = *parsed;
  }
  if (s.cluster.gpu.peak_flops_per_s(t.precision) <= 0)
    throw InputError("training.precision",
                     fmt::format("GPU '{}' has no {} tensor throughput; choose another precision",
                                 s.cluster.gpu.name, name_of(t.precision)));
  t.recompute =
      parse_choice<RecomputeKind, 3>(training, "recompute", "training", RecomputeKind::none,
                                     {{{"none", RecomputeKind::none},
                                       {"selective", RecomputeKind::selective},
                                       {"full", RecomputeKind::full}}});
  t.framework = parse_choice<Framework, 2>(
      training, "framework", "training", Framework::megatron,
      {{{"megatron", Framework::megatron}, {"pytorch", Framework::pytorch}}});

  t.flash_attention = optional_bool(training, "flash_attention", "training").value_or(true);

  // --- parallel ---
  static const Json empty = Json::object();
  const Json& parallel = root.contains("parallel") ? root["parallel"] : empty;
  require_object(parallel, "parallel");
  reject_unknown_fields(parallel, "parallel",
                        {"tp",
                         "pp",
                         "dp",
                         "cp",
                         "ep",
                         "vpp",
                         "sequence_parallel",
                         "zero",
                         "schedule",
                         "overlap_grad_reduce",
                         "bucket_params",
                         "layer_split",
                         "etp",
                         "expert_load_imbalance",
                         "zero3_bucket_params",
                         "cp_kind",
                         "tp_comm_overlap",
                         "zero_shard_size",
                         "zero3_prefetch",
                         "zero3_grad_reduce",
                         "zero3_gather",
                         "grad_reduce_in_fp32",
                         "p2p_overlap"});
  Strategy& p = s.parallel;
  p.tp = optional_degree(parallel, "tp", 1);
  p.pp = optional_degree(parallel, "pp", 1);
  p.cp = optional_degree(parallel, "cp", 1);
  p.ep = optional_degree(parallel, "ep", 1);
  p.vpp = optional_degree(parallel, "vpp", 1);
  p.grad_reduce_in_fp32 = optional_bool(parallel, "grad_reduce_in_fp32", "parallel").value_or(true);
  p.sequence_parallel = optional_bool(parallel, "sequence_parallel", "parallel").value_or(false);
  p.etp = optional_degree(parallel, "etp", 0);
  p.cp_kind = parse_choice<ContextParallelKind, 2>(
      parallel, "cp_kind", "parallel", ContextParallelKind::ring,
      {{{"ring", ContextParallelKind::ring}, {"ulysses", ContextParallelKind::ulysses}}});
  p.tp_comm_overlap = optional_bool(parallel, "tp_comm_overlap", "parallel").value_or(false);
  p.expert_load_imbalance =
      optional_positive_number(parallel, "expert_load_imbalance", "parallel").value_or(1.0);
  if (p.expert_load_imbalance < 1.0)
    throw InputError(
        "parallel.expert_load_imbalance",
        fmt::format("must be >= 1 (1 = uniform routing), got {}", p.expert_load_imbalance));
  p.overlap_grad_reduce = optional_bool(parallel, "overlap_grad_reduce", "parallel").value_or(true);
  p.bucket_params = optional_positive_number(parallel, "bucket_params", "parallel").value_or(0);
  p.zero3_bucket_params =
      optional_positive_number(parallel, "zero3_bucket_params", "parallel").value_or(5e7);
  p.zero_shard_size =
      static_cast<int>(optional_positive_int(parallel, "zero_shard_size", "parallel").value_or(0));
  p.zero3_prefetch = optional_bool(parallel, "zero3_prefetch", "parallel").value_or(true);
  p.zero3_grad_reduce = parse_choice<Strategy::GradReduce, 2>(
      parallel, "zero3_grad_reduce", "parallel", Strategy::GradReduce::reduce_scatter,
      {{{"reduce_scatter", Strategy::GradReduce::reduce_scatter},
        {"all_reduce", Strategy::GradReduce::all_reduce}}});
  p.zero3_gather = parse_choice<Strategy::Gather, 2>(
      parallel, "zero3_gather", "parallel", Strategy::Gather::bucketed,
      {{{"bucketed", Strategy::Gather::bucketed}, {"per_tensor", Strategy::Gather::per_tensor}}});
  const auto zero = optional_non_negative_int(parallel, "zero", "parallel").value_or(0);
  if (zero > 3)
    throw InputError("parallel.zero", fmt::format("must be 0, 1, 2 or 3, got {}", zero));
  p.zero = static_cast<int>(zero);
  p.schedule = parse_choice<ScheduleKind, 5>(
      parallel, "schedule", "parallel",
      p.vpp > 1 ? ScheduleKind::interleaved : ScheduleKind::one_f_one_b,
      {{{"gpipe", ScheduleKind::gpipe},
        {"1f1b", ScheduleKind::one_f_one_b},
        {"interleaved", ScheduleKind::interleaved},
        {"zb-h1", ScheduleKind::zb_h1},
        {"zb-v", ScheduleKind::zb_v}}});

  // Megatron's defaults: overlap_p2p_comm on for the interleaved schedule (warm-up and flush
  // still blocking), forced off otherwise; the zero-bubble and GPipe orders keep sends async.
  const Strategy::P2pOverlap default_p2p =
      p.schedule == ScheduleKind::interleaved   ? Strategy::P2pOverlap::steady_state
      : p.schedule == ScheduleKind::one_f_one_b ? Strategy::P2pOverlap::none
                                                : Strategy::P2pOverlap::all;
  p.p2p_overlap =
      parse_choice<Strategy::P2pOverlap, 3>(parallel, "p2p_overlap", "parallel", default_p2p,
                                            {{{"all", Strategy::P2pOverlap::all},
                                              {"steady_state", Strategy::P2pOverlap::steady_state},
                                              {"none", Strategy::P2pOverlap::none}}});

  const std::int64_t model_parallel = std::int64_t{p.tp} * p.pp * p.cp;
  if (s.gpus % model_parallel != 0)
    throw InputError("parallel",
                     fmt::format("tp x pp x cp = {} x {} x {} = {} does not divide the {} GPUs",
                                 p.tp, p.pp, p.cp, model_parallel, s.gpus));
  const int derived_dp = static_cast<int>(s.gpus / model_parallel);
  p.dp = optional_degree(parallel, "dp", derived_dp);
  if (p.dp != derived_dp)
    throw InputError(
        "parallel.dp",
        fmt::format("tp x pp x dp x cp = {} x {} x {} x {} = {} but the cluster has {} "
                    "GPUs; omit dp to derive it ({})",
                    p.tp, p.pp, p.dp, p.cp, model_parallel * p.dp, s.gpus, derived_dp));

  // --- divisibility the frameworks require ---
  const ModelSpec& m = s.model;
  if (m.heads % p.tp != 0)
    throw InputError(
        "parallel.tp",
        fmt::format("tp = {} must divide the model's {} attention heads", p.tp, m.heads));
  if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0)
    throw InputError("parallel.tp",
                     fmt::format("tp = {} and the model's {} key/value heads must divide one "
                                 "another",
                                 p.tp, m.kv_heads));
  const std::int64_t chunks = std::int64_t{p.pp} * p.model_chunks();
  if (parallel.contains("layer_split") && parallel["layer_split"].is_array()) {
    // One count per model chunk in the order the layers run: stage 0 .. pp-1 for the first chunk
    // of each stage, then the second chunks (interleaved), or ZB-V's V (down, then back up).
    const Json& counts = parallel["layer_split"];
    if (static_cast<std::int64_t>(counts.size()) != chunks)
      throw InputError("parallel.layer_split",
                       fmt::format("{} counts given; pp x chunks = {} x {} = {} model chunks need "
                                   "one each",
                                   counts.size(), p.pp, p.model_chunks(), chunks));
    std::int64_t total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const std::string path = fmt::format("parallel.layer_split[{}]", i);
      if (!counts[i].is_number_integer() || counts[i].get<std::int64_t>() < 1)
        throw InputError(path, fmt::format("must be a positive whole number of layers, got {}",
                                           counts[i].dump()));
      p.layer_counts.push_back(counts[i].get<std::int64_t>());
      total += p.layer_counts.back();
    }
    if (total != m.layers)
      throw InputError(
          "parallel.layer_split",
          fmt::format("the counts add up to {} layers; the model has {}", total, m.layers));
    p.layer_split = LayerSplit::counts;
  } else {
    p.layer_split = parse_choice<LayerSplit, 2>(
        parallel, "layer_split", "parallel", LayerSplit::even,
        {{{"even", LayerSplit::even}, {"embedding_and_loss", LayerSplit::embedding_and_loss}}});
  }
  if (p.layer_split == LayerSplit::even && m.layers % chunks != 0)
    throw InputError(p.vpp > 1 ? "parallel.vpp" : "parallel.pp",
                     fmt::format("pp x {} = {} x {} must divide the model's {} layers{}",
                                 p.schedule == ScheduleKind::zb_v ? "ZB-V's 2 chunks" : "vpp", p.pp,
                                 p.model_chunks(), m.layers,
                                 chunks > 1 && (m.layers + 2) % chunks == 0
                                     ? " (or set parallel.layer_split to \"embedding_and_loss\")"
                                     : " (or give parallel.layer_split as a list of layers per "
                                       "chunk)"));
  if (p.layer_split == LayerSplit::embedding_and_loss &&
      (chunks < 2 || (m.layers + 2) % chunks != 0))
    throw InputError("parallel.layer_split",
                     fmt::format("embedding_and_loss needs pp x vpp = {} to divide layers + 2 = "
                                 "{}",
                                 chunks, m.layers + 2));
  if (t.seq_len % p.cp != 0)
    throw InputError("parallel.cp",
                     fmt::format("cp = {} must divide training.seq_len = {}", p.cp, t.seq_len));
  if (p.etp > 0 && m.moe) {
    if (p.tp % p.etp != 0)
      throw InputError("parallel.etp",
                       fmt::format("etp = {} must divide tp = {}: the expert-TP ranks are a subset "
                                   "of the attention's TP ranks here (Megatron-Core's parallel "
                                   "folding with etp > tp is not modelled)",
                                   p.etp, p.tp));
    if (m.moe->expert_ffn_hidden % p.etp != 0)
      throw InputError("parallel.etp", fmt::format("etp = {} must divide the expert FFN width {}",
                                                   p.etp, m.moe->expert_ffn_hidden));
  }
  if (p.ep > 1) {
    if (!m.moe)
      throw InputError("parallel.ep",
                       "expert parallelism (ep > 1) needs a mixture-of-experts model");
    if (m.moe->experts % p.ep != 0)
      throw InputError("parallel.ep", fmt::format("ep = {} must divide the model's {} experts",
                                                  p.ep, m.moe->experts));
    if (p.tp > 1 && !p.sequence_parallel)
      throw InputError("parallel.sequence_parallel",
                       fmt::format("expert parallelism with tp = {} needs sequence_parallel = true "
                                   "(Megatron-Core dispatches each TP rank's sequence shard; "
                                   "without it every TP rank would route the same tokens)",
                                   p.tp));
    if ((std::int64_t{p.tp} * p.cp * p.dp) % (std::int64_t{p.ep} * p.expert_tp()) != 0)
      throw InputError("parallel.ep",
                       fmt::format("ep x etp = {} x {} must divide the {} GPUs of a pipeline "
                                   "stage (tp x cp x dp): the experts are laid out over them",
                                   p.ep, p.expert_tp(), p.tp * p.cp * p.dp));
  }
  if (p.zero_shard_size > 0) {
    if ((p.dp * p.cp) % p.zero_shard_size != 0)
      throw InputError("parallel.zero_shard_size",
                       fmt::format("{} must divide dp x cp = {} (shard groups replicate the "
                                   "states over the rest of the data-parallel ranks)",
                                   p.zero_shard_size, p.dp * p.cp));
    if (p.zero == 0)
      s.warnings.push_back(
          "parallel.zero_shard_size has no effect with zero = 0 (nothing is sharded)");
  }
  if (!p.grad_reduce_in_fp32 &&
      (t.framework == Framework::pytorch || t.precision == Precision::fp32))
    s.warnings.push_back(
        "parallel.grad_reduce_in_fp32 = false has no effect: gradients are fp32 with "
        "training.framework = pytorch or precision = fp32");
  if (p.pp == 1 && parallel.contains("p2p_overlap"))
    s.warnings.push_back("parallel.p2p_overlap has no effect with pp = 1 (no pipeline sends)");
  if (p.zero < 3)
    for (const char* key :
         {"zero3_bucket_params", "zero3_prefetch", "zero3_grad_reduce", "zero3_gather"})
      if (parallel.contains(key))
        s.warnings.push_back(
            fmt::format("parallel.{} has no effect with zero = {} (only ZeRO-3 gathers parameters)",
                        key, p.zero));
  if (t.global_batch % (t.micro_batch * p.dp) != 0)
    throw InputError("training.global_batch",
                     fmt::format("global_batch = {} must be a multiple of micro_batch x dp = {} x "
                                 "{} = {}",
                                 t.global_batch, t.micro_batch, p.dp, t.micro_batch * p.dp));
  {
    // Every pass of every micro-batch on every stage is a simulated task (about 2.5 us each, and
    // memory for its timing): past a few million a prediction takes minutes and gigabytes.
    const std::int64_t passes_per_micro_batch = p.splits_weight_gradients() ? 3 : 2;
    const std::int64_t passes = s.micro_batches() * chunks * passes_per_micro_batch;
    constexpr std::int64_t kMaxPassTasks = std::int64_t{1} << 22;
    if (passes > kMaxPassTasks)
      throw InputError(
          "training.global_batch",
          fmt::format("{} micro-batches per pipeline make {} pass tasks to simulate, beyond the "
                      "{} this tool simulates per step; predict a smaller global_batch (once the "
                      "pipeline is full, the step grows linearly with it) or a larger micro_batch",
                      s.micro_batches(), passes, kMaxPassTasks));
  }
  if (p.schedule == ScheduleKind::interleaved) {
    if (p.vpp < 2)
      throw InputError("parallel.vpp", "the interleaved schedule needs vpp >= 2 model chunks");
    if (p.pp < 2) throw InputError("parallel.pp", "the interleaved schedule needs pp >= 2");
    if (s.micro_batches() % p.pp != 0)
      throw InputError("training.global_batch",
                       fmt::format("the interleaved schedule needs the {} micro-batches per "
                                   "pipeline to be a multiple of pp = {}",
                                   s.micro_batches(), p.pp));
  } else if (p.vpp > 1) {
    throw InputError(
        "parallel.vpp",
        fmt::format(
            "vpp = {} needs \"schedule\": \"interleaved\"{}", p.vpp,
            p.schedule == ScheduleKind::zb_v ? " (zb-v always places two chunks per stage)" : ""));
  }
  if (p.schedule == ScheduleKind::zb_v && p.pp < 2)
    throw InputError("parallel.pp", "the zb-v schedule needs pp >= 2 pipeline stages");
  if (p.cp_kind == ContextParallelKind::ulysses && p.cp > 1 && (m.heads / p.tp) % p.cp != 0)
    throw InputError("parallel.cp", fmt::format("Ulysses needs cp = {} to divide the {} heads per "
                                                "TP rank",
                                                p.cp, m.heads / p.tp));
  if (p.tp_comm_overlap && !p.sequence_parallel && p.tp > 1)
    throw InputError("parallel.tp_comm_overlap",
                     "TP communication overlap works on the sequence-parallel all-gathers and "
                     "reduce-scatters: set parallel.sequence_parallel to true");
  if (p.sequence_parallel && p.tp == 1)
    s.warnings.push_back("sequence_parallel has no effect with tp = 1");
  if (p.tp > s.cluster.node.gpus_per_node)
    s.warnings.push_back(
        fmt::format("tp = {} spans nodes: TP collectives cross the network", p.tp));

  // --- communication model options ---
  if (root.contains("comm")) {
    const Json& comm = root["comm"];
    require_object(comm, "comm");
    reject_unknown_fields(comm, "comm", {"algorithm", "protocol", "collnet"});
    s.comm.algorithm = optional_string(comm, "algorithm", "comm").value_or("");
    s.comm.protocol = optional_string(comm, "protocol", "comm").value_or("");
    s.comm.collnet = optional_bool(comm, "collnet", "comm").value_or(false);
  }
  if (root.contains("engine")) parse_engine(root["engine"], s);
  return s;
}

}  // namespace trainsim
