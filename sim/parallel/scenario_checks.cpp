#include "sim/parallel/scenario_checks.hpp"

#include "hardware/fat_tree_capacity.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hardware/topology.hpp"
#include "sim/parallel/save_lists.hpp"
#include "sim/parallel/scenario_defaults.hpp"

namespace trainsim {
namespace {

// Collects the diagnostics of one scenario.
class Findings {
 public:
  void error(std::string path, std::string message) {
    list_.push_back(error_at(std::move(path), std::move(message)));
    ++errors_;
  }
  void warn(DiagnosticCode code, std::string path, std::string message) {
    list_.push_back(warning_at(code, std::move(path), std::move(message)));
  }
  int errors() const { return errors_; }
  std::vector<Diagnostic> take() { return std::move(list_); }

 private:
  std::vector<Diagnostic> list_;
  int errors_ = 0;
};

// Sizes a scenario built in code may get wrong, which the JSON parser's types already exclude
// (dp may still be 0 here when tp·pp·cp does not divide the GPUs: check_degrees says so).
// False when one is out of range: the checks after it divide by them.
bool check_ranges(const Scenario& s, Findings& f) {
  const int before = f.errors();
  const TrainingConfig& t = s.training;
  const Strategy& p = s.parallel;
  if (s.gpus < 1 || s.gpus > kMaxGlobalRank)
    f.error("cluster.gpus", fmt::format("{} GPUs; must be 1 to {}", s.gpus, kMaxGlobalRank));
  else if (s.cluster.nodes < 1 ||
           std::int64_t{s.cluster.nodes} * s.cluster.node.gpus_per_node < s.gpus)
    f.error("cluster.nodes", fmt::format("{} nodes of {} GPUs do not hold the job's {} GPUs",
                                         s.cluster.nodes, s.cluster.node.gpus_per_node, s.gpus));
  for (const auto& [key, value] :
       {std::pair<const char*, std::int64_t>{"global_batch", t.global_batch},
        {"micro_batch", t.micro_batch},
        {"seq_len", t.seq_len}})
    if (value < 1)
      f.error(fmt::format("training.{}", key), fmt::format("must be at least 1, got {}", value));
  for (const auto& [key, value, least] : {std::tuple<const char*, int, int>{"tp", p.tp, 1},
                                          {"pp", p.pp, 1},
                                          {"dp", p.dp, 0},
                                          {"cp", p.cp, 1},
                                          {"ep", p.ep, 1},
                                          {"vpp", p.vpp, 1},
                                          {"etp", p.etp, 0},
                                          {"zero_shard_size", p.zero_shard_size, 0}})
    if (value < least || value > kMaxParallelDegree)
      f.error(fmt::format("parallel.{}", key),
              fmt::format("must be {} to {}, got {}", least, kMaxParallelDegree, value));
  if (p.zero < 0 || p.zero > 3)
    f.error("parallel.zero", fmt::format("must be 0, 1, 2 or 3, got {}", p.zero));
  if (!(p.bucket_params >= 0))
    f.error("parallel.bucket_params", "must be positive (or 0 for Megatron's default)");
  for (const auto& [key, value] :
       {std::pair<std::string_view, double>{"zero3_bucket_params", p.zero3_bucket_params},
        {"zero3_reduce_bucket_params", p.zero3_reduce_bucket_params}})
    if (!(value >= 0))
      f.error(fmt::format("parallel.{}", key),
              fmt::format("must be positive (or 0 for the framework's default), got {}", value));
  if (!(t.memory_headroom >= 0 && t.memory_headroom <= 0.9))
    f.error("training.memory_headroom",
            fmt::format("the share of GPU memory kept free must be 0 to 0.9, got {}",
                        t.memory_headroom));
  if (t.memory_pool_fraction && !(*t.memory_pool_fraction > 0 && *t.memory_pool_fraction <= 1))
    f.error("training.memory_pool_fraction",
            fmt::format("the share of GPU memory the allocator may hold must be above 0 and at "
                        "most 1, got {}",
                        *t.memory_pool_fraction));
  if (!(p.expert_load_imbalance >= 1.0))
    f.error("parallel.expert_load_imbalance",
            fmt::format("must be >= 1 (1 = uniform routing), got {}", p.expert_load_imbalance));
  return f.errors() == before;
}

void check_precision(const Scenario& s, Findings& f) {
  const Precision precision = s.training.precision;
  if (precision == Precision::tf32)
    f.error("training.precision",
            "tf32 is a matmul mode, not a training precision; allowed: "
            "bf16, fp16, fp8, fp32");
  else if (s.cluster.gpu.peak_flops_per_s(precision) <= 0)
    f.error("training.precision",
            fmt::format("GPU '{}' has no {} tensor throughput; choose another precision",
                        s.cluster.gpu.name, name_of(precision)));
}

// tp·pp·cp against the GPUs, and dp against what they leave. False when dp is not settled.
bool check_degrees(const Scenario& s, Findings& f) {
  const Strategy& p = s.parallel;
  const std::int64_t model_parallel = std::int64_t{p.tp} * p.pp * p.cp;
  if (s.gpus % model_parallel != 0) {
    f.error("parallel", fmt::format("tp x pp x cp = {} x {} x {} = {} does not divide the {} GPUs",
                                    p.tp, p.pp, p.cp, model_parallel, s.gpus));
    return false;
  }
  const std::int64_t derived_dp = s.gpus / model_parallel;
  if (p.dp != derived_dp) {
    f.error("parallel.dp",
            fmt::format("tp x pp x dp x cp = {} x {} x {} x {} = {} but the cluster has {} "
                        "GPUs; omit dp to derive it ({})",
                        p.tp, p.pp, p.dp, p.cp, model_parallel * p.dp, s.gpus, derived_dp));
    return false;
  }
  return true;
}

// Image models: a ViT's tokens are its image's patches; trainsim splits image models over data
// parallel ranks (and a ViT's uniform encoder over pipeline stages), not inside their layers.
void check_vision(const Scenario& s, Findings& f) {
  const ModelSpec& m = s.model;
  if (!m.vision) return;
  const VisionSpec& v = *m.vision;
  const Strategy& p = s.parallel;
  if (s.training.seq_len != v.tokens_per_image())
    f.error("training.seq_len",
            v.is_cnn()
                ? fmt::format("a CNN reads whole images (training batches count images); "
                              "remove seq_len (got {})",
                              s.training.seq_len)
                : fmt::format("a {}x{} image in {}x{} patches is {} tokens with the class "
                              "token; remove seq_len or set it to {} (got {})",
                              v.image_size, v.image_size, v.patch_size, v.patch_size,
                              v.tokens_per_image(), v.tokens_per_image(), s.training.seq_len));
  const char* what = "an image model runs data and pipeline parallel";
  for (const auto& [key, degree] : {std::pair<const char*, int>{"tp", p.tp}, {"cp", p.cp}})
    if (degree > 1)
      f.error(fmt::format("parallel.{}", key),
              fmt::format("{} in trainsim (splitting its layers is not modelled); set {} to 1, "
                          "got {}",
                          what, key, degree));
  if (v.is_cnn() && p.model_chunks() > 1)
    f.error("parallel.schedule",
            fmt::format("a CNN's blocks differ, so each pipeline stage holds one run of them: use "
                        "gpipe, 1f1b or zb-h1, not {}",
                        name_of(p.schedule)));
  if (v.is_cnn() && s.training.recompute == RecomputeKind::selective)
    f.error("training.recompute",
            "selective recomputation recomputes attention, which a CNN has not; use none or full");
}

// A parameter server serves pure data parallelism: every GPU a worker holding the whole model.
void check_parameter_server(const Scenario& s, Findings& f) {
  const Strategy& p = s.parallel;
  if (!p.parameter_server()) {
    if (p.ps != ParameterServer{})
      f.warn(
          DiagnosticCode::no_effect, "parallel.ps",
          "parallel.ps has no effect with dp_mode \"allreduce\" (set \"parameter_server\" to use "
          "it)");
    return;
  }
  for (const auto& [key, degree] :
       {std::pair<const char*, int>{"tp", p.tp}, {"pp", p.pp}, {"cp", p.cp}, {"ep", p.ep}})
    if (degree > 1)
      f.error(fmt::format("parallel.{}", key),
              fmt::format("a parameter server serves data-parallel workers that each hold the "
                          "whole model; set {} to 1 (got {}) or dp_mode to \"allreduce\"",
                          key, degree));
  if (p.zero > 0)
    f.error("parallel.zero", fmt::format("ZeRO shards model states over an all-reduce group; the "
                                         "parameter server keeps them itself: set zero to 0 (got "
                                         "{}) or dp_mode to \"allreduce\"",
                                         p.zero));
  if (s.engine.network == NetworkEngineKind::flow &&
      p.ps.placement == ParameterServer::Placement::dedicated &&
      p.ps.server_nics > s.cluster.node.nics_per_node)
    f.error(
        "parallel.ps.server_nics",
        fmt::format("the flow engine builds a dedicated server like a node, with at most its "
                    "{} NICs; set server_nics to at most {} (got {})",
                    s.cluster.node.nics_per_node, s.cluster.node.nics_per_node, p.ps.server_nics));
}

void check_model_split(const Scenario& s, Findings& f) {
  const Strategy& p = s.parallel;
  const ModelSpec& m = s.model;
  if (save_list_of(s.training.recompute, m) && (m.moe || m.vision || !s.training.flash_attention))
    f.error("training.recompute",
            fmt::format("{} (a save-list checkpoint policy) is modelled for dense transformer "
                        "blocks with flash attention; use none or full",
                        name_of(s.training.recompute)));
  if (m.heads % p.tp != 0)
    f.error("parallel.tp",
            fmt::format("tp = {} must divide the model's {} attention heads", p.tp, m.heads));
  else if (m.kv_heads % p.tp != 0 && s.training.framework == Framework::megatron)
    // Megatron-Core's Attention splits the query groups over the TP ranks with divide(), which
    // asserts divisibility: it refuses tp 16 for Llama 3 70B's 8 KV heads.
    f.error("parallel.tp", fmt::format("tp = {} must divide the model's {} key/value heads "
                                       "(Megatron-Core splits the query groups over the TP "
                                       "ranks); use a tp dividing {}",
                                       p.tp, m.kv_heads, m.kv_heads));
  else if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0)
    f.error("parallel.tp", fmt::format("tp = {} and the model's {} key/value heads must divide "
                                       "one another",
                                       p.tp, m.kv_heads));
  else if (m.kv_heads % p.tp != 0)
    f.warn(DiagnosticCode::replicated, "parallel.tp",
           fmt::format("tp = {} exceeds the model's {} key/value heads: each is replicated on {} "
                       "TP ranks (their projections and gradients too)",
                       p.tp, m.kv_heads, p.tp / m.kv_heads));
  const std::int64_t chunks = std::int64_t{p.pp} * p.model_chunks();
  if (p.layer_split == LayerSplit::counts) {
    const auto given = static_cast<std::int64_t>(p.layer_counts.size());
    if (given != chunks) {
      f.error("parallel.layer_split",
              fmt::format("{} counts given; pp x chunks = {} x {} = {} model chunks need one each",
                          given, p.pp, p.model_chunks(), chunks));
    } else {
      std::int64_t total = 0;
      for (std::size_t i = 0; i < p.layer_counts.size(); ++i) {
        if (p.layer_counts[i] < 1)
          f.error(
              fmt::format("parallel.layer_split[{}]", i),
              fmt::format("must be a positive whole number of layers, got {}", p.layer_counts[i]));
        total += p.layer_counts[i];
      }
      if (total != m.layers)
        f.error("parallel.layer_split",
                fmt::format("the counts add up to {} layers; the model has {}", total, m.layers));
    }
  }
  if (p.layer_split == LayerSplit::even && m.layers % chunks != 0)
    f.error(p.vpp > 1 ? "parallel.vpp" : "parallel.pp",
            fmt::format("pp x {} = {} x {} must divide the model's {} layers{}",
                        p.schedule == ScheduleKind::zb_v ? "ZB-V's 2 chunks" : "vpp", p.pp,
                        p.model_chunks(), m.layers,
                        chunks > 1 && (m.layers + 2) % chunks == 0
                            ? " (or set parallel.layer_split to \"embedding_and_loss\")"
                            : " (or give parallel.layer_split as a list of layers per chunk)"));
  if (p.layer_split == LayerSplit::embedding_and_loss &&
      (chunks < 2 || (m.layers + 2) % chunks != 0))
    f.error("parallel.layer_split",
            fmt::format("embedding_and_loss needs pp x vpp = {} to divide layers + 2 = {}", chunks,
                        m.layers + 2));
  if (s.training.seq_len % p.cp != 0)
    f.error("parallel.cp",
            fmt::format("cp = {} must divide training.seq_len = {}", p.cp, s.training.seq_len));
}

void check_experts(const Scenario& s, Findings& f) {
  const Strategy& p = s.parallel;
  const ModelSpec& m = s.model;
  if (p.etp > 0 && m.moe) {
    if (p.tp % p.etp != 0)
      f.error("parallel.etp",
              fmt::format("etp = {} must divide tp = {}: the expert-TP ranks are a subset of the "
                          "attention's TP ranks here (Megatron-Core's parallel folding with etp > "
                          "tp is not modelled)",
                          p.etp, p.tp));
    if (m.moe->expert_ffn_hidden % p.etp != 0)
      f.error("parallel.etp", fmt::format("etp = {} must divide the expert FFN width {}", p.etp,
                                          m.moe->expert_ffn_hidden));
  }
  if (p.ep <= 1) return;
  if (!m.moe) {
    f.error("parallel.ep", "expert parallelism (ep > 1) needs a mixture-of-experts model");
    return;
  }
  if (m.moe->experts % p.ep != 0)
    f.error("parallel.ep",
            fmt::format("ep = {} must divide the model's {} experts", p.ep, m.moe->experts));
  if (p.tp > 1 && !p.sequence_parallel)
    f.error("parallel.sequence_parallel",
            fmt::format("expert parallelism with tp = {} needs sequence_parallel = true "
                        "(Megatron-Core dispatches each TP rank's sequence shard; without it "
                        "every TP rank would route the same tokens)",
                        p.tp));
  if ((std::int64_t{p.tp} * p.cp * p.dp) % (std::int64_t{p.ep} * p.expert_tp()) != 0)
    f.error("parallel.ep",
            fmt::format("ep x etp = {} x {} must divide the {} GPUs of a pipeline stage (tp x cp "
                        "x dp): the experts are laid out over them",
                        p.ep, p.expert_tp(), std::int64_t{p.tp} * p.cp * p.dp));
}

// Settings that do nothing in this configuration. `stated` is the scenario before
// resolve_defaults, so that a default is not mistaken for a choice.
void check_effects(const Scenario& s, const Scenario& stated, Findings& f) {
  const Strategy& p = s.parallel;
  const TrainingConfig& t = s.training;
  if (p.zero_shard_size > 0) {
    if ((std::int64_t{p.dp} * p.cp) % p.zero_shard_size != 0)
      f.error("parallel.zero_shard_size",
              fmt::format("{} must divide dp x cp = {} (shard groups replicate the states over "
                          "the rest of the data-parallel ranks)",
                          p.zero_shard_size, std::int64_t{p.dp} * p.cp));
    if (p.zero == 0)
      f.warn(DiagnosticCode::no_effect, "parallel.zero_shard_size",
             "parallel.zero_shard_size has no effect with zero = 0 (nothing is sharded)");
  }
  const FrameworkProfile& framework = framework_profile(t.framework);
  if (stated.parallel.grad_reduce_in_fp32 == false &&
      ((framework.model_states == ModelStates::fp32_params && framework.grad_reduce_in_fp32) ||
       t.precision == Precision::fp32))
    f.warn(DiagnosticCode::no_effect, "parallel.grad_reduce_in_fp32",
           fmt::format("parallel.grad_reduce_in_fp32 = false has no effect: gradients are fp32 "
                       "with training.framework = {} or precision = fp32",
                       name_of(t.framework)));
  if (const auto& offered = framework.recompute_options;
      std::find(offered.begin(), offered.end(), name_of(t.recompute)) == offered.end())
    f.error("training.recompute",
            fmt::format("training.framework = {} does not offer recompute = {}; it offers: {}",
                        name_of(t.framework), name_of(t.recompute), fmt::join(offered, ", ")));
  if (t.compile && framework.fused_elementwise)
    f.warn(DiagnosticCode::no_effect, "training.compile",
           fmt::format("training.compile has no effect with training.framework = {}: its "
                       "kernels are fused already",
                       name_of(t.framework)));
  if (framework.shards_all_or_nothing && (p.zero == 1 || p.zero == 2))
    f.error("parallel.zero",
            fmt::format("training.framework = {} shards parameters, gradients and optimizer "
                        "states together or not at all (FSDP2's fully_shard, JAX's fsdp mesh "
                        "axis): use zero = 3 (with reshard_after_forward = false for ZeRO-2-like "
                        "memory and traffic) or zero = 0, got {}",
                        name_of(t.framework), p.zero));
  if (p.pp > 1 && !framework.pipeline_parallel)
    f.error("parallel.pp",
            fmt::format("training.framework = {} has no pipeline parallelism: use pp = 1 "
                        "(shard with zero = 3 or tp instead), got pp = {}",
                        name_of(t.framework), p.pp));
  else if (p.pp > 1 && p.zero > framework.pipeline_max_zero)
    // DeepSpeed's pipeline engine asserts ZeRO stage < 2 (its profile cites where).
    f.error("parallel.zero",
            fmt::format("training.framework = {} runs ZeRO stage {} at most beside pipeline "
                        "parallelism: use zero <= {} or pp = 1, got zero = {} with pp = {}",
                        name_of(t.framework), framework.pipeline_max_zero,
                        framework.pipeline_max_zero, p.zero, p.pp));
  if (p.pp == 1 && stated.parallel.p2p_overlap != Strategy::P2pOverlap::by_schedule)
    f.warn(DiagnosticCode::no_effect, "parallel.p2p_overlap",
           "parallel.p2p_overlap has no effect with pp = 1 (no pipeline sends)");
  if (p.zero < 3) {
    const Strategy defaults;
    const Strategy& given = stated.parallel;
    const std::pair<const char*, bool> zero3_settings[] = {
        {"zero3_bucket_params", given.zero3_bucket_params != defaults.zero3_bucket_params},
        {"zero3_reduce_bucket_params",
         given.zero3_reduce_bucket_params != defaults.zero3_reduce_bucket_params},
        {"reshard_after_forward", given.reshard_after_forward.has_value()},
        {"zero3_prefetch", p.zero3_prefetch != defaults.zero3_prefetch},
        {"zero3_grad_reduce", p.zero3_grad_reduce != defaults.zero3_grad_reduce},
        {"zero3_gather", p.zero3_gather != defaults.zero3_gather}};
    for (const auto& [key, changed] : zero3_settings)
      if (changed)
        f.warn(DiagnosticCode::no_effect, fmt::format("parallel.{}", key),
               fmt::format("parallel.{} has no effect with zero = {} (only ZeRO-3 gathers "
                           "parameters)",
                           key, p.zero));
  }
}

void check_schedule(const Scenario& s, Findings& f) {
  const Strategy& p = s.parallel;
  const TrainingConfig& t = s.training;
  const std::int64_t chunks = std::int64_t{p.pp} * p.model_chunks();
  const bool batch_divides = t.global_batch % (t.micro_batch * p.dp) == 0;
  if (!batch_divides)
    f.error("training.global_batch",
            fmt::format("global_batch = {} must be a multiple of micro_batch x dp = {} x {} = {}",
                        t.global_batch, t.micro_batch, p.dp, t.micro_batch * p.dp));
  if (batch_divides) {
    // Every pass of every micro-batch on every stage is a simulated task (about 2.5 us each, and
    // memory for its timing): past a few million a prediction takes minutes and gigabytes.
    const std::int64_t passes_per_micro_batch = p.splits_weight_gradients() ? 3 : 2;
    const std::int64_t passes = s.micro_batches() * chunks * passes_per_micro_batch;
    constexpr std::int64_t kMaxPassTasks = std::int64_t{1} << 22;
    if (passes > kMaxPassTasks)
      f.error("training.global_batch",
              fmt::format("{} micro-batches per pipeline make {} pass tasks to simulate, beyond "
                          "the {} this tool simulates per step; predict a smaller global_batch "
                          "(once the pipeline is full, the step grows linearly with it) or a "
                          "larger micro_batch",
                          s.micro_batches(), passes, kMaxPassTasks));
  }
  if (p.schedule == ScheduleKind::interleaved) {
    if (p.vpp < 2) f.error("parallel.vpp", "the interleaved schedule needs vpp >= 2 model chunks");
    if (p.pp < 2) f.error("parallel.pp", "the interleaved schedule needs pp >= 2");
    if (batch_divides && s.micro_batches() % p.pp != 0)
      f.error("training.global_batch",
              fmt::format("the interleaved schedule needs the {} micro-batches per pipeline to be "
                          "a multiple of pp = {}",
                          s.micro_batches(), p.pp));
  } else if (p.vpp > 1) {
    f.error("parallel.vpp", fmt::format("vpp = {} needs \"schedule\": \"interleaved\"{}", p.vpp,
                                        p.schedule == ScheduleKind::zb_v
                                            ? " (zb-v always places two chunks per stage)"
                                            : ""));
  }
  if (p.schedule == ScheduleKind::zb_v && p.pp < 2)
    f.error("parallel.pp", "the zb-v schedule needs pp >= 2 pipeline stages");
}

void check_tensor_parallel(const Scenario& s, Findings& f) {
  const Strategy& p = s.parallel;
  if (p.cp_kind == ContextParallelKind::ulysses && p.cp > 1 && (s.model.heads / p.tp) % p.cp != 0)
    f.error("parallel.cp", fmt::format("Ulysses needs cp = {} to divide the {} heads per TP rank",
                                       p.cp, s.model.heads / p.tp));
  if (p.tp_comm_overlap && !p.sequence_parallel && p.tp > 1)
    f.error("parallel.tp_comm_overlap",
            "TP communication overlap works on the sequence-parallel all-gathers and "
            "reduce-scatters: set parallel.sequence_parallel to true");
  // Transformer Engine's comm-GEMM overlap runs on Userbuffers, which maps peer GPUs' memory
  // over NVLink (CUDA IPC / multicast handles): only a TP group inside one NVLink domain can use
  // it (TransformerEngine issue #1071; multi-node NVLink domains came with PR #1470).
  if (p.tp_comm_overlap && p.tp > s.cluster.node.gpus_per_node)
    f.error("parallel.tp_comm_overlap",
            fmt::format("TP communication overlap (Transformer Engine's Userbuffers) needs the TP "
                        "group inside one NVLink domain: tp = {} spans nodes of {} GPUs; set it "
                        "to false or use tp <= {}",
                        p.tp, s.cluster.node.gpus_per_node, s.cluster.node.gpus_per_node));
  if (p.sequence_parallel && p.tp == 1)
    f.warn(DiagnosticCode::no_effect, "parallel.sequence_parallel",
           "sequence_parallel has no effect with tp = 1");
  if (p.tp > s.cluster.node.gpus_per_node)
    f.warn(DiagnosticCode::crosses_nodes, "parallel.tp",
           fmt::format("tp = {} spans nodes: TP collectives cross the network", p.tp));
}

// The flow engine's size limit and what-ifs (a slow GPU, a degraded cable).
void check_engine(const Scenario& s, Findings& f) {
  const EngineOptions& e = s.engine;
  if (e.network == NetworkEngineKind::flow) {
    if (s.gpus > kFlowEngineMaxGpus)
      f.error("engine.network",
              fmt::format("the flow engine simulates every GPU and is limited to {} GPUs, the "
                          "largest cluster measured (this job has {}); use \"analytic\", or a "
                          "smaller cluster for the contention study",
                          kFlowEngineMaxGpus, s.gpus));
    else if (s.gpus > kFlowEngineSlowGpus)
      f.warn(DiagnosticCode::slow_simulation, "engine.network",
             fmt::format("engine.network = \"flow\" on {} GPUs takes a minute or more (a GPT-3 "
                         "step: 15 s on 16,384 GPUs, 67 s and 4 GB on 98,304); \"analytic\" "
                         "takes milliseconds",
                         s.gpus));
  }
  const auto needs_flow = [&](const char* key, bool given) {
    if (given && e.network != NetworkEngineKind::flow)
      f.error(fmt::format("engine.{}", key),
              "needs engine.network = \"flow\": the analytic engine simulates one representative "
              "GPU per pipeline stage, so one GPU or link cannot differ from its peers");
    return given && e.network == NetworkEngineKind::flow;
  };
  const auto check_factor = [&](const std::string& path, double factor) {
    if (!(factor > 0) || factor > 1e6)
      f.error(join_path(path, "factor"),
              fmt::format("{} is not a plausible speed factor (1 = nominal, 0.5 = half)", factor));
  };
  // The analytic engine takes a slow GPU when the whole job waits for it every step (one stage:
  // data, tensor and context parallel groups all synchronize on it); a slow pipeline stage
  // needs every GPU simulated.
  const bool slow_gpu_analytic = s.parallel.pp == 1 && e.network == NetworkEngineKind::analytic;
  if (slow_gpu_analytic || needs_flow("gpu_speed", !e.gpu_speed.empty())) {
    for (std::size_t i = 0; i < e.gpu_speed.size(); ++i) {
      const std::string path = fmt::format("engine.gpu_speed[{}]", i);
      const GpuSpeedFactor& g = e.gpu_speed[i];
      if (g.gpu < 0 || g.gpu >= s.gpus)
        f.error(join_path(path, "gpu"), fmt::format("{} is not a GPU of this job (global ranks "
                                                    "0..{})",
                                                    g.gpu, s.gpus - 1));
      check_factor(path, g.factor);
    }
  }
  if (needs_flow("degraded_links", !e.degraded_links.empty())) {
    const Topology topology = build_topology(s.cluster);
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(topology.n_links()));
    for (LinkId id = 0; id < topology.n_links(); ++id) names.push_back(topology.link(id).name);
    for (std::size_t i = 0; i < e.degraded_links.size(); ++i) {
      const std::string path = fmt::format("engine.degraded_links[{}]", i);
      const std::string& link = e.degraded_links[i].link;
      if (std::find(names.begin(), names.end(), link) == names.end()) {
        const std::vector<std::string> near = nearest_names(link, names);
        f.error(join_path(path, "link"),
                fmt::format("no link '{}' in this cluster; links are named like '{}'{}", link,
                            names.empty() ? std::string("?") : names.back(),
                            near.empty()
                                ? std::string()
                                : fmt::format("; did you mean '{}'?", fmt::join(near, "', '"))));
      }
      check_factor(path, e.degraded_links[i].factor);
    }
  }
}

