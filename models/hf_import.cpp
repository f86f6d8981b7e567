#include "models/hf_import.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "models/model_limits.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

// Keys read per model_type (transformers' configuration_<type>.py names and defaults):
//   llama, mistral, mixtral: num_hidden_layers, hidden_size, num_attention_heads,
//     num_key_value_heads (default num_attention_heads), intermediate_size (per expert for
//     mixtral), vocab_size, max_position_embeddings?, tie_word_embeddings (default false),
//     hidden_act (silu: a SwiGLU MLP), attention_bias/mlp_bias (default false), head_dim (must be
//     hidden_size / num_attention_heads when given); mixtral: num_local_experts,
//     num_experts_per_tok. RMSNorm, rotary positions.
//   qwen2, qwen2_moe: the llama keys (Qwen2 has q/k/v biases without a config key, counted as
//     linear biases); qwen2_moe: num_experts, num_experts_per_tok, moe_intermediate_size (per
//     routed expert), shared_expert_intermediate_size (one always-active MLP, modelled as that
//     many routed-expert widths), decoder_sparse_step (must be 1) and mlp_only_layers (must be
//     empty): every layer is a MoE layer.
//   gpt_neox: num_hidden_layers, hidden_size, num_attention_heads, intermediate_size, vocab_size,
//     max_position_embeddings?, tie_word_embeddings (default false), hidden_act (a GELU),
//     use_parallel_residual (any: it does not change sizes). LayerNorm, biases, rotary.
//   gpt2: n_layer, n_embd, n_head, n_inner (null = 4 n_embd), vocab_size, n_positions (default
//     1024, learned), activation_function (a GELU). LayerNorm, biases, tied embeddings.
// Other keys (dropout, rope scaling, token ids, ...) do not change sizes and are ignored.

