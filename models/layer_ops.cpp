#include "models/layer_ops.hpp"

#include <algorithm>
#include <cassert>
#include <string>

namespace trainsim {
namespace {

// Appends ops to a pass; one place decides what a GEMM's backward is.
class OpListBuilder {
 public:
  explicit OpListBuilder(const ShardContext& ctx) : ctx_(ctx) {}

  // Forward GEMM Y[m,n] = X[m,k] · W[k,n], with its dgrad and wgrad in the backward list.
  void gemm(const std::string& name, std::int64_t m, std::int64_t n, std::int64_t k,
            std::int64_t batch = 1) {
    gemm_in(ctx_.gemm_precision, name, m, n, k, batch);
  }

  void gemm_in(Precision precision, const std::string& name, std::int64_t m, std::int64_t n,
               std::int64_t k, std::int64_t batch = 1) {
    if (m <= 0 || n <= 0 || k <= 0 || batch <= 0) return;
    const double e = bytes_per_element(precision);
    const double out = bytes_per_element(ctx_.activation_precision);
    auto make = [&](std::string op_name, OpRole role, GemmShape shape, double out_elem_bytes) {
      Op op;
      op.name = std::move(op_name);
      op.kind = OpKind::gemm;
      op.pass = role == OpRole::forward ? Pass::forward : Pass::backward;
      op.role = role;
      op.precision = precision;
      op.gemm = shape;
      const double mm = shape.m, nn = shape.n, kk = shape.k, bb = shape.batch;
      op.flops = 2.0 * mm * nn * kk * bb;
      op.output_bytes = mm * nn * bb * out_elem_bytes;
      op.bytes = bb * (mm * kk + kk * nn) * e + op.output_bytes;
      return op;
    };
    if (precision == Precision::fp8) {
      // Transformer Engine: the 16-bit input is cast to FP8 (with an amax reduction) before the
      // forward GEMM; backward casts the output gradient and transposes the FP8 input for the
      // weight gradient. Weights are cast once per step and cached across micro-batches.
      const double act = bytes_per_element(ctx_.activation_precision);
      const double input = double(m) * k * batch, grad = double(m) * n * batch;
      elementwise(name + "_fp8_cast", input * (act + 1.0), grad * (act + 1.0) + input * 2.0, 0, 1,
                  2);
    }
    forward_.push_back(make(name, OpRole::forward, {m, n, k, batch}, out));
    // dX[m,k] = dY[m,n] · W^T[n,k]; dW[n,k] = dY^T[n,m] · X[m,k] accumulated in fp32. For the
    // batched attention GEMMs (scores, values) the "weight" is the second activation operand (K,
    // V); its gradient GEMM carries the weight-gradient role all the same, as zero-bubble's
    // W pass has always counted it.
    backward_.push_back(make(name + "_dgrad", OpRole::data_gradient, {m, k, n, batch}, out));
    backward_.push_back(make(name + "_wgrad", OpRole::weight_gradient, {n, k, m, batch}, 4.0));
  }

  // A memory-bound kernel (or fused group): `bytes` of HBM traffic forward and backward.
  void elementwise(const std::string& name, double forward_bytes, double backward_bytes,
                   double output_bytes, int kernels_forward = 1, int kernels_backward = 1) {
    if (forward_bytes > 0)
      forward_.push_back(
          memory_op(name, Pass::forward, forward_bytes, output_bytes, kernels_forward));
    if (backward_bytes > 0)
      backward_.push_back(
          memory_op(name + "_bwd", Pass::backward, backward_bytes, output_bytes, kernels_backward));
  }

  void attention(const std::string& name, const AttentionShape& shape) {
    const double e = bytes_per_element(ctx_.activation_precision);
    const double causal_share = shape.causal ? 0.5 : 1.0;
    const double score_flops = 4.0 * shape.batch * shape.heads * static_cast<double>(shape.seq_q) *
                               shape.seq_kv * shape.head_dim * causal_share;
    const double q_bytes = double(shape.batch) * shape.seq_q * shape.heads * shape.head_dim * e;
    const double kv_bytes = 2.0 * shape.batch * shape.seq_kv * shape.kv_heads * shape.head_dim * e;
    Op fwd;
    fwd.name = name;
    fwd.kind = OpKind::attention;
    fwd.pass = Pass::forward;
    // The fused kernel runs in the activations' precision: 16-bit under FP8 recipes too
    // (Transformer Engine keeps attention in BF16), and FP32 in FP32 training, where
    // FlashAttention (FP16/BF16 only) is unavailable and PyTorch's SDPA falls back to its
    // memory-efficient FP32 kernel, so it cannot beat the FP32 peak.
    fwd.precision = ctx_.activation_precision;
    fwd.attention = shape;
    fwd.flops = score_flops;
    fwd.output_bytes = q_bytes;
    fwd.bytes = q_bytes + kv_bytes + q_bytes;
    Op bwd = fwd;
    bwd.name = name + "_bwd";
    bwd.pass = Pass::backward;
    bwd.role = OpRole::data_gradient;
    // FlashAttention-2: the backward pass does 2.5x the forward matmul work (recomputes S).
    bwd.flops = 2.5 * score_flops;
    bwd.bytes = 2.0 * fwd.bytes + q_bytes + kv_bytes;
    forward_.push_back(fwd);
    backward_.push_back(bwd);
  }

