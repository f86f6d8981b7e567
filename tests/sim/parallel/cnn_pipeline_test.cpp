// A CNN split over pipeline stages (the PyTorch tutorial's ResNet-50 on two GPUs): each stage
// holds its own run of blocks, keeps only those blocks' weights and saved tensors, and sends the
// feature map of its last block, whose size differs from boundary to boundary.
#include <gtest/gtest.h>

#include "scenario_fixture.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/step_builder.hpp"

namespace trainsim {
namespace {

// ResNet-50 on two A100s: the stem, layer1 and layer2 (blocks 0-7) on the first stage, layer3
// and layer4 (blocks 8-16) and the classifier on the second; fp16, micro-batches of 32 images.
Json resnet50_over_two_stages() {
  return parse_json_text(R"({
    "model": "resnet50",
    "cluster": {"gpu": "a100-sxm4-80gb", "node": "dgx-a100", "gpus": 2,
                "network": "ib-hdr200-rail-fattree"},
    "parallel": {"pp": 2, "layer_split": [8, 9], "schedule": "gpipe"},
    "training": {"global_batch": 128, "micro_batch": 32, "precision": "fp16",
                 "framework": "pytorch"}
  })",
                         "resnet50 over two stages");
}

TEST(CnnPipeline, TheStagesHoldDisjointBlocksWhoseWeightsSumToTheModel) {
  const Scenario s = testing::scenario_from(resnet50_over_two_stages());
  const double first = stage_params_per_rank(s, 0);
  const double second = stage_params_per_rank(s, 1);
  EXPECT_DOUBLE_EQ(first + second, static_cast<double>(s.model.total_params()));
  // layer3 and layer4 hold most of ResNet-50's weights (about 22 M of its 25.6 M).
  EXPECT_GT(second, 5 * first);
}

TEST(CnnPipeline, EachSendCarriesTheFeatureMapOfTheLastBlockBeforeTheBoundary) {
  const Scenario s = testing::scenario_from(resnet50_over_two_stages());
  const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
  const CollectiveCost collectives(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
  const StepWorkload w = build_step(s, compute, collectives);
  // layer2's output: 512 channels at 28 x 28, 2 bytes each, for 32 images.
  const double feature_map_bytes = 32.0 * 512 * 28 * 28 * 2;
  int sends = 0;
  for (const CommTag& t : w.comm_tags) {
    if (t.scope != CommScope::pp) continue;
    EXPECT_DOUBLE_EQ(t.bytes, feature_map_bytes);
    ++sends;
  }
  EXPECT_EQ(sends, 2 * 4);  // 4 micro-batches forward from stage 0, their gradients back
}

TEST(CnnPipeline, EachStageSavesOnlyItsOwnBlocksActivations) {
  Json one_gpu = resnet50_over_two_stages();
  one_gpu["cluster"]["gpus"] = 1;
  one_gpu["parallel"] = {{"pp", 1}};
  one_gpu["training"]["global_batch"] = 32;
  const Scenario whole = testing::scenario_from(one_gpu);
  Json gpipe_one_micro_batch = resnet50_over_two_stages();
  gpipe_one_micro_batch["training"]["global_batch"] = 32;
  const Scenario split = testing::scenario_from(gpipe_one_micro_batch);
  const double whole_bytes = estimate_stage_memory(whole, 0).activations_bytes;
  const double first = estimate_stage_memory(split, 0).activations_bytes;
  const double second = estimate_stage_memory(split, 1).activations_bytes;
  EXPECT_LT(first, whole_bytes);
  EXPECT_LT(second, whole_bytes);
  // The early blocks work at high resolution: they save most of the tensors.
  EXPECT_GT(first, second);
}

}  // namespace
}  // namespace trainsim
