// Image models: the presets' parameter counts and forward multiply-accumulates against the
// published totals (torchvision's model cards count "GFLOPS" as multiply-accumulates), the
// blocks a ResNet and a VGG are built from, and the vision fields' bad input.
#include "models/vision_spec.hpp"

#include <gtest/gtest.h>

#include "models/layer_ops.hpp"
#include "models/model_presets.hpp"
#include "tests/models/model_test_support.hpp"

namespace trainsim {
namespace {

using model_tests::input_error;
using model_tests::preset;

// Forward multiply-accumulates of one image: model_flops_per_token counts forward and both
// gradients, 6 FLOPs per multiply-accumulate, per token.
double forward_macs_per_image(const ModelSpec& m) {
  const std::int64_t tokens = m.vision->tokens_per_image();
  return model_flops_per_token(m, tokens) * static_cast<double>(tokens) / 6.0;
}

TEST(VisionPresets, ResNet50HasTorchvisionsParametersAndMultiplyAccumulates) {
  const ModelSpec m = preset("resnet50");
  ASSERT_TRUE(m.is_cnn());
  EXPECT_EQ(m.total_params(), 25'557'032);  // torchvision resnet50: 25,557,032 parameters
  EXPECT_NEAR(forward_macs_per_image(m), 4.09e9, 0.01e9);  // "4.09 GFLOPS" at 224x224
  // The stem and 3 + 4 + 6 + 3 bottlenecks; the classifier reads 2048 channels.
  EXPECT_EQ(m.layers, 17);
  EXPECT_EQ(m.hidden, 2048);
  EXPECT_EQ(m.vision->blocks.back().output_elements(), 2048.0 * 7 * 7);
}

TEST(VisionPresets, Vgg16HasTheParametersOfTheSimonyanZissermanTable) {
  const ModelSpec m = preset("vgg16");
  ASSERT_TRUE(m.is_cnn());
  EXPECT_EQ(m.total_params(), 138'357'544);  // Table 2: 138 M; torchvision vgg16
  EXPECT_NEAR(forward_macs_per_image(m), 15.47e9, 0.01e9);
  EXPECT_EQ(m.layers, 13 + 2);  // 13 convolutions, fc6 and fc7 (fc8 is the head)
}

TEST(VisionPresets, VitB16IsATransformerEncoderOverPatches) {
  const ModelSpec m = preset("vit-b16");
  ASSERT_TRUE(m.is_vision());
  EXPECT_FALSE(m.is_cnn());
  EXPECT_FALSE(m.causal());
  EXPECT_EQ(m.vision->tokens_per_image(), 14 * 14 + 1);
  EXPECT_EQ(m.max_seq_len, 197);
  EXPECT_EQ(m.total_params(), 86'567'656);                  // timm vit_base_patch16_224
  EXPECT_NEAR(forward_macs_per_image(m), 17.56e9, 0.01e9);  // torchvision vit_b_16
}

TEST(VisionPresets, TheMnistMlpIsTwoHiddenLayersOfTheFlattenedImage) {
  const ModelSpec m = preset("mlp-mnist");
  ASSERT_TRUE(m.is_cnn());  // built of blocks: one per hidden layer
  EXPECT_EQ(m.layers, 2);
  EXPECT_EQ(m.hidden, 8192);
  // 784 -> 8192 -> 8192 -> 10, each Linear with its bias.
  EXPECT_EQ(m.total_params(), (784 + 1) * 8192 + (8192 + 1) * 8192 + (8192 + 1) * 10);
  EXPECT_DOUBLE_EQ(forward_macs_per_image(m), 784.0 * 8192 + 8192.0 * 8192 + 8192.0 * 10);
  EXPECT_DOUBLE_EQ(m.vision->blocks[0].output_elements(), 8192);
}

TEST(VisionPresets, ABlocksParametersAddUpToTheModel) {
  const ModelSpec m = preset("resnet50");
  double sum = m.lm_head_params();
  for (std::int64_t l = 0; l < m.layers; ++l) sum += m.layer_params_at(l);
  EXPECT_DOUBLE_EQ(sum, m.total_params());
  EXPECT_NEAR(m.layer_params() * static_cast<double>(m.layers) + m.lm_head_params(),
              m.total_params(), 1.0);
  // layer4's first bottleneck (with its projection) is the largest block.
  EXPECT_EQ(m.largest_layer_params(), m.layer_params_at(14));
}

TEST(VisionOps, AConvolutionIsAnImplicitGemmOfTheSameFlopsForwardAndBackward) {
  const ModelSpec m = preset("resnet50");
  ShardContext ctx;
  ctx.micro_batch = 32;
  ctx.seq_len = 1;
  const PassOps stem = build_cnn_block_ops(m, 0, ctx);
  const auto conv1 = std::find_if(stem.forward.begin(), stem.forward.end(),
                                  [](const Op& op) { return op.name == "conv1"; });
  ASSERT_NE(conv1, stem.forward.end());
  // M = batch·112·112, N = 64 output channels, K = 3·7·7.
  EXPECT_EQ(conv1->gemm.m, 32 * 112 * 112);
  EXPECT_EQ(conv1->gemm.n, 64);
  EXPECT_EQ(conv1->gemm.k, 3 * 7 * 7);
  double forward_gemm = 0, backward_gemm = 0;
  for (const Op& op : stem.forward)
    if (op.kind == OpKind::gemm) forward_gemm += op.flops;
  for (const Op& op : stem.backward)
    if (op.kind == OpKind::gemm) backward_gemm += op.flops;
  EXPECT_DOUBLE_EQ(backward_gemm, 2 * forward_gemm);
  EXPECT_DOUBLE_EQ(forward_gemm, 2.0 * 32 * m.vision->blocks[0].macs_per_image());
}

TEST(VisionOps, BlocksKeepTheirActivationsAndCheckpointingKeepsOnlyTheInput) {
  const ModelSpec m = preset("resnet50");
  ShardContext ctx;
  ctx.micro_batch = 8;
  ctx.seq_len = 1;
  ctx.activation_precision = Precision::fp16;
  // The first bottleneck: conv1 and conv2 keep their BatchNorm input and ReLU output (64 x 56²
  // each), conv3 and the projection their BatchNorm input (256 x 56²), the residual ReLU its
  // output (256 x 56²); two bytes each.
  const double map = 56.0 * 56;
  EXPECT_DOUBLE_EQ(cnn_block_saved_bytes(m, 1, ctx, false),
                   8 * 2.0 * (4 * 64 * map + 3 * 256 * map));
  // Checkpointed, it keeps the stem's pooled output (64 x 56²).
  EXPECT_DOUBLE_EQ(cnn_block_saved_bytes(m, 1, ctx, true), 8 * 2.0 * 64 * map);
  ShardContext twice = ctx;
  twice.micro_batch = 16;
  EXPECT_DOUBLE_EQ(cnn_block_saved_bytes(m, 5, twice, false),
                   2 * cnn_block_saved_bytes(m, 5, ctx, false));
}

TEST(VisionInput, BadVisionFieldsNameTheFieldAndTheFix) {
  const auto parse = [](const char* text) {
    return [text] { parse_model_spec(Json::parse(text), "model"); };
  };
  EXPECT_NE(
      input_error(parse(R"({"vision": {"image_size": 224, "classes": 10, "cnn": "alexnet"}})"),
                  "model.vision.cnn")
          .find("allowed: resnet"),
      std::string::npos);
  input_error(parse(R"({"vision": {"image_size": 224, "classes": 10, "cnn": "resnet",
                                   "blocks_per_stage": [3, 4, 6]}})"),
              "model.vision.blocks_per_stage");
  input_error(parse(R"({"vision": {"image_size": 200, "classes": 10, "cnn": "vgg",
                                   "convs_per_stage": [2, 2, 3, 3, 3]}})"),
              "model.vision.image_size");
  input_error(parse(R"({"vision": {"image_size": 224, "classes": 10, "cnn": "resnet",
                                   "blocks_per_stage": [3, 4, 6, 3]}, "layers": 50})"),
              "model.layers");
  input_error(parse(R"({"layers": 2, "hidden": 64, "heads": 4,
                        "vision": {"image_size": 224, "classes": 10, "patch_size": 15}})"),
              "model.vision.patch_size");
  input_error(parse(R"({"layers": 2, "hidden": 64, "heads": 4, "vocab": 100,
                        "vision": {"image_size": 224, "classes": 10, "patch_size": 16}})"),
              "model.vocab");
  input_error(parse(R"({"vision": {"image_size": 224, "classes": 10, "patch_size": 16,
                                   "cnn": "resnet"}})"),
              "model.vision");
  input_error(parse(R"({"vision": {"image_size": 28, "classes": 10, "mlp": [512],
                                   "cnn": "vgg"}})"),
              "model.vision");
  input_error(parse(R"({"vision": {"image_size": 28, "classes": 10, "mlp": []}})"),
              "model.vision.mlp");
  input_error(parse(R"({"vision": {"image_size": 28, "classes": 10, "mlp": [512, 0]}})"),
              "model.vision.mlp");
  input_error(parse(R"({"vision": {"image_size": 28, "classes": 10, "mlp": [512],
                                   "blocks_per_stage": [1, 1, 1, 1]}})"),
              "model.vision.blocks_per_stage");
}

}  // namespace
}  // namespace trainsim
