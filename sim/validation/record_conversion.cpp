#include "sim/validation/record_conversion.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <optional>

#include "sim/core/units.hpp"
#include "sim/parallel/scenario.hpp"
#include "sim/validation/record_fields.hpp"

namespace trainsim {
namespace {

using record_fields::field;
using record_fields::lower;
using record_fields::number;
using record_fields::text;
using record_fields::unusable_number;

// The Megatron SC'21 FLOP count (eq. 3, includes the recomputation forward pass).
double megatron_eq3_flops(const Json& model, double global_batch) {
  const double s = model["seq_len"].get<double>(), l = model["layers"].get<double>(),
               h = model["hidden"].get<double>(), v = model["vocab"].get<double>();
  return 96.0 * global_batch * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h));
}

// MaxText's FLOP count for one step of the whole job (maxtext_utils.py
// calculate_tflops_training_per_device at efb6d9e, times the devices): 6 x every parameter
// (embedding and untied output head included) x tokens, plus the causal half of attention's
// 12·heads·layers·head_dim·s² per sequence. A dense SwiGLU decoder with RMSNorm, as MaxText's
// Llama configurations are.
double maxtext_flops(const Json& model, double global_batch) {
  const double s = model["seq_len"].get<double>(), l = model["layers"].get<double>(),
               h = model["hidden"].get<double>(), v = model["vocab"].get<double>(),
               heads = model["heads"].get<double>(), f = model["ffn_hidden"].get<double>();
  const double kv_hidden =
      h / heads * (model.contains("kv_heads") ? model["kv_heads"].get<double>() : heads);
  const double layer_params = h * (h + 2.0 * kv_hidden) + h * h + 3.0 * h * f + 2.0 * h;
  const double params = 2.0 * v * h + l * layer_params + h;
  return global_batch * s * (6.0 * params + 6.0 * heads * l * (h / heads) * s);
}

// A cluster whose record names an Intel Omni-Path fabric ("Omni-Path ..., 4 OPA links per node"):
// 8 NVSwitch-connected GPUs per node (the A100 SXM4 baseboard) with that many 100 Gb/s links, in a
// non-blocking fat tree. NCCL drives OPA through its verbs transport, so it is modelled as an
// InfiniBand-like fabric at OPA's link rate, without in-network reduction.
struct StatedFabric {
  Json node, network;
  std::string assumption;
  std::string unusable;  // why the statement cannot be modelled (the record is skipped)
};

std::optional<StatedFabric> omni_path_fabric(const std::string& inter,
                                             std::optional<double> gpus_per_node) {
  const std::string text = lower(inter);
  // "4 OPA links per node" or "4 Omni-Path (OPA) links per node".
  auto at = text.find(" opa link");
  if (at == std::string::npos) at = text.find(" omni-path (opa) link");
  if (at == std::string::npos) return std::nullopt;
  const auto digits_end = at;
  auto digits_begin = digits_end;
  while (digits_begin > 0 && std::isdigit(static_cast<unsigned char>(text[digits_begin - 1])))
    --digits_begin;
  if (digits_begin == digits_end) return std::nullopt;
  StatedFabric f;
  // One to a few host fabric adapters per node; more is a typo, not a machine (checked before
  // reading the number, which may not fit an int).
  constexpr std::size_t kMaxLinkDigits = 2;
  constexpr int kMaxLinksPerNode = 32;
  int links = 0;
  if (digits_end - digits_begin <= kMaxLinkDigits)
    links = std::stoi(text.substr(digits_begin, digits_end - digits_begin));
  if (links < 1 || links > kMaxLinksPerNode) {
    f.unusable =
        fmt::format("hardware.inter states {} OPA links per node; allowed 1 to {}",
                    text.substr(digits_begin, std::min<std::size_t>(digits_end - digits_begin, 24)),
                    kMaxLinksPerNode);
    return f;
  }
  constexpr double kOpaLinkGbps = 100;  // Omni-Path 100 series
  f.node = {{"gpus_per_node", gpus_per_node.value_or(8)},
            {"nvswitch", true},
            {"nics_per_node", links},
            {"nic_Gbps", kOpaLinkGbps}};
  f.network = {{"description", "Omni-Path 100 non-blocking fat tree (as the record states)"},
               {"fabric", "infiniband"},
               {"link_Gbps", kOpaLinkGbps},
               {"nic_latency_us", 1.0},
               {"switch_latency_us", 0.11},
               {"nodes_per_leaf_group", 20},
               {"oversubscription", 1.0},
               {"tiers", 2},
               {"in_network_reduction", false}};
  f.assumption = fmt::format(
      "Omni-Path as stated: {} x 100 Gb/s per node, non-blocking fat tree, no in-network "
      "reduction",
      links);
  return f;
}

