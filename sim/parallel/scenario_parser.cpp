// parse_scenario: the JSON of interface.md → a Scenario, checking syntax (types, known fields,
// known names) and resolving presets. What the values mean together — divisibility, memory
// bounds, which settings have no effect — is check_scenario's (scenario_checks.hpp), and the
// defaults that depend on other fields are resolve_defaults' (scenario_defaults.hpp): a Scenario
// built in C++ goes through both, as a parsed one does.
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hardware/presets.hpp"
#include "hardware/prices.hpp"
#include "models/model_limits.hpp"
#include "models/model_presets.hpp"
#include "sim/core/errors.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {
namespace {

// Sets `out` to the choice named by obj[key] when it is given; leaves it (the field's default)
// otherwise.
template <typename Enum, std::size_t N>
void parse_choice(const Json& obj, std::string_view key, std::string_view path, Enum& out,
                  const std::array<std::pair<std::string_view, Enum>, N>& choices) {
  const auto text = optional_string(obj, key, path);
  if (!text) return;
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    if (name == *text) {
      out = value;
      return;
    }
    names.emplace_back(name);
  }
  throw InputError(join_path(path, key),
                   fmt::format("unknown value '{}'; allowed: {}", *text, fmt::join(names, ", ")));
}

// parse_choice over `all`, each named by its name_of().
template <typename Enum, std::size_t N>
void parse_named(const Json& obj, std::string_view key, std::string_view path, Enum& out,
                 const std::array<Enum, N>& all) {
  std::array<std::pair<std::string_view, Enum>, N> choices;
  for (std::size_t i = 0; i < N; ++i) choices[i] = {name_of(all[i]), all[i]};
  parse_choice(obj, key, path, out, choices);
}

template <typename T>
void set_if_given(const std::optional<T>& value, T& out) {
  if (value) out = *value;
}
template <typename T>
void set_if_given(const std::optional<T>& value, std::optional<T>& out) {
  if (value) out = value;
}

// Degrees are checked for range by check_scenario; here only that they are whole and positive
// and fit an int.
void parse_degree(const Json& obj, std::string_view key, int& out) {
  const auto v = optional_positive_int(obj, key, "parallel");
  if (!v) return;
  if (*v > kMaxParallelDegree)
    throw InputError(join_path("parallel", key),
                     fmt::format("{} is unreasonably large (at most {})", *v, kMaxParallelDegree));
  out = static_cast<int>(*v);
}

