// hardware/attention_kernel.hpp: a stack's flash-attention kernel rescales the profile's measured
// attention to the kernel's published rate.
#include "hardware/attention_kernel.hpp"

#include <gtest/gtest.h>

#include "hardware/presets.hpp"

namespace trainsim {
namespace {

GpuSpec preset_gpu(const char* name) {
  return resolve_gpu(Json(name), "cluster.gpu");
}

TEST(AttentionKernel, FlashAttention2IsPublishedForAmpereAndHopperOnly) {
  // FlashAttention-2 paper §4.1: 73% of the A100's peak forward + backward; 335 of 989.4
  // TFLOP/s on H100.
  EXPECT_DOUBLE_EQ(*flash_attention_2_best_frac(preset_gpu("a100-sxm4-80gb")), 0.73);
  EXPECT_NEAR(*flash_attention_2_best_frac(preset_gpu("h100-sxm5-80gb")), 0.3386, 1e-4);
  EXPECT_FALSE(flash_attention_2_best_frac(preset_gpu("b200")));
  EXPECT_FALSE(flash_attention_2_best_frac(preset_gpu("mi300x")));
}

TEST(AttentionKernel, ForwardPlusBackwardWeighsTheBackwardsTwoAndAHalfTimesTheWork) {
  EXPECT_DOUBLE_EQ(forward_backward_efficiency_frac(0.5, 0.5), 0.5);
  // 1 unit of forward work at 0.7 and 2.5 at 0.35: 3.5 / (1/0.7 + 2.5/0.35) = 0.4083.
  EXPECT_NEAR(forward_backward_efficiency_frac(0.7, 0.35), 3.5 / (1 / 0.7 + 2.5 / 0.35), 1e-12);
}

TEST(AttentionKernel, ASlowerKernelScalesEveryPointSoItsBestIsThePublishedOne) {
  HardwareProfile p;
  p.attention = {{2048, 128, 0.475, 0.323}, {16384, 128, 0.611, 0.556}};
  p.attention_max_efficiency_frac = 0.611;
  p.attention_backward_max_efficiency_frac = 0.556;
  const double best = forward_backward_efficiency_frac(0.611, 0.556);
  const HardwareProfile fa2 = with_attention_best_frac(p, 0.3386);
  const double scale = 0.3386 / best;
  ASSERT_EQ(fa2.attention.size(), 2u);
  // The measured shape over sequence length stays: each point keeps its share of the best.
  EXPECT_DOUBLE_EQ(fa2.attention[0].forward_frac, 0.475 * scale);
  EXPECT_DOUBLE_EQ(fa2.attention[0].backward_frac, 0.323 * scale);
  EXPECT_NEAR(forward_backward_efficiency_frac(fa2.attention[1].forward_frac,
                                               fa2.attention[1].backward_frac),
              0.3386, 1e-12);
  EXPECT_DOUBLE_EQ(fa2.attention_max_efficiency_frac, 0.611 * scale);
  EXPECT_DOUBLE_EQ(fa2.attention_backward_max_efficiency_frac, 0.556 * scale);
}

TEST(AttentionKernel, AProfileWithoutPointsScalesItsMaxima) {
  HardwareProfile p;  // Hopper's datasheet defaults: 0.60 forward, 0.50 backward
  p.attention_max_efficiency_frac = 0.60;
  p.attention_backward_max_efficiency_frac = 0.50;
  const HardwareProfile fa2 = with_attention_best_frac(p, 0.3386);
  EXPECT_NEAR(forward_backward_efficiency_frac(fa2.attention_max_efficiency_frac,
                                               fa2.attention_backward_max_efficiency()),
              0.3386, 1e-12);
  EXPECT_DOUBLE_EQ(fa2.attention_max_efficiency_frac / fa2.attention_backward_max_efficiency(),
                   0.60 / 0.50);
}

TEST(AttentionKernel, AProfileAlreadyAtOrBelowTheKernelsRateIsLeftAlone) {
  // Ampere's defaults come from FlashAttention-2 itself (0.62 / 0.55, below its 0.73 best).
  HardwareProfile p;
  p.attention = {{8192, 128, 0.62, 0.55}};
  p.attention_max_efficiency_frac = 0.62;
  p.attention_backward_max_efficiency_frac = 0.55;
  const HardwareProfile same = with_attention_best_frac(p, 0.73);
  EXPECT_DOUBLE_EQ(same.attention[0].forward_frac, 0.62);
  EXPECT_DOUBLE_EQ(same.attention[0].backward_frac, 0.55);
  EXPECT_DOUBLE_EQ(same.attention_max_efficiency_frac, 0.62);
}

TEST(AttentionKernel, NamesAreTheScenarioValues) {
  EXPECT_EQ(name_of(AttentionKernel::profile), "profile");
  EXPECT_EQ(name_of(AttentionKernel::flash_attention_2), "flash_attention_2");
}

}  // namespace
}  // namespace trainsim