// A record whose interconnect names a fabric other than InfiniBand: AWS EFA ("EFA", "Elastic
// Fabric Adapter", "p5", "p4d") or RoCE/Ethernet. The node and network presets for it, or
// nothing when the text names neither (InfiniBand, Omni-Path and unstated keep the defaults).
struct NamedFabric {
  std::string node;  // empty = keep the GPU's default node
  std::string network;
  std::string assumption;
};

bool names_word(const std::string& text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const std::size_t end = at + word.size();
    const bool ends = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (starts && ends) return true;
  }
  return false;
}

std::optional<NamedFabric> named_fabric(const std::string& inter, const std::string& gpu) {
  const std::string text = lower(inter);
  const bool a100 = gpu.find("a100") != std::string::npos;
  if (names_word(text, "efa") || text.find("elastic fabric adapter") != std::string::npos ||
      names_word(text, "p5") || names_word(text, "p4d")) {  // also "p5.48xlarge", "p4d.24xlarge"
    NamedFabric f;
    f.network = "aws-efa";
    if (gpu.find("h100") != std::string::npos) f.node = "aws-p5";
    if (a100 && gpu.find("40") != std::string::npos) f.node = "aws-p4d";
    f.assumption = fmt::format("interconnect names AWS EFA: network aws-efa{}",
                               f.node.empty() ? "" : ", node " + f.node);
    return f;
  }
  if (names_word(text, "roce") || names_word(text, "rocev2") ||
      (text.find("ethernet") != std::string::npos &&
       text.find("infiniband") == std::string::npos)) {
    return NamedFabric{"", "roce400-rail-fattree",
                       "interconnect names RoCE/Ethernet: network roce400-rail-fattree"};
  }
  return std::nullopt;
}

}  // namespace