ClusterSpec parse_cluster(const Json& root, const std::filesystem::path& base_dir, int& gpus_out) {
  const Json& cluster = require_field(root, "cluster", "");
  require_object(cluster, "cluster");
  reject_unknown_fields(cluster, "cluster",
                        {"gpu", "node", "nodes", "gpus", "network", "profile", "gpu_hour_usd",
                         "pue", "storage_GBps", "gpu_mtbf_hours", "restart_minutes"});
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

  // The price a training run's cost uses: stated, else the GPU preset's default (prices.json).
  if (const auto price = optional_positive_number(cluster, "gpu_hour_usd", "cluster",
                                                  Limit{1e6, "a million dollars per GPU-hour"}))
    spec.gpu_hour_usd = *price;
  else
    spec.gpu_hour_usd = default_gpu_hour_usd(spec.gpu.name).value_or(0.0);
  if (const auto pue = optional_positive_number(cluster, "pue", "cluster")) {
    if (*pue < 1 || *pue > 3)
      throw InputError("cluster.pue",
                       fmt::format("{} is not a power usage effectiveness: facility power / IT "
                                   "power is at least 1 (and below 3 in any data centre)",
                                   *pue));
    spec.pue = *pue;
  }
  const auto storage_GBps = optional_positive_number(cluster, "storage_GBps", "cluster",
                                                     Limit{1e6, "1 PB/s of checkpoint storage"});
  const auto mtbf_hours = optional_positive_number(cluster, "gpu_mtbf_hours", "cluster",
                                                   Limit{1e12, "a hundred million GPU-years"});
  if (storage_GBps.has_value() != mtbf_hours.has_value()) {
    throw InputError(
        storage_GBps ? "cluster.gpu_mtbf_hours" : "cluster.storage_GBps",
        storage_GBps
            ? "required with cluster.storage_GBps: the mean GPU-hours between failures that stop "
              "the job (Llama 3's 16384 H100 saw one about every 50,700 GPU-hours)"
            : "required with cluster.gpu_mtbf_hours: the bandwidth at which the job writes its "
              "checkpoints, in GB/s for all GPUs together");
  }
  if (storage_GBps) {
    spec.storage_Bps = *storage_GBps * 1e9;
    spec.gpu_mtbf_hours = *mtbf_hours;
    spec.restart_s = 60 * optional_non_negative_number(cluster, "restart_minutes", "cluster",
                                                       Limit{1e6, "two years"})
                              .value_or(0.0);
  } else if (cluster.contains("restart_minutes")) {
    throw InputError("cluster.restart_minutes",
                     "only used with cluster.gpu_mtbf_hours and cluster.storage_GBps (the "
                     "failure model); give those too");
  }

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
    // One node: its NICs carry nothing, but the cost models want a network to name.
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

void parse_training(const Json& root, TrainingConfig& t) {
  const Json& training = require_field(root, "training", "");
  require_object(training, "training");
  reject_unknown_fields(
      training, "training",
      {"global_batch", "micro_batch", "seq_len", "precision", "recompute", "framework", "compile",
       "flash_attention", "attention_kernel", "tokens", "memory_headroom", "memory_pool_fraction"});
  t.global_batch = require_positive_int(training, "global_batch", "training");
  set_if_given(optional_positive_int(training, "micro_batch", "training"), t.micro_batch);
  set_if_given(optional_positive_int(training, "seq_len", "training", model_limits::kSeqLen),
               t.seq_len);
  set_if_given(
      optional_positive_number(training, "tokens", "training",
                               Limit{1e18, "a million times the largest runs (36T tokens)"}),
      t.tokens);
  if (const auto p = optional_string(training, "precision", "training")) {
    const auto parsed = parse_precision(*p);
    if (!parsed || *parsed == Precision::tf32)
      throw InputError("training.precision",
                       fmt::format("unknown value '{}'; allowed: bf16, fp16, fp8, fp32", *p));
    t.precision = *parsed;
  }
  parse_named(training, "recompute", "training", t.recompute, kRecomputeKinds);
  parse_named(training, "framework", "training", t.framework, kFrameworks);
  set_if_given(optional_bool(training, "compile", "training"), t.compile);
  set_if_given(optional_bool(training, "flash_attention", "training"), t.flash_attention);
  parse_named(training, "attention_kernel", "training", t.attention_kernel, kAttentionKernels);
  set_if_given(optional_non_negative_number(training, "memory_headroom", "training",
                                            Limit{0.9, "90% of the GPU kept free"}),
               t.memory_headroom);
  set_if_given(optional_positive_number(training, "memory_pool_fraction", "training"),
               t.memory_pool_fraction);
}

// JAX's device mesh (MaxText's ici_/dcn_ axes multiplied out) in trainsim's terms: `tensor` is
// TP, with the activations kept sharded between blocks as sequence parallelism keeps them
// (MaxText's activation_embed axis on 'tensor'); `data` x `fsdp` is DP, sharded (ZeRO-3) over
// the fsdp ranks, hybrid across `data` when both exceed 1; no pipeline.
void parse_mesh(const Json& root, const Json& parallel, Strategy& p) {
  const auto it = parallel.find("mesh");
  if (it == parallel.end() || it->is_null()) return;
  const Json& mesh = *it;
  require_object(mesh, "parallel.mesh");
  reject_unknown_fields(mesh, "parallel.mesh", {"data", "fsdp", "tensor"});
  const Json* training = root.contains("training") ? &root["training"] : nullptr;
  if (!training || !training->is_object() || training->value("framework", "") != "jax")
    throw InputError("parallel.mesh",
                     "is JAX's device mesh: set training.framework = \"jax\", or give tp, dp "
                     "and zero instead");
  for (const char* key : {"tp", "pp", "dp", "zero", "zero_shard_size", "sequence_parallel"})
    if (parallel.contains(key))
      throw InputError(fmt::format("parallel.{}", key),
                       "parallel.mesh sets it: give the mesh or the degrees, not both");
  constexpr Limit kDegree{kMaxParallelDegree, "the largest parallel degree"};
  const auto axis = [&](const char* key) {
    return optional_positive_int(mesh, key, "parallel.mesh", kDegree).value_or(1);
  };
  const std::int64_t data = axis("data"), fsdp = axis("fsdp"), tensor = axis("tensor");
  p.tp = static_cast<int>(tensor);
  p.pp = 1;
  p.dp = static_cast<int>(data * fsdp);
  p.zero = fsdp > 1 ? 3 : 0;
  p.zero_shard_size = data > 1 && fsdp > 1 ? static_cast<int>(fsdp) : 0;
  p.sequence_parallel = tensor > 1;
}

void parse_parallel(const Json& root, Strategy& p) {
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
                         "zero3_reduce_bucket_params",
                         "reshard_after_forward",
                         "cp_kind",
                         "tp_comm_overlap",
                         "zero_shard_size",
                         "zero3_prefetch",
                         "zero3_grad_reduce",
                         "zero3_gather",
                         "grad_reduce_in_fp32",
                         "p2p_overlap",
                         "dp_mode",
                         "ps",
                         "mesh"});
  for (const auto& [key, degree] : {std::pair<std::string_view, int*>{"tp", &p.tp},
                                    {"pp", &p.pp},
                                    {"dp", &p.dp},
                                    {"cp", &p.cp},
                                    {"ep", &p.ep},
                                    {"vpp", &p.vpp},
                                    {"etp", &p.etp}})
    parse_degree(parallel, key, *degree);
  set_if_given(optional_bool(parallel, "grad_reduce_in_fp32", "parallel"), p.grad_reduce_in_fp32);
  set_if_given(optional_bool(parallel, "sequence_parallel", "parallel"), p.sequence_parallel);
  parse_choice<ContextParallelKind, 2>(
      parallel, "cp_kind", "parallel", p.cp_kind,
      {{{"ring", ContextParallelKind::ring}, {"ulysses", ContextParallelKind::ulysses}}});
  set_if_given(optional_bool(parallel, "tp_comm_overlap", "parallel"), p.tp_comm_overlap);
  set_if_given(optional_positive_number(parallel, "expert_load_imbalance", "parallel"),
               p.expert_load_imbalance);
  set_if_given(optional_bool(parallel, "overlap_grad_reduce", "parallel"), p.overlap_grad_reduce);
  set_if_given(optional_positive_number(parallel, "bucket_params", "parallel"), p.bucket_params);
  set_if_given(optional_positive_number(parallel, "zero3_bucket_params", "parallel"),
               p.zero3_bucket_params);
  set_if_given(optional_positive_number(parallel, "zero3_reduce_bucket_params", "parallel"),
               p.zero3_reduce_bucket_params);
  set_if_given(optional_bool(parallel, "reshard_after_forward", "parallel"),
               p.reshard_after_forward);
  if (const auto shard = optional_positive_int(parallel, "zero_shard_size", "parallel")) {
    if (*shard > kMaxParallelDegree)
      throw InputError(
          "parallel.zero_shard_size",
          fmt::format("{} is unreasonably large (at most {})", *shard, kMaxParallelDegree));
    p.zero_shard_size = static_cast<int>(*shard);
  }
  set_if_given(optional_bool(parallel, "zero3_prefetch", "parallel"), p.zero3_prefetch);
  parse_choice<Strategy::GradReduce, 2>(parallel, "zero3_grad_reduce", "parallel",
                                        p.zero3_grad_reduce,
                                        {{{"reduce_scatter", Strategy::GradReduce::reduce_scatter},
                                          {"all_reduce", Strategy::GradReduce::all_reduce}}});
  parse_choice<Strategy::Gather, 2>(
      parallel, "zero3_gather", "parallel", p.zero3_gather,
      {{{"bucketed", Strategy::Gather::bucketed}, {"per_tensor", Strategy::Gather::per_tensor}}});
  if (const auto zero = optional_non_negative_int(parallel, "zero", "parallel")) {
    if (*zero > 3)
      throw InputError("parallel.zero", fmt::format("must be 0, 1, 2 or 3, got {}", *zero));
    p.zero = static_cast<int>(*zero);
  }
  // A stated vpp > 1 names the interleaved schedule when the schedule is not stated: the one
  // schedule that takes it (Megatron's --num-layers-per-virtual-pipeline-stage alone selects it).
  if (p.vpp > 1) p.schedule = ScheduleKind::interleaved;
  parse_choice<ScheduleKind, 5>(parallel, "schedule", "parallel", p.schedule,
                                {{{"gpipe", ScheduleKind::gpipe},
                                  {"1f1b", ScheduleKind::one_f_one_b},
                                  {"interleaved", ScheduleKind::interleaved},
                                  {"zb-h1", ScheduleKind::zb_h1},
                                  {"zb-v", ScheduleKind::zb_v}}});
  parse_choice<Strategy::P2pOverlap, 3>(parallel, "p2p_overlap", "parallel", p.p2p_overlap,
                                        {{{"all", Strategy::P2pOverlap::all},
                                          {"steady_state", Strategy::P2pOverlap::steady_state},
                                          {"none", Strategy::P2pOverlap::none}}});

  parse_choice<Strategy::DpMode, 2>(parallel, "dp_mode", "parallel", p.dp_mode,
                                    {{{"allreduce", Strategy::DpMode::allreduce},
                                      {"parameter_server", Strategy::DpMode::parameter_server}}});
  if (const auto it = parallel.find("ps"); it != parallel.end() && !it->is_null()) {
    const Json& ps = *it;
    require_object(ps, "parallel.ps");
    reject_unknown_fields(ps, "parallel.ps",
                          {"servers", "placement", "server_nics", "update", "staleness"});
    constexpr Limit kServers{1 << 20, "a million servers"};
    constexpr Limit kNics{64, "64 NICs per server"};
    constexpr Limit kStaleness{1 << 20, "a million steps"};
    if (const auto n = optional_positive_int(ps, "servers", "parallel.ps", kServers))
      p.ps.servers = static_cast<int>(*n);
    if (const auto n = optional_positive_int(ps, "server_nics", "parallel.ps", kNics))
      p.ps.server_nics = static_cast<int>(*n);
    parse_choice<ParameterServer::Placement, 2>(
        ps, "placement", "parallel.ps", p.ps.placement,
        {{{"dedicated", ParameterServer::Placement::dedicated},
          {"colocated", ParameterServer::Placement::colocated}}});
    parse_choice<bool, 2>(ps, "update", "parallel.ps", p.ps.async,
                          {{{"sync", false}, {"async", true}}});
    if (const auto k = optional_non_negative_int(ps, "staleness", "parallel.ps", kStaleness)) {
      if (!p.ps.async)
        throw InputError("parallel.ps.staleness",
                         "bounds an asynchronous server's staleness: set \"update\": \"async\" "
                         "or remove it");
      p.ps.staleness = static_cast<int>(*k);
    }
  }
  parse_mesh(root, parallel, p);

  if (parallel.contains("layer_split") && parallel["layer_split"].is_array()) {
    // One count per model chunk in the order the layers run (check_scenario checks how many and
    // their total).
    const Json& counts = parallel["layer_split"];
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (!counts[i].is_number_integer() || counts[i].get<std::int64_t>() < 1)
        throw InputError(fmt::format("parallel.layer_split[{}]", i),
                         fmt::format("must be a positive whole number of layers, got {}",
                                     shown_value(counts[i])));
      p.layer_counts.push_back(counts[i].get<std::int64_t>());
    }
    p.layer_split = LayerSplit::counts;
  } else {
    parse_choice<LayerSplit, 2>(
        parallel, "layer_split", "parallel", p.layer_split,
        {{{"even", LayerSplit::even}, {"embedding_and_loss", LayerSplit::embedding_and_loss}}});
  }
}