namespace {

constexpr std::array<std::string_view, 7> kSupportedTypes = {
    "gpt2", "gpt_neox", "llama", "mistral", "mixtral", "qwen2", "qwen2_moe"};
constexpr std::array<std::string_view, 7> kGeluNames = {
    "gelu",        "gelu_new",      "gelu_fast", "gelu_pytorch_tanh",
    "gelu_python", "gelu_accurate", "quick_gelu"};

void require_gelu(const Json& config, std::string_view key, std::string_view path,
                  std::string_view default_value) {
  const std::string act = optional_string(config, key, path).value_or(std::string(default_value));
  if (std::find(kGeluNames.begin(), kGeluNames.end(), act) == kGeluNames.end())
    throw InputError(join_path(path, key),
                     fmt::format("unsupported activation '{}' for this model_type; allowed: {}",
                                 act, fmt::join(kGeluNames, ", ")));
}

void check_heads(const ModelSpec& m, std::string_view heads_key, std::string_view hidden_key,
                 std::string_view path) {
  if (m.hidden % m.heads != 0)
    throw InputError(join_path(path, heads_key),
                     fmt::format("must divide {} ({}); got {}", hidden_key, m.hidden, m.heads));
}

// Routed experts and the experts each token picks (`num_experts_per_tok` in every llama-family
// MoE config; the expert-count key differs by model_type).
MoeSpec routed_experts(const Json& config, std::string_view experts_key, std::string_view path) {
  MoeSpec moe;
  moe.experts = require_positive_int(config, experts_key, path, model_limits::kExperts);
  moe.top_k = require_positive_int(config, "num_experts_per_tok", path);
  if (moe.top_k > moe.experts)
    throw InputError(
        join_path(path, "num_experts_per_tok"),
        fmt::format("must be <= {} ({}); got {}", experts_key, moe.experts, moe.top_k));
  return moe;
}

ModelSpec import_llama_family(const Json& config, const std::string& type, std::string_view path) {
  ModelSpec m;
  m.layers = require_positive_int(config, "num_hidden_layers", path, model_limits::kLayers);
  m.hidden = require_positive_int(config, "hidden_size", path, model_limits::kHidden);
  m.heads = require_positive_int(config, "num_attention_heads", path, model_limits::kHeads);
  check_heads(m, "num_attention_heads", "hidden_size", path);
  if (auto head_dim = optional_positive_int(config, "head_dim", path, model_limits::kHidden);
      head_dim && *head_dim != m.head_dim())
    throw InputError(join_path(path, "head_dim"),
                     fmt::format("head_dim {} differs from hidden_size / num_attention_heads = {}; "
                                 "decoupled head sizes are not supported",
                                 *head_dim, m.head_dim()));
  m.kv_heads = optional_positive_int(config, "num_key_value_heads", path, model_limits::kHeads)
                   .value_or(m.heads);
  if (m.kv_heads > m.heads || m.heads % m.kv_heads != 0)
    throw InputError(
        join_path(path, "num_key_value_heads"),
        fmt::format("must divide num_attention_heads ({}); got {}", m.heads, m.kv_heads));
  m.ffn_hidden = require_positive_int(config, "intermediate_size", path, model_limits::kFfnHidden);
  m.vocab = require_positive_int(config, "vocab_size", path, model_limits::kVocab);
  m.max_seq_len =
      optional_positive_int(config, "max_position_embeddings", path, model_limits::kSeqLen)
          .value_or(0);
  m.tied_embeddings = optional_bool(config, "tie_word_embeddings", path).value_or(false);

  const std::string act = optional_string(config, "hidden_act", path).value_or("silu");
  if (act != "silu" && act != "swish")
    throw InputError(join_path(path, "hidden_act"),
                     fmt::format("unsupported hidden_act '{}' for model_type '{}'; allowed: silu "
                                 "(a SwiGLU MLP)",
                                 act, type));
  m.activation = Activation::swiglu;
  m.norm = NormKind::rmsnorm;
  // One flag for all linear layers: biases anywhere count as biases everywhere (llama-family
  // checkpoints with biases are rare and the difference is < 0.1% of the parameters).
  m.linear_bias = type == "qwen2" || type == "qwen2_moe" ||
                  optional_bool(config, "attention_bias", path).value_or(false) ||
                  optional_bool(config, "mlp_bias", path).value_or(false);
  m.learned_position_embeddings = false;

  if (type == "mixtral") {
    MoeSpec moe = routed_experts(config, "num_local_experts", path);
    moe.expert_ffn_hidden = m.ffn_hidden;
    m.moe = moe;
  }
  if (type == "qwen2_moe") {
    if (const auto step = optional_positive_int(config, "decoder_sparse_step", path);
        step && *step != 1)
      throw InputError(join_path(path, "decoder_sparse_step"),
                       fmt::format("{} interleaves dense layers between MoE layers, which is not "
                                   "modelled; only 1 (every layer MoE) is supported",
                                   *step));
    if (config.contains("mlp_only_layers") && config["mlp_only_layers"].is_array() &&
        !config["mlp_only_layers"].empty())
      throw InputError(join_path(path, "mlp_only_layers"),
                       "dense layers among MoE layers are not modelled; only an empty list is "
                       "supported");
    MoeSpec moe = routed_experts(config, "num_experts", path);
    moe.expert_ffn_hidden =
        require_positive_int(config, "moe_intermediate_size", path, model_limits::kFfnHidden);
    const std::int64_t shared = optional_positive_int(config, "shared_expert_intermediate_size",
                                                      path, model_limits::kFfnHidden)
                                    .value_or(0);
    if (shared % moe.expert_ffn_hidden != 0)
      throw InputError(join_path(path, "shared_expert_intermediate_size"),
                       fmt::format("{} is not a multiple of moe_intermediate_size ({}); the "
                                   "shared expert is modelled as whole expert widths",
                                   shared, moe.expert_ffn_hidden));
    moe.shared_experts = shared / moe.expert_ffn_hidden;
    m.moe = moe;
  }
  return m;
}

ModelSpec import_gpt_neox(const Json& config, std::string_view path) {
  ModelSpec m;
  m.layers = require_positive_int(config, "num_hidden_layers", path, model_limits::kLayers);
  m.hidden = require_positive_int(config, "hidden_size", path, model_limits::kHidden);
  m.heads = require_positive_int(config, "num_attention_heads", path, model_limits::kHeads);
  check_heads(m, "num_attention_heads", "hidden_size", path);
  m.kv_heads = m.heads;
  m.ffn_hidden = require_positive_int(config, "intermediate_size", path, model_limits::kFfnHidden);
  m.vocab = require_positive_int(config, "vocab_size", path, model_limits::kVocab);
  m.max_seq_len =
      optional_positive_int(config, "max_position_embeddings", path, model_limits::kSeqLen)
          .value_or(0);
  m.tied_embeddings = optional_bool(config, "tie_word_embeddings", path).value_or(false);
  require_gelu(config, "hidden_act", path, "gelu");
  optional_bool(config, "use_parallel_residual", path);  // type check only
  m.activation = Activation::gelu;
  m.norm = NormKind::layernorm;
  m.linear_bias = true;
  m.learned_position_embeddings = false;  // rotary
  return m;
}

ModelSpec import_gpt2(const Json& config, std::string_view path) {
  ModelSpec m;
  m.layers = require_positive_int(config, "n_layer", path, model_limits::kLayers);
  m.hidden = require_positive_int(config, "n_embd", path, model_limits::kHidden);
  m.heads = require_positive_int(config, "n_head", path, model_limits::kHeads);
  check_heads(m, "n_head", "n_embd", path);
  m.kv_heads = m.heads;
  m.ffn_hidden = optional_positive_int(config, "n_inner", path, model_limits::kFfnHidden)
                     .value_or(4 * m.hidden);
  m.vocab = require_positive_int(config, "vocab_size", path, model_limits::kVocab);
  m.max_seq_len =
      optional_positive_int(config, "n_positions", path, model_limits::kSeqLen).value_or(1024);
  m.tied_embeddings = optional_bool(config, "tie_word_embeddings", path).value_or(true);
  require_gelu(config, "activation_function", path, "gelu_new");
  m.activation = Activation::gelu;
  m.norm = NormKind::layernorm;
  m.linear_bias = true;
  m.learned_position_embeddings = true;
  return m;
}

}  // namespace

ModelSpec import_hf_config(const Json& config, std::string name, std::string_view path) {
  require_object(config, path);
  const std::string type = require_string(config, "model_type", path);
  ModelSpec m;
  if (type == "llama" || type == "mistral" || type == "mixtral" || type == "qwen2" ||
      type == "qwen2_moe") {
    m = import_llama_family(config, type, path);
  } else if (type == "gpt_neox") {
    m = import_gpt_neox(config, path);
  } else if (type == "gpt2") {
    m = import_gpt2(config, path);
  } else {
    throw InputError(join_path(path, "model_type"),
                     fmt::format("unsupported model_type '{}'; supported: {}", type,
                                 fmt::join(kSupportedTypes, ", ")));
  }
  m.name = std::move(name);
  return m;
}

}  // namespace trainsim
