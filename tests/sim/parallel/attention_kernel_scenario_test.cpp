// training.attention_kernel: a scenario names the flash-attention kernel its stack ran when it is
// not the one the GPU's profile measured; attention then runs at that kernel's published rate
// and nothing else changes.
#include <gtest/gtest.h>

#include "scenario_fixture.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/parallel/predict.hpp"

namespace trainsim {
namespace {

Json h100_llama_block(const char* attention_kernel) {
  Json json = testing::llama_block_on("fsdp2", "none");
  json["cluster"] = {{"gpu", "h100-sxm5-80gb"},
                     {"node", "dgx-h100"},
                     {"nodes", 2},
                     {"network", "ib-ndr400-rail-fattree"}};
  json["training"]["seq_len"] = 8192;
  if (attention_kernel) json["training"]["attention_kernel"] = attention_kernel;
  return json;
}

TEST(AttentionKernelScenario, FlashAttention2RunsAttentionAtItsPublishedH100Rate) {
  const Scenario profiled = testing::scenario_from(h100_llama_block(nullptr));
  const Scenario fa2 = testing::scenario_from(h100_llama_block("flash_attention_2"));
  EXPECT_EQ(profiled.training.attention_kernel, AttentionKernel::profile);
  EXPECT_EQ(fa2.training.attention_kernel, AttentionKernel::flash_attention_2);

  AttentionShape shape;
  shape.batch = 1;
  shape.heads = 8;
  shape.kv_heads = 2;
  shape.seq_q = shape.seq_kv = 8192;
  shape.head_dim = 64;
  shape.causal = true;
  const ComputeCost measured(profiled.cluster.gpu, profiled.cluster.profile);
  const ComputeCost flash2(fa2.cluster.gpu, fa2.cluster.profile);
  // The shipped H100 profile measured PyTorch 2.11's SDPA (cuDNN); FlashAttention-2's best
  // forward + backward is 335 of 989.4 TFLOP/s, 0.59 of that profile's best.
  const double own_best = forward_backward_efficiency_frac(
      profiled.cluster.profile.attention_max_efficiency_frac,
      profiled.cluster.profile.attention_backward_max_efficiency());
  for (const Pass pass : {Pass::forward, Pass::backward})
    EXPECT_NEAR(flash2.attention_efficiency_frac(shape, pass) /
                    measured.attention_efficiency_frac(shape, pass),
                (335.0 / 989.4) / own_best, 1e-9);
  // GEMMs are the same kernels either way.
  const GemmShape qkv{8192, 1536, 1024, 1};
  EXPECT_DOUBLE_EQ(flash2.gemm_efficiency_frac(qkv, Precision::bf16),
                   measured.gemm_efficiency_frac(qkv, Precision::bf16));
  // So the step is slower, by less than the attention's own slowdown.
  const double before = predict_step(profiled).step_time_s;
  const double after = predict_step(fa2).step_time_s;
  EXPECT_GT(after, before);
  EXPECT_LT(after, before / ((335.0 / 989.4) / own_best));
}

TEST(AttentionKernelScenario, OnAmpereFlashAttention2IsWhatTheDefaultsAlreadyDescribe) {
  Json a100 = h100_llama_block("flash_attention_2");
  a100["cluster"] = {{"gpu", "a100-sxm4-80gb"},
                     {"node", "dgx-a100"},
                     {"nodes", 2},
                     {"network", "ib-hdr200-rail-fattree"}};
  Json profiled = a100;
  profiled["training"].erase("attention_kernel");
  EXPECT_EQ(predict_step(testing::scenario_from(a100)).step_time_s,
            predict_step(testing::scenario_from(profiled)).step_time_s);
}

TEST(AttentionKernelScenario, RefusalsNameTheFieldAndTheWayOut) {
  Json unknown = h100_llama_block("flash_attention_3");
  EXPECT_EQ(testing::refusal(unknown),
            "training.attention_kernel: unknown value 'flash_attention_3'; allowed: profile, "
            "flash_attention_2");
  Json unfused = h100_llama_block("flash_attention_2");
  unfused["training"]["flash_attention"] = false;
  EXPECT_NE(testing::refusal(unfused).find("training.flash_attention is false"), std::string::npos);
  Json blackwell = h100_llama_block("flash_attention_2");
  blackwell["cluster"]["gpu"] = "b200";
  blackwell["cluster"]["node"] = "dgx-b200";
  EXPECT_NE(testing::refusal(blackwell).find("no published FlashAttention-2 efficiency for b200"),
            std::string::npos);
}

}  // namespace
}  // namespace trainsim