void parse_comm(const Json& root, CollectiveOptions& c) {
  if (!root.contains("comm")) return;
  const Json& comm = root["comm"];
  require_object(comm, "comm");
  reject_unknown_fields(comm, "comm", {"algorithm", "protocol", "collnet"});
  set_if_given(optional_string(comm, "algorithm", "comm"), c.algorithm);
  set_if_given(optional_string(comm, "protocol", "comm"), c.protocol);
  set_if_given(optional_bool(comm, "collnet", "comm"), c.collnet);
}

// `engine`: which engine, and the flow engine's what-ifs (a slow GPU, a degraded cable).
void parse_engine(const Json& root, EngineOptions& e) {
  if (!root.contains("engine")) return;
  const Json& engine = root["engine"];
  require_object(engine, "engine");
  reject_unknown_fields(engine, "engine", {"network", "gpu_speed", "degraded_links"});
  const auto network = optional_string(engine, "network", "engine").value_or("analytic");
  if (network == "analytic") {
    e.network = NetworkEngineKind::analytic;
  } else if (network == "flow") {
    e.network = NetworkEngineKind::flow;
  } else {
    throw InputError("engine.network",
                     fmt::format("unknown value '{}'; allowed: analytic (the fast engine), flow "
                                 "(every GPU simulated, collectives as flows on the topology)",
                                 network));
  }
  auto entries = [&](std::string_view key) -> const Json* {
    if (!engine.contains(key) || engine[key].is_null()) return nullptr;
    const Json& list = engine[key];
    if (!list.is_array())
      throw InputError(join_path("engine", key),
                       "must be a list of {...} objects, got " + describe_json_type(list));
    return &list;
  };
  if (const Json* list = entries("gpu_speed")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      const std::string path = fmt::format("engine.gpu_speed[{}]", i);
      require_object(item, path);
      reject_unknown_fields(item, path, {"gpu", "factor"});
      const double gpu = require_number(item, "gpu", path);
      if (gpu < 0 || gpu > kMaxGlobalRank || gpu != std::floor(gpu))
        throw InputError(join_path(path, "gpu"),
                         fmt::format("{} is not a GPU's global rank (a whole number from 0)", gpu));
      e.gpu_speed.push_back(
          GpuSpeedFactor{static_cast<int>(gpu), require_positive_number(item, "factor", path)});
    }
  }
  if (const Json* list = entries("degraded_links")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      const std::string path = fmt::format("engine.degraded_links[{}]", i);
      require_object(item, path);
      reject_unknown_fields(item, path, {"link", "factor"});
      e.degraded_links.push_back(LinkSpeedFactor{require_string(item, "link", path),
                                                 require_positive_number(item, "factor", path)});
    }
  }
}