std::variant<RecordConversion, SkippedRecord> convert_record(const Json& record,
                                                             UnstatedSettings unstated) {
  const bool fastest = unstated == UnstatedSettings::fastest;
  RecordConversion c;
  if (!record.is_object()) return SkippedRecord{"not a JSON object"};
  const std::string type = text(record, "type");
  if (type != "training_step")
    return SkippedRecord{fmt::format("a '{}' record, not a training step", type)};
  for (const char* section : {"model", "hardware", "parallel", "batch", "measured"}) {
    const Json* v = field(record, section);
    if (!v || !v->is_object())
      return SkippedRecord{fmt::format("{} is missing or not an object", section)};
  }
  const Json& model = record["model"];
  const Json& hw = record["hardware"];
  const Json& par = record["parallel"];
  const Json& batch = record["batch"];
  const Json& measured = record["measured"];
  for (const char* key : {"layers", "hidden", "heads", "vocab", "seq_len"})
    if (auto why = unusable_number(model, "model", key)) return SkippedRecord{*why};
  for (const char* key : {"tp", "pp"})
    if (auto why = unusable_number(par, "parallel", key)) return SkippedRecord{*why};
  if (auto why = unusable_number(batch, "batch", "global")) return SkippedRecord{*why};
  const std::string source = text(record, "source");

  // --- measured iteration time ---
  for (const char* key : {"iter_time_s", "tflops_per_gpu"})
    if (auto v = number(measured, key); v && !(*v > 0))
      return SkippedRecord{fmt::format("measured.{} = {} is not positive", key, *v)};
  if (auto t = number(measured, "iter_time_s")) {
    c.measured_s = *t;
    c.measured_from = "measured.iter_time_s";
  } else if (auto x = number(measured, "tflops_per_gpu");
             x && source.find("SC'21") != std::string::npos) {
    const double gpus = number(hw, "gpus").value_or(0);
    c.measured_s = megatron_eq3_flops(model, *number(batch, "global")) / (gpus * *x * 1e12);
    c.measured_from = "tflops_per_gpu with the paper's eq. 3 FLOP count";
  } else if (auto x = number(measured, "tflops_per_gpu");
             x && source.find("MaxText") != std::string::npos) {
    if (auto why = unusable_number(model, "model", "ffn_hidden")) return SkippedRecord{*why};
    const double gpus = number(hw, "gpus").value_or(0);
    c.measured_s = maxtext_flops(model, *number(batch, "global")) / (gpus * *x * 1e12);
    c.measured_from = "tflops_per_gpu with MaxText's FLOP count";
  } else if (auto rate = number(measured, "tokens_per_s_per_gpu")) {
    // Tokens of the whole step over its GPUs: TorchTitan's TPS/GPU divides a rank's tokens by the
    // non-data-parallel degree (train.py at 9dec370, lines 358-360), i.e. global tokens / GPUs.
    const double gpus = number(hw, "gpus").value_or(0);
    if (!(*rate > 0) || !(gpus > 0))
      return SkippedRecord{"measured.tokens_per_s_per_gpu needs a positive rate and hardware.gpus"};
    c.measured_s = *number(batch, "global") * *number(model, "seq_len") / (gpus * *rate);
    c.measured_from = "tokens_per_s_per_gpu with the global batch";
  } else if (auto y = number(measured, "tflops_per_gpu");
             y && source.find("Megatron-LM") != std::string::npos) {
    // Megatron-Core reports model TFLOP/s with its num_floating_point_operations(), which is
    // 6·N_active_matmul + 12·l·h·s per token: the same count as model_flops_per_token().
    c.mcore_tflops_per_gpu = *y;
    c.measured_from = "tflops_per_gpu with Megatron-Core's FLOP count";
  } else {
    return SkippedRecord{"no iteration time, and no throughput with a stated FLOP convention"};
  }

  if (auto gib = number(measured, "memory_gib")) {
    if (!(*gib > 0))
      return SkippedRecord{fmt::format("measured.memory_gib = {} is not positive", *gib)};
    c.measured_memory_bytes = *gib * kBytesPerGiB;
  }

  // --- model ---
  Json m = Json::object();
  for (const char* key : {"layers", "hidden", "heads", "vocab"}) m[key] = model[key];
  if (auto kv = number(model, "kv_heads")) m["kv_heads"] = *kv;
  if (auto f = number(model, "ffn_hidden")) m["ffn_hidden"] = *f;
  const bool swiglu = lower(text(model, "mlp")) == "swiglu" || field(model, "moe");
  if (swiglu) {
    m["activation"] = "swiglu";
    m["norm"] = "rmsnorm";
  } else {
    m["activation"] = "gelu";
    m["norm"] = "layernorm";
  }
  if (const Json* moe = field(model, "moe")) {
    if (!moe->is_object()) return SkippedRecord{"model.moe is not an object"};
    for (const char* key : {"experts", "top_k"})
      if (auto why = unusable_number(*moe, "model.moe", key)) return SkippedRecord{*why};
    m["moe"] = {{"experts", (*moe)["experts"]}, {"top_k", (*moe)["top_k"]}};
    if (auto f = number(model, "ffn_hidden")) m["moe"]["expert_ffn_hidden"] = *f;
    m.erase("ffn_hidden");
  }

  // --- cluster ---
  const std::string gpu = lower(text(hw, "gpu"));
  Json cluster;
  if (gpu.find("a100") != std::string::npos) {
    cluster = {{"gpu", gpu.find("40") != std::string::npos ? "a100-sxm4-40gb" : "a100-sxm4-80gb"},
               {"node", "dgx-a100"},
               {"network", "ib-hdr200-rail-fattree"}};
  } else if (gpu.find("h100") != std::string::npos && gpu.find("96gb") != std::string::npos &&
             gpu.find("hbm2e") != std::string::npos) {
    // Meta's Grand Teton H100s (TorchTitan's benchmark pages): eight per host on NVLink, 400 Gb/s
    // of RDMA per GPU, as a DGX H100.
    cluster = {
        {"gpu", "h100-96gb-hbm2e"}, {"node", "dgx-h100"}, {"network", "ib-ndr400-rail-fattree"}};
    c.assumptions.push_back("96 GB HBM2e H100s at 500 W; hosts as a DGX H100 (8 x 400 Gb/s)");
  } else if (gpu.find("h100") != std::string::npos) {
    cluster = {
        {"gpu", "h100-sxm5-80gb"}, {"node", "dgx-h100"}, {"network", "ib-ndr400-rail-fattree"}};
  } else if (gpu.find("h200") != std::string::npos) {
    cluster = {
        {"gpu", "h200-sxm-141gb"}, {"node", "hgx-h200"}, {"network", "ib-ndr400-rail-fattree"}};
  } else {
    return SkippedRecord{fmt::format("no preset for GPU '{}'", text(hw, "gpu"))};
  }
  const auto gpus = number(hw, "gpus");
  if (!gpus) return SkippedRecord{"hardware.gpus is not stated"};
  cluster["gpus"] = *gpus;
  if (auto fabric = named_fabric(text(hw, "inter"), gpu)) {
    if (!fabric->node.empty()) cluster["node"] = fabric->node;
    cluster["network"] = fabric->network;
    c.assumptions.push_back(fabric->assumption);
  }
  if (auto fabric = omni_path_fabric(text(hw, "inter"), number(hw, "gpus_per_node"))) {
    if (!fabric->unusable.empty()) return SkippedRecord{fabric->unusable};
    cluster["node"] = fabric->node;
    cluster["network"] = fabric->network;
    c.assumptions.push_back(fabric->assumption);
  }

  // --- strategy, with the frameworks' defaults where the source is silent ---
  const std::string id = text(record, "id");
  const bool nemo = id.rfind("dgxc-", 0) == 0;
  const bool megatron_2021 = id.rfind("mlm-sc21", 0) == 0 || id.rfind("bloom", 0) == 0;
  // Megatron's model code under DeepSpeed's engine: the SC'21 ZeRO-3 rows ("ZeRO-3 via DeepSpeed
  // integrated into Megatron codebase") and BLOOM (Megatron-DeepSpeed with DeepSpeed's pipeline
  // engine and BF16_Optimizer, the record's notes).
  const bool deepspeed = id.rfind("mlm-sc21-t2-zero3", 0) == 0 || id.rfind("bloom", 0) == 0;
  Json p = {{"tp", par["tp"]}, {"pp", par["pp"]}};
  for (const char* key : {"dp", "cp", "ep"})
    if (auto v = number(par, key)) p[key] = *v;
  const std::string stated_schedule = text(par, "schedule");
  if (auto vpp = number(par, "vpp"); vpp && *vpp > 1) {
    p["vpp"] = *vpp;
    p["schedule"] = "interleaved";
  } else if (!stated_schedule.empty()) {
    p["schedule"] = stated_schedule;  // a scenario schedule name (ranking_record reads it)
  } else {
    p["schedule"] = "1f1b";
    if (!field(par, "vpp") && par["pp"].get<double>() > 1)
      c.assumptions.push_back("vpp unstated: plain 1F1B");
  }
  if (const Json* sp = field(par, "sp"); sp && sp->is_boolean()) {
    p["sequence_parallel"] = sp->get<bool>();
  } else if (fastest && !nemo && !megatron_2021) {
    p["sequence_parallel"] = "auto";
    c.assumptions.push_back("sequence_parallel unstated: the fastest that fits");
  } else {
    p["sequence_parallel"] = nemo && par["tp"].get<double>() > 1;
    c.assumptions.push_back(
        fmt::format("sequence_parallel unstated: {}", nemo ? "on (NeMo)" : "off"));
  }
  if (const Json* overlap = field(par, "tp_comm_overlap"); overlap && overlap->is_boolean())
    p["tp_comm_overlap"] = *overlap;
  if (auto z = number(par, "zero")) {
    p["zero"] = *z;
  } else {
    p["zero"] = nemo ? 1 : 0;
    if (nemo) c.assumptions.push_back("distributed optimizer (zero 1), NeMo's default");
  }
  if (nemo) {
    // NVIDIA's benchmark recipes keep and reduce gradients in bf16: the NeMo 2 recipes that
    // dgxc-benchmarking's Llama 3.1 runs call with performance_mode=True set
    // trainer.plugins.grad_reduce_in_fp32 = False (NeMo v2.2.0, recipes/llama3_8b.py,
    // llama3_70b.py, llama31_405b.py: pretrain_performance_optimizations; its FP8 path sets it
    // again, llama3.1/pretrain_llama31.py @ 741c886), and the GPT-3 175B NeMo 1 config runs
    // Apex's distributed_fused_adam with grad_sync_dtype: bf16 (nemo_megatron/cfg/
    // gpt3_175b_hydra.yaml @ 741c886).
    p["grad_reduce_in_fp32"] = false;
    c.assumptions.push_back("gradients kept and reduced in bf16 (NeMo's performance recipes)");
  }
  std::string recompute = "none";
  if (const Json* r = field(par, "recompute"); r && r->is_string()) {
    const std::string text = lower(r->get<std::string>());
    if (parse_recompute(text))  // a training.recompute name (MaxText's remat policies)
      recompute = text;
    else if (text.rfind("full", 0) == 0)
      recompute = "full";
    else if (text.rfind("selective", 0) == 0)
      recompute = "selective";
  } else if (fastest && !megatron_2021) {
    recompute = "auto";
    c.assumptions.push_back("recompute unstated: the fastest that fits");
  } else {
    c.assumptions.push_back("recompute unstated: none");
  }

  // --- training ---
  const std::string precision_text = lower(text(record, "precision"));
  std::string precision = "bf16";
  if (precision_text.find("fp8") != std::string::npos)
    precision = "fp8";
  else if (precision_text.find("fp16") != std::string::npos)
    precision = "fp16";
  if (id.rfind("mlm-sc21-t2-zero3", 0) == 0) {
    // The record's notes: "ZeRO-3 via DeepSpeed integrated into Megatron codebase" (2021, DeepSpeed
    // 0.3-0.4): per-submodule fetches synchronized the host (no prefetch overlap), parameters
    // were gathered tensor by tensor into lists of per-rank views and released after each
    // forward (gathered again for the recompute forward), and stage 3's default
    // (contiguous_gradients off) all-reduced each gradient bucket of reduce_bucket_size = 5e8.
    p["zero3_prefetch"] = false;
    p["zero3_gather"] = "per_tensor";
    p["zero3_grad_reduce"] = "all_reduce";
    c.assumptions.push_back(
        "DeepSpeed 2021 ZeRO-3: blocking per-tensor gathers (re-gathered for recompute), "
        "gradient buckets all-reduced");
  }
  if (megatron_2021) {
    // Megatron-LM of 2021/22 had no FlashAttention, and its own DDP reduced gradients after the
    // backward pass (overlap came with Megatron-Core); --DDP-impl torch wrapped the model in
    // PyTorch DDP instead, which all-reduces 25 MB buckets of the 16-bit gradients as the
    // backward pass fills them. Its pipeline sends always blocked (overlap_p2p_comm is later).
    const Json* ddp = field(par, "ddp");
    if (deepspeed) {
      c.assumptions.push_back(
          "2021 Megatron kernels: unfused attention; DeepSpeed's engine reduces gradients");
    } else if (ddp && ddp->is_string() && ddp->get<std::string>() == "torch") {
      p["overlap_grad_reduce"] = true;
      p["bucket_params"] = 25.0 * 1024 * 1024 / 2;
      c.assumptions.push_back(
          "2021 Megatron: unfused attention; PyTorch DDP: 25 MB gradient buckets overlapped");
    } else {
      p["overlap_grad_reduce"] = false;
      c.assumptions.push_back("2021 Megatron: unfused attention, no grad-reduce overlap");
    }
    if (p["schedule"] == "interleaved") p["p2p_overlap"] = "none";
    if (precision == "fp16" && !deepspeed) {
      // Its fp16 main gradients stayed 16-bit unless --accumulate-allreduce-grads-in-fp32 was
      // given (bf16 forced fp32).
      p["grad_reduce_in_fp32"] = false;
      c.assumptions.push_back("2021 Megatron fp16: 16-bit main gradients all-reduced");
    }
  }
  {
    const double layers = model["layers"].get<double>();
    const double chunks = par["pp"].get<double>() * number(par, "vpp").value_or(1.0);
    const auto whole = [](double x) { return std::floor(x) == x; };
    if (!whole(layers / chunks) && whole((layers + 2) / chunks)) {
      p["layer_split"] = "embedding_and_loss";
      c.assumptions.push_back("embedding and loss count as a layer in the pipeline split");
    }
  }
  Json training = {{"global_batch", batch["global"]},
                   {"seq_len", model["seq_len"]},
                   {"precision", precision},
                   {"recompute", recompute}};
  if (megatron_2021) training["flash_attention"] = false;
  if (deepspeed) training["framework"] = "deepspeed";
  // A record that names its framework (comparison sets do): its value, checked by the parser.
  if (const Json* framework = field(record, "framework"); framework && framework->is_string())
    training["framework"] = *framework;
  if (const Json* compiled = field(record, "compile"); compiled && compiled->is_boolean())
    training["compile"] = *compiled;
  // The flash-attention kernel of the run's stack, where it is not the one the GPU's profile
  // measured (TorchTitan's 2024-25 runs: PyTorch SDPA's FlashAttention-2).
  if (const Json* kernel = field(record, "attention_kernel"); kernel && kernel->is_string())
    training["attention_kernel"] = *kernel;
  // The allocator's share of GPU memory the run set (MaxText's recipes:
  // XLA_PYTHON_CLIENT_MEM_FRACTION).
  if (auto pool = number(record, "memory_pool_fraction")) training["memory_pool_fraction"] = *pool;
  if (auto mb = number(batch, "micro")) {
    training["micro_batch"] = *mb;
  } else if (fastest) {
    training["micro_batch"] = "auto";
    c.assumptions.push_back("micro_batch unstated: the fastest that fits");
  } else {
    training["micro_batch"] = 1;
    c.assumptions.push_back("micro_batch unstated: 1");
  }
  c.scenario = {{"name", id.empty() ? std::string("record") : id},
                {"model", m},
                {"cluster", cluster},
                {"parallel", p},
                {"training", training}};
  return c;
}

