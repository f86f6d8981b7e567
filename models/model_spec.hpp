#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/vision_spec.hpp"

namespace trainsim {

enum class Activation { gelu, swiglu, squared_relu };
enum class NormKind { layernorm, rmsnorm };

struct MoeSpec {
  std::int64_t experts = 0;
  std::int64_t top_k = 1;
  std::int64_t expert_ffn_hidden = 0;  // FFN width of one expert
  std::int64_t shared_experts = 0;     // always-active experts (DeepSeek style)
  // Token slots per expert = capacity_factor · tokens · top_k / experts (buffers are padded to
  // it); 0 = dropless (variable-size groups, Megatron-Core's default).
  double capacity_factor = 0;
};

// A decoder-only transformer, or an image model (`vision`): a ViT is a transformer encoder over
// patches (non-causal attention, a patch embedding, a classifier on the class token); a CNN keeps
// its blocks in `vision->blocks`, one layer each, and `hidden` is the width its classifier reads.
// Parameter counts are derived, never stored.
struct ModelSpec {
  std::string name;
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;    // = heads without GQA
  std::int64_t ffn_hidden = 0;  // dense MLP width (4h for GPT; 8/3 h-ish for SwiGLU)
  std::int64_t vocab = 0;
  std::int64_t max_seq_len = 0;  // 0 = unknown; informational
  Activation activation = Activation::gelu;
  NormKind norm = NormKind::layernorm;
  bool tied_embeddings = false;
  bool linear_bias = true;                   // GPT-style biases on linear layers
  bool learned_position_embeddings = false;  // GPT-2/3 style absolute positions
  std::optional<MoeSpec> moe;
  std::optional<VisionSpec> vision;

  bool is_vision() const { return vision.has_value(); }
  bool is_cnn() const { return vision && vision->is_cnn(); }
  // Attention masks future tokens in a decoder; a ViT's encoder sees every patch.
  bool causal() const { return !vision; }

  std::int64_t head_dim() const { return hidden / heads; }
  std::int64_t kv_hidden() const { return kv_heads * head_dim(); }
  // Matrices in the MLP: 3 for SwiGLU (gate, up, down), 2 otherwise.
  int mlp_matrices() const { return activation == Activation::swiglu ? 3 : 2; }

  // Parameters of one transformer layer (attention + MLP or experts + norms). A CNN's blocks
  // differ: their mean, so that layers x layer_params() is every block's parameters.
  double layer_params() const;
  // Parameters of layer `layer` (0-based): a CNN's own block, a transformer's common layer.
  double layer_params_at(std::int64_t layer) const;
  // The largest layer's parameters (what ZeRO-3 gathers at once).
  double largest_layer_params() const;
  // Parameters of one layer that every token uses (MoE: shared experts + top_k experts).
  double layer_active_params() const;
  // Parameters of one layer's routed experts (all of them; 0 for a dense model).
  double routed_expert_params() const;
  double embedding_params() const;   // input embedding (+ learned positions); ViT: patches
  double final_norm_params() const;  // the norm before the LM head (none in a CNN)
  double lm_head_params() const;     // 0 when tied; an image model's classifier
  double total_params() const;
  double active_params() const;  // per token

  // One layer's parameter tensors as Megatron stores them (fused QKV, fused gate+up for SwiGLU;
  // biases and norm weights are tensors of their own), elements each; they add up to
  // layer_params(). Frameworks that gather or reduce tensor by tensor (DeepSpeed's ZeRO-3 of
  // 2021) issue one collective per entry.
  struct ParamTensor {
    double elements = 0;
    bool routed_expert = false;  // sharded over expert-parallel ranks
  };
  std::vector<ParamTensor> layer_param_tensors() const;
};

}  // namespace trainsim