// `root` without its "auto" values, whose paths go to `autos` (in kAutoSettings order); "auto"
// anywhere else is an error naming the settings that accept it.
Json without_autos(const Json& root, std::vector<std::string>& autos) {
  Json copy = root;
  std::vector<std::string> found;
  const auto walk = [&](auto& self, Json& node, const std::string& path) -> void {
    if (node.is_object()) {
      for (auto it = node.begin(); it != node.end();) {
        const std::string child = join_path(path, it.key());
        if (it.value().is_string() && it.value().get<std::string>() == "auto") {
          if (std::find(std::begin(kAutoSettings), std::end(kAutoSettings), child) ==
              std::end(kAutoSettings))
            throw InputError(child, fmt::format("\"auto\" is accepted only for {}",
                                                fmt::join(kAutoSettings, ", ")));
          found.push_back(child);
          it = node.erase(it);
        } else {
          self(self, it.value(), child);
          ++it;
        }
      }
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        if (node[i].is_string() && node[i].get<std::string>() == "auto")
          throw InputError(
              fmt::format("{}[{}]", path, i),
              fmt::format("\"auto\" is accepted only for {}", fmt::join(kAutoSettings, ", ")));
        self(self, node[i], fmt::format("{}[{}]", path, i));
      }
    }
  };
  walk(walk, copy, "");
  for (std::string_view setting : kAutoSettings)
    if (std::find(found.begin(), found.end(), setting) != found.end()) autos.emplace_back(setting);
  return copy;
}

