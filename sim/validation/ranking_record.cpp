#include "sim/validation/ranking_record.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <optional>

#include "sim/validation/record_fields.hpp"

namespace trainsim {
namespace {

using record_fields::field;
using record_fields::lower;
using record_fields::number;
using record_fields::text;

// A number, or the number a text field starts with ("64 per later note" -> 64, "250k (...)"
// -> 250000); nullopt for "not stated" and the like.
std::optional<double> leading_number(const Json* value) {
  if (!value) return std::nullopt;
  if (value->is_number()) return value->get<double>();
  if (!value->is_string()) return std::nullopt;
  const std::string& s = value->get_ref<const std::string&>();
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return std::nullopt;
  char* end = nullptr;
  double x = std::strtod(s.c_str(), &end);
  if (end && (*end == 'k' || *end == 'K')) x *= 1e3;
  return x;
}

// The first word of a text field, lower case ("fp16 (derived: ...)" -> "fp16").
std::string first_word(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == ',') break;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

enum class Status { ran, out_of_memory, other };

// A set's pipeline schedule as a scenario names it: "1F1B", "AFAB" (all forward, all backward:
// GPipe, as nanotron calls it), "GPipe", "interleaved 1F1B", "ZB-H1", "ZB-V"; nullopt when
// unstated or unknown (the record's vpp decides).
std::optional<std::string> schedule_named(const std::string& stated) {
  const std::string s = lower(stated);
  if (s.empty()) return std::nullopt;
  if (s.find("interleav") != std::string::npos) return "interleaved";
  if (s.find("zb-v") != std::string::npos || s.find("zbv") != std::string::npos) return "zb-v";
  if (s.find("zb-h1") != std::string::npos || s.find("zero bubble") != std::string::npos)
    return "zb-h1";
  if (s.find("afab") != std::string::npos || s.find("gpipe") != std::string::npos ||
      s.find("all-forward") != std::string::npos || s.find("all forward") != std::string::npos)
    return "gpipe";
  if (s.find("1f1b") != std::string::npos) return "1f1b";
  return std::nullopt;
}

// "ok", "success", "completed" ran; "OOM", "CUDA out of memory", "oom (step 1)" ran out of
// memory; anything else (a crash, a timeout, "no measurement published") has no measurement.
Status read_status(const std::string& stated) {
  const std::string s = lower(stated);
  if (s == "ok" || s == "success" || s == "succeeded" || s == "completed" || s == "ran")
    return Status::ran;
  if (s.find("oom") != std::string::npos || s.find("out of memory") != std::string::npos)
    return Status::out_of_memory;
  return Status::other;
}

// The step time a record measured, or the one its throughput implies for its batch: sets publish
// seconds per iteration (BigScience), tokens per second per GPU (TorchTitan) or per job.
std::optional<double> measured_step_seconds(const Json& measured, const Json& batch, double seq_len,
                                            std::optional<double> gpus) {
  for (const char* key : {"sec_per_iter", "iter_time_s", "step_time_s"})
    if (auto t = leading_number(field(measured, key)); t && *t > 0) return *t;
  const std::optional<double> samples = batch.contains("global")
                                            ? std::optional<double>(batch["global"].get<double>())
                                            : std::nullopt;
  if (!samples || !(*samples > 0)) return std::nullopt;
  const double tokens = *samples * seq_len;
  if (auto rate = leading_number(field(measured, "tokens_per_s")); rate && *rate > 0)
    return tokens / *rate;
  if (auto rate = leading_number(field(measured, "tokens_per_s_per_gpu"));
      rate && *rate > 0 && gpus && *gpus > 0)
    return tokens / (*rate * *gpus);
  if (auto rate = leading_number(field(measured, "samples_per_s")); rate && *rate > 0)
    return *samples / *rate;
  return std::nullopt;
}

bool says(const std::string& text, std::string_view what) {
  return lower(text).find(what) != std::string::npos;
}

// "bf16 + Float8 linears (torchao), torch.compile, AsyncTP", "float8 rowwise, torch.compile".
std::string torchtitan_precision(const Json& set) {
  return says(text(set, "precision"), "float8") ? "fp8" : "bf16";
}

// A TorchTitan record's layout in trainsim's terms: FSDP over the data-parallel ranks (ZeRO-3 on
// framework fsdp2), TP with sequence parallelism, async TP as TP communication overlap, the
// compiled model, per-op selective checkpointing, and the interleaved schedule's stages per rank.
void read_torchtitan_layout(const Json& set, const Json& par, Json& p, Json& training,
                            std::vector<std::string>& assumptions) {
  training["framework"] = "fsdp2";
  training["compile"] = says(text(set, "precision"), "compile");
  training["attention_kernel"] = "flash_attention_2";
  assumptions.push_back(
      "attention: PyTorch SDPA's FlashAttention-2 on H100 (the pages' torch of 2024-12 and "
      "2025-06; cuDNN attention was opt-in from pytorch/pytorch#138522 until cuDNN 9.15)");
  if (auto fsdp = leading_number(field(par, "fsdp"))) {
    p["dp"] = *fsdp;
    p["zero"] = 3;
  }
  const double tp = p.contains("tp") ? p["tp"].get<double>() : 1;
  if (tp > 1 && !p.contains("sp")) {
    p["sp"] = true;
    assumptions.push_back(
        "sequence parallel: TorchTitan's TP plan shards the norms over the sequence "
        "(parallelize_llama.py: SequenceParallel() for attention_norm, ffn_norm, norm)");
  }
  if (const Json* async = field(par, "async_tp"); async && async->is_boolean())
    p["tp_comm_overlap"] = async->get<bool>();
  else if (says(text(set, "precision"), "asynctp"))
    p["tp_comm_overlap"] = true;
  const Json* checkpointing = field(par, "recompute");
  if (checkpointing && checkpointing->is_string() &&
      says(checkpointing->get<std::string>(), "per-op")) {
    p["recompute"] = "selective_op";
    assumptions.push_back(
        "per-op SAC: TorchTitan's selective op policy (parallelize_llama.py _save_list at "
        "820504e: every second matmul recomputed)");
  }
  if (p.value("schedule", "") == "interleaved" && !p.contains("vpp")) {
    p["vpp"] = 2;
    assumptions.push_back(
        "vpp not stated: 2, TorchTitan's stages per rank for multi-stage schedules "
        "(pipelining_utils.py generate_split_points at 9dec370)");
  }
}

// TorchTitan's batch: "local batch size" per data-parallel rank; under PP it is split into as
// many micro-batches as there are stages unless configured (pipeline_llama.py at 9dec370:
// pipeline_parallel_microbatches or parallel_dims.pp); without PP it runs as one micro-batch.
void read_torchtitan_batch(const Json& batch, const Json& p, Json& b,
                           std::vector<std::string>& assumptions) {
  const std::optional<double> local = leading_number(field(batch, "local_batch"));
  if (!local) return;
  const double dp = p.contains("dp") ? p["dp"].get<double>() : 1;
  const double pp = p.contains("pp") ? p["pp"].get<double>() : 1;
  if (!b.contains("global")) {
    b["global"] = *local * dp;
    assumptions.push_back(fmt::format("global batch = local batch x FSDP = {:g}", *local * dp));
  }
  if (!b.contains("micro")) {
    b["micro"] = pp > 1 ? *local / pp : *local;
    assumptions.push_back(
        pp > 1 ? fmt::format("micro-batch = local batch / pp = {:g} (TorchTitan's default: as "
                             "many micro-batches as stages)",
                             *local / pp)
               : std::string("micro-batch = the local batch (no gradient accumulation)"));
  }
}

}  // namespace

std::variant<RankingRecord, SkippedRecord> ranking_record(const Json& set, const Json& record) {
  RankingRecord out;
  out.id = text(record, "id");
  switch (read_status(text(record, "status"))) {
    case Status::ran:
      break;
    case Status::out_of_memory:
      out.outcome = RankingOutcome::out_of_memory;
      break;
    case Status::other:
      return SkippedRecord{fmt::format("status '{}'", text(record, "status"))};
  }
  const Json* source = field(set, "source");
  const std::string repo = source ? text(*source, "repo") : std::string();
  // TorchTitan's benchmark pages (benchmarks/*.md) state the layout and the techniques; what
  // they leave out is read from TorchTitan's code and train configs at the commits the pages
  // name (9dec370 for the 2024 tables, 820504e for the 2025 async-TP one), each an assumption.
  const bool torchtitan = repo.find("torchtitan") != std::string::npos;

  static const Json kNone = Json::object();
  const auto section = [](const Json& obj, const char* key) -> const Json& {
    const Json* v = field(obj, key);
    return v && v->is_object() ? *v : kNone;
  };
  const Json& model = section(set, "model");
  const Json& hw = section(set, "hardware");
  const Json& par = section(record, "parallel");
  const Json& batch = section(record, "batch");
  const Json& measured = section(record, "measured");

  Json m = Json::object();
  if (torchtitan && !leading_number(field(model, "seq_len"))) {
    // train_configs/llama3_{8b,70b,405b}.toml at 9dec370 and llama3/train_configs at 820504e.
    m["seq_len"] = 8192;
    out.assumptions.push_back(
        "seq_len not stated: 8192, TorchTitan's Llama 3 train configs at the benchmark's commit");
  }
  for (const char* key : {"layers", "hidden", "heads", "vocab", "seq_len"}) {
    if (m.contains(key)) continue;
    const std::optional<double> v = leading_number(field(model, key));
    if (!v) return SkippedRecord{fmt::format("model.{} is not stated", key)};
    m[key] = *v;
    if (field(model, key)->is_string())
      out.assumptions.push_back(
          fmt::format("model.{} = {:g}, read from \"{}\"", key, *v, text(model, key)));
  }
  if (auto kv = leading_number(field(model, "kv_heads"))) m["kv_heads"] = *kv;
  for (const char* key : {"ffn_hidden", "ffn", "intermediate_size", "ffn_dim"}) {
    if (auto f = leading_number(field(model, key))) {
      m["ffn_hidden"] = *f;
      break;
    }
  }
  // The MLP: as stated ("mlp": "swiglu"), else the family's architecture when the set names a
  // family that uses SwiGLU and RMSNorm (Llama, Mistral, Mixtral, Qwen); GPT/BLOOM-style GeLU
  // otherwise (convert_record's default).
  const std::string mlp = lower(text(model, "mlp") + " " + text(model, "activation"));
  const std::string family = lower(text(model, "name") + " " + text(model, "arch"));
  if (mlp.find("swiglu") != std::string::npos) {
    m["mlp"] = "swiglu";
  } else if (mlp.find("gelu") == std::string::npos) {
    for (const char* name : {"llama", "mistral", "mixtral", "qwen"}) {
      if (family.find(name) == std::string::npos) continue;
      m["mlp"] = "swiglu";
      out.assumptions.push_back(
          fmt::format("MLP not stated: SwiGLU with RMSNorm, the {} family's architecture", name));
      break;
    }
  }

  Json p = Json::object();
  for (const char* key : {"tp", "pp", "dp", "cp"})
    if (auto v = leading_number(field(par, key))) p[key] = *v;
  if (auto vpp = leading_number(field(par, "vpp"))) p["vpp"] = *vpp;
  if (const Json* sp = field(par, "sp"); sp && sp->is_boolean()) p["sp"] = *sp;
  std::optional<double> zero_stage = leading_number(field(par, "zero_stage"));
  if (!zero_stage) zero_stage = leading_number(field(par, "zero"));
  if (auto zero = zero_stage) {
    p["zero"] = *zero;
  } else if (lower(text(set, "precision")).find("bf16 optimizer") != std::string::npos) {
    // DeepSpeed's BF16_Optimizer (deepspeed/runtime/bf16_optimizer.py, microsoft/DeepSpeed at
    // 196e63ac) keeps the fp32 master weights and Adam states only for the rank's 1/dp slice of
    // a flat parameter buffer, and accumulates gradients in a full fp32 buffer: ZeRO-1 with fp32
    // gradients, whatever zero_optimization.stage says.
    p["zero"] = 1;
    out.assumptions.push_back(
        "zero stage not stated; the set names DeepSpeed's BF16 optimizer, which partitions the "
        "fp32 master weights and optimizer states over data parallelism: ZeRO-1");
  }
  if (auto schedule = schedule_named(text(par, "pp_schedule"))) {
    p["schedule"] = *schedule;
  }
  Json torchtitan_training = Json::object();
  if (torchtitan) read_torchtitan_layout(set, par, p, torchtitan_training, out.assumptions);
  const Json* checkpointing = field(par, "recompute");
  if (!checkpointing) checkpointing = field(par, "activation_checkpointing");
  const std::string recompute =
      checkpointing && checkpointing->is_boolean()
          ? std::string(checkpointing->get<bool>() ? "full" : "none")
          : lower(checkpointing && checkpointing->is_string() ? checkpointing->get<std::string>()
                                                              : std::string());
  if (recompute.rfind("full", 0) == 0 || recompute.rfind("selective", 0) == 0) {
    p["recompute"] = recompute;
  } else if (recompute == "none" || recompute == "no" || recompute == "false" ||
             recompute == "off") {
    p["recompute"] = "none";
  } else if (recompute.find("checkpoint-activations") != std::string::npos) {
    // BigScience's tables leave it out; their tr11 slurm script runs --checkpoint-activations.
    p["recompute"] = "full";
    out.assumptions.push_back(
        "recompute not stated in the table: full, as the set's run script "
        "(--checkpoint-activations)");
  }

  Json b = Json::object();
  if (auto g = leading_number(field(batch, "global_batch_samples"))) b["global"] = *g;
  if (auto mb = leading_number(field(batch, "micro_batch"))) b["micro"] = *mb;
  if (torchtitan) read_torchtitan_batch(batch, p, b, out.assumptions);
  if (!b.contains("global")) {
    // micro-batch x gradient-accumulation steps x data-parallel replicas.
    const auto ga = leading_number(field(batch, "grad_accum"));
    const auto dp = leading_number(field(par, "dp"));
    if (ga && dp && b.contains("micro")) {
      b["global"] = b["micro"].get<double>() * *ga * *dp;
      out.assumptions.push_back(fmt::format("global batch = micro_batch x grad_accum x dp = {:g}",
                                            b["global"].get<double>()));
    }
  }

  // The record's GPUs, else its nodes x the set's GPUs per node (sweeps over cluster sizes), else
  // the set's, else the product of the record's parallel degrees.
  std::optional<double> gpus = leading_number(field(record, "gpus"));
  if (!gpus) {
    const auto nodes = leading_number(field(record, "nodes"));
    const auto per_node = leading_number(field(hw, "gpus_per_node"));
    if (nodes && per_node) gpus = *nodes * *per_node;
  }
  if (!gpus) gpus = leading_number(field(hw, "gpus"));
  if (!gpus && p.contains("dp")) {
    double product = 1;
    for (const char* key : {"tp", "pp", "dp", "cp"})
      if (p.contains(key)) product *= p[key].get<double>();
    gpus = product;
    out.assumptions.push_back(fmt::format("gpus not stated: tp x pp x dp x cp = {:g}", product));
  }
  Json h = {{"gpu", text(hw, "gpu")}, {"inter", text(hw, "interconnect")}};
  if (gpus) h["gpus"] = *gpus;
  if (auto g = number(hw, "gpus_per_node")) h["gpus_per_node"] = *g;
  for (const char* key : {"gpu_mem", "memory_gib", "peak_memory_gib", "memory_gb"}) {
    if (auto gib = leading_number(field(measured, key)); gib && *gib > 0) {
      out.measured_memory_bytes = *gib * 1024.0 * 1024.0 * 1024.0;
      break;
    }
  }
  Json meas = Json::object();
  Json rates = measured;
  if (torchtitan && rates.contains("tokens_per_s_as_published") &&
      !rates.contains("tokens_per_s_per_gpu")) {
    // The 2025 async-TP page heads its columns "tokens/sec"; their magnitudes match the 2024
    // page's TPS/GPU for the same model and layout (the set's caveat): per GPU.
    rates["tokens_per_s_per_gpu"] = rates["tokens_per_s_as_published"];
    out.assumptions.push_back("\"tokens/sec\" read as per GPU, as the 2024 page's TPS/GPU");
  }
  if (out.outcome == RankingOutcome::measured) {
    const std::optional<double> seconds =
        measured_step_seconds(rates, b, m["seq_len"].get<double>(), gpus);
    if (!seconds)
      return SkippedRecord{
          "no measured step time (sec_per_iter, iter_time_s, step_time_s) or throughput "
          "(tokens_per_s, tokens_per_s_per_gpu, samples_per_s) with the batch to convert it"};
    meas["iter_time_s"] = *seconds;
  } else {
    meas["iter_time_s"] = 1.0;  // no time: only whether it fits is compared
  }

  out.published = {
      {"id", out.id},
      {"type", "training_step"},
      {"source", fmt::format("{} {}", repo, source ? text(*source, "path") : "")},
      {"model", m},
      {"hardware", h},
      {"precision", torchtitan ? torchtitan_precision(set) : first_word(text(set, "precision"))},
      {"parallel", p},
      {"batch", b},
      {"measured", meas}};
  for (const auto& [key, value] : torchtitan_training.items()) out.published[key] = value;
  return out;
}

}  // namespace trainsim
