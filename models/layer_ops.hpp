#pragma once
// The operators of a training step for one model replica shard: one transformer layer's forward
// and backward, the embedding, the LM head with cross-entropy, and the optimizer. Each Op carries
// FLOPs, HBM bytes and output size as a function of micro-batch, sequence length, precision and the
// TP/SP/CP split, so schedule builders never re-derive them. Recomputation, MoE and context
// parallelism change the inputs (ShardContext) or select ops, not the list's structure.
#include <cstdint>
#include <vector>

#include "models/framework.hpp"
#include "models/model_spec.hpp"
#include "models/op.hpp"

namespace trainsim {

struct ShardContext {
  std::int64_t micro_batch = 1;
  std::int64_t seq_len = 2048;
  int tp = 1;
  bool sequence_parallel = false;
  int cp = 1;
  int ep = 1;   // expert parallel: experts are split over ep ranks, tokens exchanged all-to-all
  int etp = 0;  // tensor parallelism inside the experts (Megatron-Core expert TP); 0 = tp
  // Tokens the busiest expert receives relative to uniform routing (>= 1; a what-if knob).
  double expert_load_imbalance = 1.0;
  Precision gemm_precision = Precision::bf16;        // fp8 runs GEMMs in fp8 (Transformer Engine)
  Precision activation_precision = Precision::bf16;  // storage of activations
  Framework framework = Framework::megatron;
  // torch.compile (Inductor) fuses the elementwise operators into generated kernels, as the
  // fused frameworks do by hand.
  bool compiled = false;
  // Norms, activations, dropout and residual adds fused (the framework's kernels or compiled).
  bool fused_elementwise() const;
  // Fused flash attention (default); false = the scores are materialized: batched QK^T and PV
  // GEMMs around a fused scale-mask-softmax and dropout (Megatron-LM before FlashAttention).
  bool flash_attention = true;

  int expert_tp() const { return etp > 0 ? etp : tp; }
  // How many ranks' routed tokens an expert slice receives through the all-gather over its ETP
  // ranks: etp under sequence parallelism (each TP rank holds its own shard), 1 without it (the
  // TP ranks already hold the same tokens).
  int expert_token_gather() const { return sequence_parallel ? expert_tp() : 1; }
  std::int64_t local_seq_len() const { return seq_len / cp; }
  // Tokens a GEMM on this rank processes (the full sequence shard; TP splits the weights).
  std::int64_t gemm_tokens() const { return micro_batch * local_seq_len(); }
  // Tokens an elementwise op processes: sequence parallelism splits them over TP.
  std::int64_t elementwise_tokens() const {
    return sequence_parallel ? gemm_tokens() / tp : gemm_tokens();
  }
};

struct PassOps {
  std::vector<Op> forward;
  std::vector<Op> backward;
};

PassOps build_transformer_layer_ops(const ModelSpec& model, const ShardContext& ctx);
PassOps build_embedding_ops(const ModelSpec& model, const ShardContext& ctx);
PassOps build_lm_head_ops(const ModelSpec& model, const ShardContext& ctx);
// A CNN's block `layer` (vision_spec.hpp): its convolutions as implicit GEMMs with their
// BatchNorm, ReLU, dropout, residual add and max-pool.
PassOps build_cnn_block_ops(const ModelSpec& model, std::int64_t layer, const ShardContext& ctx);
// Activation bytes block `layer` keeps for its backward pass, per micro-batch; `checkpointed`:
// only its input (full recomputation rebuilds the rest).
double cnn_block_saved_bytes(const ModelSpec& model, std::int64_t layer, const ShardContext& ctx,
                             bool checkpointed);

// Adam step over `params_on_rank` parameters (fp32 master weights, moments, gradients; writes
// 16-bit weights back). Megatron: fused multi-tensor kernels; PyTorch: fused AdamW.
std::vector<Op> build_optimizer_ops(double params_on_rank, Framework framework);
// DeepSpeed's BF16_Optimizer after every micro-batch's backward: each bf16 gradient cast to fp32
// and added into the fp32 accumulation buffer, over `params_on_rank` parameters in `tensors`
// tensors (FrameworkProfile::accumulates_fp32_gradients).
Op build_fp32_gradient_accumulation_op(double params_on_rank, double tensors);

// FLOPs of one full model forward+backward per token, without recomputation and without causal
// discount (the MFU numerator convention, interface.md): 6 · matmul params + 12 · L · h · s.
// A ViT's token is a patch token (its patch projection and classifier spread over the image's
// tokens); a CNN's is the whole image: 6 x its multiply-accumulates.
double model_flops_per_token(const ModelSpec& model, std::int64_t seq_len);

// Bytes one ring-attention step passes to the next CP rank: the local K and V blocks,
// 2·b·(s/cp)·h_kv/tp elements (comm-model.md §4.5).
double context_parallel_ring_step_bytes(const ModelSpec& model, const ShardContext& ctx);

// Routed token copies the busiest rank of an expert-parallel group sends (and receives) per
// all-to-all: the tokens the rank holds (its sequence-parallel shard under TP) × top_k, padded to
// the capacity factor, scaled by the load imbalance.
double routed_tokens_per_rank(const ModelSpec& model, const ShardContext& ctx);

}  // namespace trainsim
