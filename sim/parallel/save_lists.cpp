#include "sim/parallel/save_lists.hpp"

namespace trainsim {

namespace {

// MaxText's policies save dot outputs: checkpoint_dots_with_no_batch_dims keeps every
// projection's (the attention's dots carry batch dims, cuDNN's flash attention is a custom call)
// and save_only_these_names the tensors MaxText names (MaxText efb6d9e, layers/models.py lines
// 215-245; the names in layers/attentions.py lines 919-944 and layers/linears.py lines 237,
// 256). JAX stores only the residuals the backward reads (partial evaluation of the
// linearized layer), so a kept FC2 output ('mlpwo') costs nothing: no backward in the layer
// reads it.
SaveList projections(bool attention_output, bool attn_proj, bool fc1) {
  SaveList s;
  s.qkv_share = 1.0;  // 'query_proj', 'key_proj', 'value_proj', or the raw projection dots
  s.attention = attention_output;
  s.attn_proj = attn_proj;
  s.fc1_share = fc1 ? 1.0 : 0.0;  // the wi_0 and wi_1 dots; 'mlpwi' is their product
  return s;
}

}  // namespace

std::optional<SaveList> save_list_of(RecomputeKind kind, const ModelSpec& model) {
  switch (kind) {
    case RecomputeKind::none:
    case RecomputeKind::selective:
    case RecomputeKind::full:
      return std::nullopt;
    case RecomputeKind::selective_op: {
      // TorchTitan's per-op policy (parallelize_llama.py _save_list at 820504e): the outputs of
      // matmuls, SDPA and reduce-scatters, except every second matmul of the block (wq, wk, wv,
      // wo, w1, w3, w2: wk, wo and w3 are recomputed). torch's checkpoint stores every listed
      // output, read or not, so W2's counts.
      const double h = static_cast<double>(model.hidden);
      const double kv = static_cast<double>(model.kv_hidden());
      SaveList s;
      s.qkv_share = (h + kv) / (h + 2.0 * kv);                           // Q and V
      s.attention = true;                                                // SDPA's output and LSE
      s.fc1_share = model.activation == Activation::swiglu ? 0.5 : 1.0;  // W1
      s.fc2 = true;
      s.sp_reduce_scatters = true;
      return s;
    }
    case RecomputeKind::minimal:  // checkpoint_dots_with_no_batch_dims
      return projections(false, true, true);
    case RecomputeKind::minimal_flash:
      // ... plus 'context': Transformer Engine's JAX fused attention names its output and softmax
      // statistics 'context' (transformer_engine/jax/fused_attn.py, _fused_attn_fwd_rule), so
      // the flash forward is not repeated.
      return projections(true, true, true);
    case RecomputeKind::save_dot_except_mlpwi:  // q, k, v, out_proj, mlpwo
    case RecomputeKind::save_dot_except_mlp:    // q, k, v, out_proj
      return projections(false, true, false);
    case RecomputeKind::save_qkv_proj:  // q, k, v
      return projections(false, false, false);
  }
  return std::nullopt;
}

}  // namespace trainsim