  PassOps take() {
    // Backward runs the layer in reverse order.
    std::reverse(backward_.begin(), backward_.end());
    return PassOps{std::move(forward_), std::move(backward_)};
  }

 private:
  Op memory_op(std::string name, Pass pass, double bytes, double output_bytes, int kernels) const {
    Op op;
    op.name = std::move(name);
    op.kind = OpKind::memory_bound;
    op.pass = pass;
    // Memory-bound backward kernels count as data gradients, including the ones that also
    // accumulate a small parameter gradient (norm weights, the embedding scatter): zero-bubble's
    // W pass defers only the weight-gradient GEMMs.
    op.role = pass == Pass::forward ? OpRole::forward : OpRole::data_gradient;
    op.precision = ctx_.activation_precision;
    op.bytes = bytes;
    op.output_bytes = output_bytes;
    op.kernels = kernels;
    return op;
  }

  const ShardContext& ctx_;
  std::vector<Op> forward_;
  std::vector<Op> backward_;
};

}  // namespace

bool ShardContext::fused_elementwise() const {
  return compiled || framework_profile(framework).fused_elementwise;
}

PassOps build_transformer_layer_ops(const ModelSpec& model, const ShardContext& ctx) {
  assert(ctx.tp > 0 && ctx.cp > 0 && ctx.micro_batch > 0);
  OpListBuilder ops(ctx);
  const FrameworkProfile& framework = framework_profile(ctx.framework);
  const bool eager = !ctx.fused_elementwise();
  const double e = bytes_per_element(ctx.activation_precision);
  const std::int64_t t = ctx.tp;
  const std::int64_t T = ctx.gemm_tokens();
  const double E = static_cast<double>(ctx.elementwise_tokens());
  const std::int64_t h = model.hidden;
  const std::int64_t kvh = model.kv_hidden();
  const std::int64_t d = model.head_dim();
  const double hidden_bytes = E * h * e;  // one [tokens, h] activation on this rank

  // Eager PyTorch runs autocast: each forward casts fp32 weights to 16-bit (read 4 B, write 2 B),
  // and biases are separate kernels. Megatron keeps 16-bit weights and fuses bias epilogues.
  auto weight_cast = [&](const std::string& name, double weight_elems) {
    if (framework.autocast_weight_casts)
      ops.elementwise(name + "_cast", 6.0 * weight_elems, 6.0 * weight_elems, 0);
  };
  auto bias_add = [&](const std::string& name, double out_elems) {
    if (eager && model.linear_bias)
      ops.elementwise(name + "_bias", 2.0 * out_elems * e, 2.0 * out_elems * e, out_elems * e);
  };
  auto residual_block_end = [&](const std::string& name) {
    if (eager) {  // dropout (writes a 1-byte mask) and the residual add are separate kernels
      ops.elementwise(name + "_dropout", hidden_bytes * (2.0 + 1.0 / e),
                      hidden_bytes * (2.0 + 1.0 / e), hidden_bytes);
      ops.elementwise(name + "_residual", 3.0 * hidden_bytes, 3.0 * hidden_bytes, hidden_bytes);
    } else {  // Megatron's fused bias-dropout-add
      ops.elementwise(name + "_bias_dropout_add", hidden_bytes * (3.0 + 1.0 / e),
                      hidden_bytes * (3.0 + 1.0 / e), hidden_bytes);
    }
  };
  auto norm = [&](const std::string& name) {
    ops.elementwise(name, 2.0 * hidden_bytes, 3.0 * hidden_bytes, hidden_bytes);
  };

  // --- attention block ---
  norm("input_norm");
  const std::int64_t qkv_out = (h + 2 * kvh) / t;
  weight_cast("qkv", double(h) * qkv_out);
  ops.gemm("qkv", T, qkv_out, h);
  bias_add("qkv", double(T) * qkv_out);
  if (!model.learned_position_embeddings) {  // rotary embedding on q and k
    const double qk_bytes = double(T) * (h + kvh) / t * e;
    ops.elementwise("rotary", 2.0 * qk_bytes, 2.0 * qk_bytes, qk_bytes, eager ? 4 : 1,
                    eager ? 4 : 1);
  }
  AttentionShape shape;
  shape.batch = ctx.micro_batch;
  shape.heads = model.heads / t;
  shape.kv_heads = std::max<std::int64_t>(1, model.kv_heads / t);
  shape.seq_q = ctx.local_seq_len();
  shape.seq_kv = ctx.seq_len;  // context parallelism: local queries attend over all keys
  shape.head_dim = d;
  shape.causal = model.causal();
  if (ctx.flash_attention) {
    ops.attention("attention", shape);
  } else {
    // Materialized scores [b·heads, s_q, s_kv] in 16-bit: QK^T, fused scale-mask-softmax,
    // dropout (1-byte mask), then probabilities x V. Masking does not skip work here.
    const Precision p16 = ctx.activation_precision;
    const std::int64_t bh = shape.batch * shape.heads;
    const double scores = double(bh) * shape.seq_q * shape.seq_kv;
    ops.gemm_in(p16, "attention_scores", shape.seq_q, shape.seq_kv, d, bh);
    ops.elementwise("scale_mask_softmax", 2.0 * scores * e, 3.0 * scores * e, scores * e);
    ops.elementwise("attention_dropout", scores * (2.0 * e + 1.0), scores * (2.0 * e + 1.0),
                    scores * e);
    ops.gemm_in(p16, "attention_values", shape.seq_q, d, shape.seq_kv, bh);
  }
  weight_cast("attn_proj", double(h / t) * h);
  ops.gemm("attn_proj", T, h, h / t);
  bias_add("attn_proj", double(T) * h);
  residual_block_end("attn");

  // --- MLP block (dense, or routed experts + shared experts) ---
  norm("post_attn_norm");
  const std::int64_t gate_factor = model.activation == Activation::swiglu ? 2 : 1;
  auto mlp = [&](const std::string& prefix, std::int64_t tokens, std::int64_t ffn,
                 std::int64_t batch, std::int64_t ffn_split) {
    const std::int64_t ffn_local = ffn / ffn_split;
    weight_cast(prefix + "fc1", double(h) * ffn_local * gate_factor * batch);
    ops.gemm(prefix + "fc1", tokens, ffn_local * gate_factor, h, batch);
    bias_add(prefix + "fc1", double(tokens) * ffn_local * gate_factor * batch);
    const double act_in = double(tokens) * ffn_local * gate_factor * batch * e;
    const double act_out = double(tokens) * ffn_local * batch * e;
    ops.elementwise(prefix + "activation", act_in + act_out, 2.0 * act_in + act_out, act_out,
                    eager && gate_factor == 2 ? 2 : 1, eager && gate_factor == 2 ? 3 : 1);
    weight_cast(prefix + "fc2", double(ffn_local) * h * batch);
    ops.gemm(prefix + "fc2", tokens, h, ffn_local, batch);
  };
  if (model.moe) {
    const MoeSpec& moe = *model.moe;
    // The router and the permutation work on the tokens this rank holds (its SP shard).
    const std::int64_t local_tokens = ctx.elementwise_tokens();
    ops.gemm("router", local_tokens, moe.experts, h);
    ops.elementwise("router_softmax_topk", 2.0 * E * moe.experts * 4.0, 2.0 * E * moe.experts * 4.0,
                    E * moe.top_k * 4.0);
    // Permute tokens to experts and back (gather/scatter of top_k copies).
    const double routed_bytes = E * moe.top_k * h * e;
    ops.elementwise("token_permute", 2.0 * routed_bytes, 2.0 * routed_bytes, routed_bytes);
    // Under uniform routing each of the experts/ep local experts receives tokens·top_k/experts
    // from each of the ep ranks of its expert-parallel group, gathered over its etp expert-TP
    // ranks (Megatron-Core's dispatcher: permute, all-to-all over EP, all-gather over ETP);
    // capacity padding and imbalance (the busiest rank sets the pace) scale that.
    const std::int64_t local_experts = std::max<std::int64_t>(1, moe.experts / ctx.ep);
    const double routed = routed_tokens_per_rank(model, ctx);
    const std::int64_t tokens_per_expert = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(routed * ctx.ep * ctx.expert_token_gather() /
                                     std::max<std::int64_t>(1, moe.experts)));
    mlp("expert_", tokens_per_expert, moe.expert_ffn_hidden, local_experts, ctx.expert_tp());
    ops.elementwise("token_unpermute", 2.0 * routed_bytes, 2.0 * routed_bytes, routed_bytes);
    if (moe.shared_experts > 0) mlp("shared_", T, moe.expert_ffn_hidden * moe.shared_experts, 1, t);
  } else {
    mlp("", T, model.ffn_hidden, 1, t);
  }
  bias_add("fc2", double(T) * h);
  residual_block_end("mlp");
  return ops.take();
}