double RecordConversion::measured_time_s(double model_flops_per_step, double gpus) const {
  if (measured_s <= 0) return model_flops_per_step / (gpus * mcore_tflops_per_gpu * 1e12);
  return measured_s;
}

Json RecordConversion::described_scenario() const {
  Json described = scenario;
  described["description"] =
      fmt::format("generated by trainsim validate; assumptions: {}", fmt::join(assumptions, "; "));
  return described;
}

std::string group_of(std::string_view record_id) {
  const std::string id(record_id);
  if (id.rfind("mlm-sc21-t1", 0) == 0) return "Megatron SC'21 Table 1 (A100)";
  if (id.rfind("mlm-sc21-175B", 0) == 0) return "Megatron SC'21 GPT-3 175B estimate (A100)";
  if (id.rfind("mlm-sc21-t2-zero3", 0) == 0) return "Megatron SC'21 Table 2 ZeRO-3 (A100)";
  if (id.rfind("mlm-sc21-t2-ptdp", 0) == 0) return "Megatron SC'21 Table 2 PTD-P (A100)";
  if (id.rfind("dgxc-gpt3", 0) == 0) return "H100 GPT-3 175B recipes";
  if (id.rfind("dgxc-llama31", 0) == 0) return "H100 Llama 3.1 recipes";
  if (id.rfind("maxtext-a3", 0) == 0) return "MaxText on A3 (H100)";
  if (id.rfind("mcore-mixtral", 0) == 0) return "H100 Mixtral (Megatron-Core)";
  if (id.rfind("torchtitan-llama31-8b", 0) == 0) return "TorchTitan Llama 3.1 8B (H100 500 W)";
  const auto dash = id.find('-');
  return id.substr(0, dash);
}

}  // namespace trainsim
