// The operator list of a transformer layer does the work the literature says it does.
#include "models/layer_ops.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace trainsim {
namespace {

ModelSpec gpt_like(std::int64_t layers, std::int64_t h, std::int64_t heads, std::int64_t vocab) {
  ModelSpec m;
  m.name = "gpt-like";
  m.layers = layers;
  m.hidden = h;
  m.heads = heads;
  m.kv_heads = heads;
  m.ffn_hidden = 4 * h;
  m.vocab = vocab;
  m.activation = Activation::gelu;
  m.norm = NormKind::layernorm;
  m.learned_position_embeddings = true;
  return m;
}

double flops_of(const std::vector<Op>& ops, OpKind kind) {
  double f = 0;
  for (const Op& op : ops)
    if (op.kind == kind) f += op.flops;
  return f;
}

TEST(LayerOps, GptLayerForwardGemmsDo24bsh2Flops) {
  const ModelSpec m = gpt_like(24, 2048, 16, 50257);
  ShardContext ctx;
  ctx.micro_batch = 4;
  ctx.seq_len = 2048;
  const PassOps ops = build_transformer_layer_ops(m, ctx);
  const double b = 4, s = 2048, h = 2048;
  EXPECT_DOUBLE_EQ(flops_of(ops.forward, OpKind::gemm), 24 * b * s * h * h);
  // dgrad + wgrad: twice the forward work.
  EXPECT_DOUBLE_EQ(flops_of(ops.backward, OpKind::gemm), 48 * b * s * h * h);
}

TEST(LayerOps, CausalFlashAttentionExecutesHalfOf4bs2hForwardAnd2point5xBackward) {
  const ModelSpec m = gpt_like(24, 2048, 16, 50257);
  ShardContext ctx;
  ctx.micro_batch = 2;
  ctx.seq_len = 4096;
  const PassOps ops = build_transformer_layer_ops(m, ctx);
  const double full = 4.0 * 2 * 4096.0 * 4096.0 * 2048;
  EXPECT_DOUBLE_EQ(flops_of(ops.forward, OpKind::attention), 0.5 * full);
  EXPECT_DOUBLE_EQ(flops_of(ops.backward, OpKind::attention), 2.5 * 0.5 * full);
}

TEST(LayerOps, TensorParallelismSplitsGemmWorkEvenly) {
  const ModelSpec m = gpt_like(24, 4096, 32, 50257);
  ShardContext one;
  ShardContext eight = one;
  eight.tp = 8;
  const double f1 = flops_of(build_transformer_layer_ops(m, one).forward, OpKind::gemm);
  const double f8 = flops_of(build_transformer_layer_ops(m, eight).forward, OpKind::gemm);
  EXPECT_DOUBLE_EQ(f8 * 8, f1);
}

TEST(LayerOps, SequenceParallelismShrinksElementwiseTraffic) {
  const ModelSpec m = gpt_like(24, 4096, 32, 50257);
  ShardContext tp;
  tp.tp = 4;
  ShardContext sp = tp;
  sp.sequence_parallel = true;
  auto bytes = [](const PassOps& ops) {
    double b = 0;
    for (const Op& op : ops.forward)
      if (op.name.find("norm") != std::string::npos) b += op.bytes;
    return b;
  };
  EXPECT_DOUBLE_EQ(bytes(build_transformer_layer_ops(m, sp)) * 4,
                   bytes(build_transformer_layer_ops(m, tp)));
}

TEST(LayerOps, EagerPyTorchRunsMoreKernelsAndMovesMoreBytesThanMegatron) {
  const ModelSpec m = gpt_like(24, 2048, 16, 50257);
  ShardContext megatron;
  ShardContext eager = megatron;
  eager.framework = Framework::pytorch;
  auto traffic = [](const PassOps& ops) {
    double bytes = 0;
    for (const Op& op : ops.forward)
      if (op.kind == OpKind::memory_bound) bytes += op.bytes;
    return bytes;
  };
  const PassOps fused = build_transformer_layer_ops(m, megatron);
  const PassOps unfused = build_transformer_layer_ops(m, eager);
  EXPECT_GT(unfused.forward.size(), fused.forward.size());
  EXPECT_GT(traffic(unfused), 1.3 * traffic(fused));
}

TEST(LayerOps, ModelFlopsPerTokenMatchMegatronsFormulaForGpt3) {
  // Narayanan et al. 2021, without recomputation: 72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h)).
  const ModelSpec m = gpt_like(96, 12288, 96, 51200);
  const double s = 2048, l = 96, h = 12288, V = 51200;
  const double per_token = 72.0 * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
  EXPECT_NEAR(model_flops_per_token(m, 2048) / per_token, 1.0, 1e-12);
}

TEST(LayerOps, ModelFlopsAreSixNPlusAttention) {
  // PaLM's convention: 6N (matmul parameters incl. the LM head) + 12·l·h·s.
  ModelSpec m = gpt_like(32, 4096, 32, 128256);
  m.kv_heads = 8;
  m.ffn_hidden = 14336;
  m.activation = Activation::swiglu;
  const double h = 4096, kv = 1024;
  const double per_layer = h * (h + 2 * kv) + h * h + 3 * h * 14336;
  const double n = 32 * per_layer + 128256 * h;
  EXPECT_DOUBLE_EQ(model_flops_per_token(m, 8192), 6 * n + 12.0 * 32 * h * 8192);
}

TEST(LayerOps, MixtureOfExpertsCountsOnlyActiveExperts) {
  ModelSpec m = gpt_like(32, 4096, 32, 32000);
  m.kv_heads = 8;
  m.activation = Activation::swiglu;
  m.moe = MoeSpec{8, 2, 14336, 0};
  ModelSpec dense = m;
  dense.moe.reset();
  dense.ffn_hidden = 2 * 14336;  // two experts' worth of MLP
  // Routed compute equals a dense MLP twice as wide, plus the router.
  const double router = 6.0 * 32 * 4096 * 8;
  EXPECT_NEAR(model_flops_per_token(m, 4096), model_flops_per_token(dense, 4096) + router, 1.0);
}

TEST(LayerOps, OptimizerMovesBytesProportionalToParameters) {
  const auto ops = build_optimizer_ops(1e9, Framework::megatron);
  double bytes = 0;
  for (const Op& op : ops) bytes += op.bytes;
  EXPECT_DOUBLE_EQ(bytes, 38e9);  // Adam 34 B/param + clipping 4 B/param
  EXPECT_TRUE(build_optimizer_ops(0, Framework::megatron).empty());
}

// Zero-bubble schedules defer exactly the weight-gradient GEMMs, selected by role: in every
// builder's lists the role matches the pass, the weight-gradient ops are the GEMMs named
// "<gemm>_wgrad" that pair with a "<gemm>_dgrad", and no forward op carries a backward role.
TEST(LayerOps, WeightGradientOpsAreExactlyThoseWithTheWeightGradientRole) {
  ModelSpec dense = gpt_like(4, 1024, 16, 32000);
  dense.linear_bias = true;
  ModelSpec moe = dense;
  moe.activation = Activation::swiglu;
  moe.learned_position_embeddings = false;
  moe.moe = MoeSpec{8, 2, 2048, 1};
  ShardContext megatron;
  megatron.tp = 2;
  megatron.sequence_parallel = true;
  ShardContext eager_unfused = megatron;
  eager_unfused.framework = Framework::pytorch;
  eager_unfused.flash_attention = false;  // batched score/value GEMMs have dgrad + wgrad too
  ShardContext fp8 = megatron;
  fp8.gemm_precision = Precision::fp8;
  for (const ModelSpec& model : {dense, moe}) {
    for (const ShardContext& ctx : {megatron, eager_unfused, fp8}) {
      for (const PassOps& ops : {build_transformer_layer_ops(model, ctx),
                                 build_embedding_ops(model, ctx), build_lm_head_ops(model, ctx)}) {
        for (const Op& op : ops.forward) {
          EXPECT_EQ(op.role, OpRole::forward) << op.name;
          EXPECT_EQ(op.pass, Pass::forward) << op.name;
        }
        int weight_gradients = 0, gemm_dgrads = 0;
        for (const Op& op : ops.backward) {
          EXPECT_EQ(op.pass, Pass::backward) << op.name;
          EXPECT_NE(op.role, OpRole::forward) << op.name;
          const bool named_wgrad = op.name.ends_with("_wgrad");
          EXPECT_EQ(op.role == OpRole::weight_gradient, named_wgrad) << op.name;
          if (op.role == OpRole::weight_gradient) {
            EXPECT_EQ(op.kind, OpKind::gemm) << op.name;
            ++weight_gradients;
          }
          if (op.kind == OpKind::gemm && op.role == OpRole::data_gradient) ++gemm_dgrads;
        }
        // One dW per forward GEMM, next to its dX.
        EXPECT_EQ(weight_gradients, gemm_dgrads);
        EXPECT_EQ(weight_gradients, std::ranges::count(ops.forward, OpKind::gemm, &Op::kind));
      }
    }
  }
  for (const Op& op : build_optimizer_ops(1e6, Framework::megatron))
    EXPECT_EQ(op.role, OpRole::update) << op.name;
}

}  // namespace
}  // namespace trainsim