PassOps build_embedding_ops(const ModelSpec& model, const ShardContext& ctx) {
  OpListBuilder ops(ctx);
  const double e = bytes_per_element(ctx.activation_precision);
  if (model.is_cnn()) return ops.take();  // the stem is the first block
  if (model.vision) {
    // ViT: the patch projection is a p x p stride-p convolution, i.e. a GEMM over the patches
    // (unfolded, each C·p² pixels); then the class token is prepended and the positions added.
    const VisionSpec& v = *model.vision;
    const std::int64_t b = ctx.micro_batch;
    const std::int64_t pixels = v.channels * v.patch_size * v.patch_size;
    const double image_bytes = double(b) * v.channels * v.image_size * v.image_size * e;
    ops.elementwise("patch_unfold", 2.0 * image_bytes, 0, image_bytes);
    ops.gemm("patch_embedding", b * v.patches(), model.hidden, pixels);
    const double out = double(ctx.gemm_tokens()) * model.hidden * e;
    ops.elementwise("class_token_and_positions", 3.0 * out, 2.0 * out, out);
    return ops.take();
  }
  const double tokens = static_cast<double>(ctx.gemm_tokens());
  const double out = tokens * model.hidden * e;
  // Vocab-parallel lookup: each TP rank gathers its rows into a full-size buffer (summed by a
  // TP all-reduce); backward scatters into the fp32 embedding gradient.
  ops.elementwise("embedding", 2.0 * out + tokens * 8.0, out + tokens * model.hidden * 8.0, out,
                  model.learned_position_embeddings ? 2 : 1, 1);
  return ops.take();
}