// A cluster whose NICs outnumber the ports of a fat tree of its switches: resolve_defaults adds
// the tiers it needs (the setup shows them); beyond the three tiers the topology models, refused.
void check_network(const Scenario& stated, Findings& f) {
  const NetworkSpec& network = stated.cluster.network;
  const std::int64_t nics = network_nics(stated.cluster);
  if (fat_tree_tiers_needed(network, nics)) return;
  const std::int64_t most = *fat_tree_max_nics(network, kMaxFatTreeTiers);
  f.error("cluster.nodes",
          fmt::format("{} nodes x {} NICs = {} NIC ports exceed what a {}-tier fat tree of "
                      "{}-port switches connects ({}), the most tiers modelled; use at most {} "
                      "nodes, or switches with more ports (cluster.network.switch_ports)",
                      stated.cluster.nodes, stated.cluster.node.nics_per_node, nics,
                      kMaxFatTreeTiers, network.switch_ports, most,
                      most / std::max(1, stated.cluster.node.nics_per_node)));
}

}  // namespace

std::vector<Diagnostic> check_scenario(const Scenario& stated) {
  Findings f;
  const Scenario s = resolved(stated);
  if (!check_ranges(s, f)) return f.take();
  check_precision(s, f);
  // What the model's shape asks of tp, pp and cp first: a tp that splits no head is the cause
  // when it also fails to divide the GPUs.
  check_vision(s, f);
  check_parameter_server(s, f);
  check_model_split(s, f);
  if (check_degrees(s, f)) {
    check_experts(s, f);
    check_effects(s, stated, f);
    check_schedule(s, f);
  }
  check_tensor_parallel(s, f);
  check_engine(s, f);
  check_network(stated, f);
  return f.take();
}

Scenario checked(const Scenario& scenario, std::vector<Diagnostic>* warnings) {
  const std::vector<Diagnostic> diagnostics = check_scenario(scenario);
  throw_first_error(diagnostics);
  if (warnings) {
    const std::vector<Diagnostic> found = warnings_of(diagnostics);
    warnings->insert(warnings->end(), found.begin(), found.end());
  }
  return resolved(scenario);
}

}  // namespace trainsim
