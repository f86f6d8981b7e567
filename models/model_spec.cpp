#include "models/model_spec.hpp"

#include <algorithm>

namespace trainsim {

// Parameter counts, written term by term so each line can be checked against a paper:
//   attention  QKV h·(h + 2·kv_hidden) and output h·h, biases (h + 2·kv_hidden) + h;
//   MLP        mlp_matrices()·h·ffn, biases (mlp_matrices()−1)·ffn + h
//              (fc1 + fc2 for GELU / squared ReLU, gate + up + down for SwiGLU);
//   MoE        experts × one expert MLP + router h·experts (no bias) + shared experts;
//   norms      two per layer plus a final one; LayerNorm has weight and bias (2h), RMSNorm a
//              weight only (h);
//   embedding  V·h, plus max_seq_len·h for learned absolute positions; LM head V·h unless tied.

namespace {

double cnn_block_params(const VisionSpec& v) {
  double sum = 0;
  for (const CnnBlock& b : v.blocks) sum += b.params();
  return sum;
}

double norm_params(const ModelSpec& m) {
  const double h = static_cast<double>(m.hidden);
  return m.norm == NormKind::layernorm ? 2.0 * h : h;
}

double attention_params(const ModelSpec& m) {
  const double h = static_cast<double>(m.hidden);
  const double kv = static_cast<double>(m.kv_hidden());
  double params = h * (h + 2.0 * kv) + h * h;
  if (m.linear_bias) params += (h + 2.0 * kv) + h;
  return params;
}

// One MLP of width `ffn` (a dense MLP or one expert).
double mlp_params(const ModelSpec& m, std::int64_t ffn) {
  const double h = static_cast<double>(m.hidden);
  const double f = static_cast<double>(ffn);
  const double matrices = m.mlp_matrices();
  double params = matrices * h * f;
  if (m.linear_bias) params += (matrices - 1.0) * f + h;
  return params;
}

double router_params(const ModelSpec& m) {
  return static_cast<double>(m.hidden) * static_cast<double>(m.moe->experts);
}

// `routed_experts`: all experts for the stored parameters, top_k for those a token uses.
double layer_params_with(const ModelSpec& m, std::int64_t routed_experts) {
  double params = attention_params(m) + 2.0 * norm_params(m);
  if (m.moe) {
    const double expert = mlp_params(m, m.moe->expert_ffn_hidden);
    params += static_cast<double>(routed_experts + m.moe->shared_experts) * expert;
    params += router_params(m);
  } else {
    params += mlp_params(m, m.ffn_hidden);
  }
  return params;
}

}  // namespace

std::vector<ModelSpec::ParamTensor> ModelSpec::layer_param_tensors() const {
  if (is_cnn()) {
    // The largest block's tensors (weights, biases, BatchNorm scale and shift).
    const CnnBlock* largest = &vision->blocks.front();
    for (const CnnBlock& b : vision->blocks)
      if (b.params() > largest->params()) largest = &b;
    std::vector<ParamTensor> out;
    auto add_unit = [&out](const ConvUnit& c) {
      out.push_back({static_cast<double>(c.in_channels) * c.out_channels * c.kernel * c.kernel});
      if (c.bias) out.push_back({static_cast<double>(c.out_channels)});
      if (c.batch_norm) {
        out.push_back({static_cast<double>(c.out_channels)});
        out.push_back({static_cast<double>(c.out_channels)});
      }
    };
    for (const ConvUnit& c : largest->convs) add_unit(c);
    for (const ConvUnit& c : largest->shortcut) add_unit(c);
    return out;
  }
  const double h = static_cast<double>(hidden);
  const double kv = static_cast<double>(kv_hidden());
  std::vector<ParamTensor> out;
  const auto add = [&out](double elements, bool expert = false) {
    out.push_back({elements, expert});
  };
  const auto add_norm = [&] {
    add(h);
    if (norm == NormKind::layernorm) add(h);  // bias
  };
  const auto mlp = [&](std::int64_t ffn, bool expert) {
    const double f = static_cast<double>(ffn);
    add((mlp_matrices() - 1.0) * h * f, expert);  // fc1, or gate and up fused
    if (linear_bias) add((mlp_matrices() - 1.0) * f, expert);
    add(f * h, expert);  // fc2
    if (linear_bias) add(h, expert);
  };
  add_norm();
  add(h * (h + 2.0 * kv));  // fused QKV
  if (linear_bias) add(h + 2.0 * kv);
  add(h * h);  // attention output projection
  if (linear_bias) add(h);
  add_norm();
  if (moe) {
    add(h * static_cast<double>(moe->experts));  // router
    for (std::int64_t e = 0; e < moe->experts; ++e) mlp(moe->expert_ffn_hidden, true);
    for (std::int64_t e = 0; e < moe->shared_experts; ++e) mlp(moe->expert_ffn_hidden, false);
  } else {
    mlp(ffn_hidden, false);
  }
  return out;
}

double ModelSpec::layer_params() const {
  if (is_cnn()) return cnn_block_params(*vision) / static_cast<double>(vision->blocks.size());
  return layer_params_with(*this, moe ? moe->experts : 0);
}

double ModelSpec::layer_params_at(std::int64_t layer) const {
  if (is_cnn()) return vision->blocks[static_cast<std::size_t>(layer)].params();
  return layer_params();
}

double ModelSpec::largest_layer_params() const {
  if (!is_cnn()) return layer_params();
  double largest = 0;
  for (const CnnBlock& b : vision->blocks) largest = std::max(largest, b.params());
  return largest;
}

double ModelSpec::layer_active_params() const {
  if (is_cnn()) return layer_params();
  return layer_params_with(*this, moe ? moe->top_k : 0);
}

double ModelSpec::routed_expert_params() const {
  return moe ? static_cast<double>(moe->experts) * mlp_params(*this, moe->expert_ffn_hidden) : 0.0;
}

double ModelSpec::final_norm_params() const {
  return is_cnn() ? 0.0 : norm_params(*this);
}

double ModelSpec::embedding_params() const {
  const double h = static_cast<double>(hidden);
  if (is_cnn()) return 0;  // the stem is the first block
  if (vision) {
    // ViT: the patch projection (a p x p stride-p convolution with bias), the class token and
    // a learned position for every token (Dosovitskiy et al. 2021, arXiv:2010.11929, Eq. 1).
    const double patch =
        static_cast<double>(vision->channels) * vision->patch_size * vision->patch_size;
    return patch * h + h + h + static_cast<double>(vision->tokens_per_image()) * h;
  }
  double params = static_cast<double>(vocab) * h;
  if (learned_position_embeddings) params += static_cast<double>(max_seq_len) * h;
  return params;
}

double ModelSpec::lm_head_params() const {
  if (vision)  // the classifier: a fully connected layer with bias
    return static_cast<double>(vision->classes) * (static_cast<double>(hidden) + 1.0);
  return tied_embeddings ? 0.0 : static_cast<double>(vocab) * static_cast<double>(hidden);
}

double ModelSpec::total_params() const {
  if (is_cnn()) return cnn_block_params(*vision) + lm_head_params();
  return static_cast<double>(layers) * layer_params() + embedding_params() + final_norm_params() +
         lm_head_params();
}

double ModelSpec::active_params() const {
  if (is_cnn()) return total_params();
  return static_cast<double>(layers) * layer_active_params() + embedding_params() +
         norm_params(*this) + lm_head_params();
}

}  // namespace trainsim