PassOps build_lm_head_ops(const ModelSpec& model, const ShardContext& ctx) {
  OpListBuilder ops(ctx);
  const double e = bytes_per_element(ctx.activation_precision);
  if (model.vision) {
    // An image classifier: a ViT normalizes its tokens and classifies the class token; a CNN
    // averages its last feature map over space (ResNet) and classifies that. Softmax
    // cross-entropy over the classes in fp32, as for a language model's logits.
    const VisionSpec& v = *model.vision;
    const std::int64_t b = ctx.micro_batch;
    const double features = double(b) * model.hidden;
    if (model.is_cnn()) {
      const double map = double(b) * v.blocks.back().output_elements();
      if (map > features)
        ops.elementwise("global_average_pool", (map + features) * e, (map + features) * e,
                        features * e);
    } else {
      const double E = static_cast<double>(ctx.gemm_tokens());
      ops.elementwise("final_norm", 2.0 * E * model.hidden * e, 3.0 * E * model.hidden * e,
                      E * model.hidden * e);
    }
    ops.gemm("classifier", b, v.classes, model.hidden);
    const double logits = double(b) * v.classes;
    ops.elementwise("cross_entropy", logits * (e + 4.0 + 4.0), logits * (4.0 + e), logits * 4.0, 3,
                    2);
    return ops.take();
  }
  const double E = static_cast<double>(ctx.elementwise_tokens());
  const std::int64_t T = ctx.gemm_tokens();
  const std::int64_t vocab_local = (model.vocab + ctx.tp - 1) / ctx.tp;
  ops.elementwise("final_norm", 2.0 * E * model.hidden * e, 3.0 * E * model.hidden * e,
                  E * model.hidden * e);
  if (framework_profile(ctx.framework).logits_in_fp32)
    ops.gemm_in(Precision::tf32, "lm_head", T, vocab_local, model.hidden);
  else
    ops.gemm("lm_head", T, vocab_local, model.hidden);
  // Vocab-parallel cross-entropy upcasts logits to fp32: read logits, write/read fp32 softmax.
  const double logits = double(T) * vocab_local;
  ops.elementwise("cross_entropy", logits * (e + 4.0 + 4.0), logits * (4.0 + e), logits * 4.0, 3,
                  2);
  return ops.take();
}