// A stack that ran another attention kernel than the one the GPU's profile measured: the
// profile's attention at that kernel's published rate.
void apply_attention_kernel(Scenario& s) {
  if (s.training.attention_kernel == AttentionKernel::profile) return;
  if (!s.training.flash_attention)
    throw InputError("training.attention_kernel",
                     "names a flash-attention kernel, but training.flash_attention is false "
                     "(unfused attention): drop one of the two");
  const auto best = flash_attention_2_best_frac(s.cluster.gpu);
  if (!best)
    throw InputError(
        "training.attention_kernel",
        fmt::format("no published FlashAttention-2 efficiency for {} (known on NVIDIA Ampere "
                    "and Hopper); use \"profile\" with a cluster.profile calibrated on the "
                    "stack",
                    s.cluster.gpu.name));
  s.cluster.profile = with_attention_best_frac(std::move(s.cluster.profile), *best);
}

}  // namespace

Scenario parse_scenario(const Json& stated_root, const std::filesystem::path& base_dir) {
  require_object(stated_root, "");
  Scenario s;
  const Json root = without_autos(stated_root, s.auto_settings);
  reject_unknown_fields(root, "",
                        {"name", "description", "model", "cluster", "parallel", "training", "comm",
                         "engine", "strict_memory"});
  set_if_given(optional_string(root, "name", ""), s.name);
  set_if_given(optional_bool(root, "strict_memory", ""), s.strict_memory);
  s.model = resolve_model(require_field(root, "model", ""), "model", base_dir);
  s.cluster = parse_cluster(root, base_dir, s.gpus);
  parse_training(root, s.training);
  apply_attention_kernel(s);
  parse_parallel(root, s.parallel);
  parse_comm(root, s.comm);
  parse_engine(root, s.engine);
  return s;
}

}  // namespace trainsim