PassOps build_cnn_block_ops(const ModelSpec& model, std::int64_t layer, const ShardContext& ctx) {
  assert(model.is_cnn() && layer >= 0 &&
         layer < static_cast<std::int64_t>(model.vision->blocks.size()));
  const CnnBlock& block = model.vision->blocks[static_cast<std::size_t>(layer)];
  OpListBuilder ops(ctx);
  const double e = bytes_per_element(ctx.activation_precision);
  const std::int64_t b = ctx.micro_batch;
  // PyTorch eager (torchvision's models, NVIDIA's DeepLearningExamples): cuDNN convolutions with
  // the bias in their epilogue, then BatchNorm and an in-place ReLU as kernels of their own.
  // BatchNorm in training reads its input for the batch statistics, then reads it again and
  // writes the output; backward reads input and output gradient for the reductions, then both
  // again and writes the input gradient. ReLU reads and writes; backward reads the output and its
  // gradient and writes one.
  auto unit = [&](const ConvUnit& c, const std::string& prefix) {
    const std::string name = prefix + c.name;
    ops.gemm(name, b * c.out_size * c.out_size, c.out_channels,
             c.in_channels * c.kernel * c.kernel);
    const double out = double(b) * c.out_channels * c.out_size * c.out_size * e;
    if (c.batch_norm) ops.elementwise(name + "_batch_norm", 3.0 * out, 5.0 * out, out);
    if (c.relu) ops.elementwise(name + "_relu", 2.0 * out, 3.0 * out, out);
    if (c.dropout)
      ops.elementwise(name + "_dropout", out * (2.0 + 1.0 / e), out * (2.0 + 1.0 / e), out);
  };
  for (const ConvUnit& c : block.shortcut) unit(c, "shortcut_");
  for (const ConvUnit& c : block.convs) unit(c, "");
  const ConvUnit& last = block.convs.back();
  const double out = double(b) * last.out_channels * last.out_size * last.out_size * e;
  if (block.residual) {
    // The shortcut is added, then ReLU; backward passes the gradient to both branches.
    ops.elementwise("residual_add", 3.0 * out, 3.0 * out, out);
    ops.elementwise("residual_relu", 2.0 * out, 3.0 * out, out);
  }
  if (block.pool_out_size > 0) {
    // PyTorch's max_pool2d keeps the argmax of each output as an int64 index for backward,
    // which scatters the gradient into a zeroed input-sized tensor.
    const double pooled = double(b) * last.out_channels * block.pool_out_size * block.pool_out_size;
    ops.elementwise("max_pool", out + pooled * (e + 8.0), 2.0 * out + pooled * (e + 8.0),
                    pooled * e);
  }
  return ops.take();
}

double cnn_block_saved_bytes(const ModelSpec& model, std::int64_t layer, const ShardContext& ctx,
                             bool checkpointed) {
  const CnnBlock& block = model.vision->blocks[static_cast<std::size_t>(layer)];
  const double e = bytes_per_element(ctx.activation_precision);
  const double b = static_cast<double>(ctx.micro_batch);
  // What autograd keeps: a convolution its input (the previous ReLU's output, counted there);
  // BatchNorm its input; an in-place ReLU its output (the next convolution's input); dropout
  // its 1-byte mask and its output (the next layer's input); max-pool its int64 indices. The
  // first block's convolution keeps the image itself.
  double saved = 0;
  auto unit = [&](const ConvUnit& c) {
    const double out = b * c.out_channels * c.out_size * c.out_size;
    if (c.batch_norm) saved += out * e;
    if (c.relu) saved += out * e;
    if (c.dropout) saved += out * (1.0 + e);
  };
  for (const ConvUnit& c : block.shortcut) unit(c);
  for (const ConvUnit& c : block.convs) unit(c);
  const ConvUnit& last = block.convs.back();
  if (block.residual) saved += b * last.out_channels * last.out_size * last.out_size * e;
  if (block.pool_out_size > 0)
    saved += b * last.out_channels * block.pool_out_size * block.pool_out_size * 8.0;
  if (layer == 0) {
    const VisionSpec& v = *model.vision;
    saved += b * v.channels * v.image_size * v.image_size * e;
  }
  // Checkpointing every block keeps only its input; the block's own activations are rebuilt
  // for its backward (memory.cpp adds one block's worth).
  if (checkpointed) {
    const double input =
        layer == 0
            ? b * model.vision->channels * model.vision->image_size * model.vision->image_size
            : b * model.vision->blocks[static_cast<std::size_t>(layer - 1)].output_elements();
    return input * e;
  }
  return saved;
}

std::vector<Op> build_optimizer_ops(double params_on_rank, Framework framework) {
  // Adam: read fp32 grad, master weight, m, v (16 B); write master, m, v (12 B). Megatron then
  // copies master weights to the 16-bit model weights (4 B read + 2 B write); both frameworks
  // read the gradients once more for global-norm clipping (4 B).
  const bool megatron = framework_profile(framework).optimizer_writes_16bit_weights;
  Op adam;
  adam.name = "adam";
  adam.kind = OpKind::memory_bound;
  adam.pass = Pass::optimizer;
  adam.role = OpRole::update;
  adam.precision = Precision::fp32;
  adam.bytes = params_on_rank * (megatron ? 34.0 : 28.0);
  adam.kernels = megatron ? 4 : 2;
  Op clip = adam;
  clip.name = "grad_norm";
  clip.bytes = params_on_rank * 4.0;
  clip.kernels = 2;
  if (params_on_rank <= 0) return {};
  return {clip, adam};
}

Op build_fp32_gradient_accumulation_op(double params_on_rank, double tensors) {
  // bf16_optimizer.py _update_hp_grad (DeepSpeed 38327e0, line 340):
  // hp_grad.add_(lp.grad.to(fp32)): the cast reads 2 and writes 4 bytes per parameter, the add
  // reads 4 + 4 and writes 4; one kernel each per tensor.
  Op op;
  op.name = "fp32_gradient_accumulation";
  op.kind = OpKind::memory_bound;
  op.pass = Pass::backward;
  op.role = OpRole::weight_gradient;
  op.precision = Precision::fp32;
  op.bytes = params_on_rank * 18.0;
  op.kernels = std::max(1, static_cast<int>(2.0 * tensors));
  return op;
}

double context_parallel_ring_step_bytes(const ModelSpec& model, const ShardContext& ctx) {
  const double kv_heads_local = std::max<std::int64_t>(1, model.kv_heads / ctx.tp);
  return 2.0 * ctx.micro_batch * ctx.local_seq_len() * kv_heads_local * model.head_dim() *
         bytes_per_element(ctx.activation_precision);
}

double routed_tokens_per_rank(const ModelSpec& model, const ShardContext& ctx) {
  if (!model.moe) return 0;
  // Each rank dispatches the tokens it holds: its sequence-parallel shard when TP splits them.
  const double copies = static_cast<double>(ctx.elementwise_tokens()) * model.moe->top_k;
  const double padding = model.moe->capacity_factor > 0 ? model.moe->capacity_factor : 1.0;
  return copies * padding * std::max(1.0, ctx.expert_load_imbalance);
}

double model_flops_per_token(const ModelSpec& model, std::int64_t seq_len) {
  const double h = static_cast<double>(model.hidden);
  if (model.is_cnn()) {
    // One "token" is one image: forward, data and weight gradients are 3 x 2 FLOPs per
    // multiply-accumulate of every convolution and of the classifier.
    double macs = h * static_cast<double>(model.vision->classes);
    for (const CnnBlock& b : model.vision->blocks) macs += b.macs_per_image();
    return 6.0 * macs;
  }
  const double attention_params = h * (h + 2.0 * model.kv_hidden()) + h * h;
  double mlp_params = model.mlp_matrices() * h * model.ffn_hidden;
  if (model.moe) {
    const MoeSpec& moe = *model.moe;
    mlp_params = model.mlp_matrices() * h * moe.expert_ffn_hidden *
                     static_cast<double>(moe.top_k + moe.shared_experts) +
                 h * moe.experts;
  }
  double matmul_params =
      model.layers * (attention_params + mlp_params) + static_cast<double>(model.vocab) * h;
  if (model.vision) {
    // ViT: the patch projection runs on the patches and the classifier on the class token,
    // spread here over all tokens of the image.
    const VisionSpec& v = *model.vision;
    const double tokens = static_cast<double>(v.tokens_per_image());
    matmul_params += (static_cast<double>(v.channels) * v.patch_size * v.patch_size * h *
                          static_cast<double>(v.patches()) +
                      h * static_cast<double>(v.classes)) /
                     tokens;
  }
  return 6.0 * matmul_params + 12.0 * model.layers * h * static_cast<double>(seq_len);
}

}  // namespace trainsim
