// Bytes each data-parallel variant moves per step and GPU, against the ZeRO paper's accounting
// (Rajbhandari et al. 2020, §7): DDP all-reduces fp32 gradients; ZeRO-1/2 reduce-scatter them and
// all-gather the updated 16-bit weights; ZeRO-3 gathers the weights for every forward and
// backward and reduce-scatters 16-bit gradients; pipeline sends move one activation slice.
#include <string>

#include <gtest/gtest.h>

#include "scenario_fixture.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/step_builder.hpp"

namespace trainsim {
namespace {

testing::StepTraffic step_volume(const Json& json) {
  return testing::stage0_traffic(testing::scenario_from(json));
}

Json data_parallel(int zero) {
  Json json = testing::small_gpt_scenario();
  json["parallel"] = {{"tp", 2}, {"pp", 1}, {"zero", zero}};  // 16 GPUs: dp 8
  json["training"]["global_batch"] = 32;                      // 2 micro-batches of 2
  return json;
}

double params_of(const Json& json) {
  return stage_params_per_rank(testing::scenario_from(json), 0);
}

TEST(CommVolume, DdpAllReducesFp32GradientsOnce) {
  const Json json = data_parallel(0);
  const testing::StepTraffic v = step_volume(json);
  EXPECT_NEAR(v.all_reduce, 4 * params_of(json), 1e-9 * v.all_reduce);
  EXPECT_EQ(v.reduce_scatter + v.all_gather, 0);
}

TEST(CommVolume, SixteenBitMainGradientsHalveTheGradientTraffic) {
  // Megatron-LM's fp16 default before Megatron-Core (no --accumulate-allreduce-grads-in-fp32).
  for (int zero : {0, 1}) {
    Json json = data_parallel(zero);
    json["training"]["precision"] = "fp16";
    json["parallel"]["grad_reduce_in_fp32"] = false;
    const testing::StepTraffic v = step_volume(json);
    const double n = params_of(json);
    EXPECT_NEAR(zero == 0 ? v.all_reduce : v.reduce_scatter, 2 * n, 1e-9 * n) << "zero " << zero;
  }
}

TEST(CommVolume, DistributedOptimizerReduceScattersGradientsAndGathersWeights) {
  for (int zero : {1, 2}) {
    const Json json = data_parallel(zero);
    const testing::StepTraffic v = step_volume(json);
    const double n = params_of(json);
    EXPECT_NEAR(v.reduce_scatter, 4 * n, 1e-9 * n) << "zero " << zero;
    EXPECT_NEAR(v.all_gather, 2 * n, 1e-9 * n) << "zero " << zero;
    EXPECT_EQ(v.all_reduce, 0) << "zero " << zero;
  }
}

TEST(CommVolume, Zero3GathersWeightsForEveryPassAndScattersGradientsPerMicroBatch) {
  const Json json = data_parallel(3);
  const testing::StepTraffic v = step_volume(json);
  const double n = params_of(json);
  const double micro_batches = 2;
  EXPECT_NEAR(v.all_gather, 2 * 2 * n * micro_batches, 1e-9 * n);  // forward and backward
  EXPECT_NEAR(v.reduce_scatter, 2 * n * micro_batches, 1e-9 * n);
}

TEST(CommVolume, DeepSpeed2021Zero3RegathersForRecomputeAndAllReducesGradients) {
  // zero3_prefetch off: parameters released after the forward are gathered again for the
  // recompute forward (3 gathers per micro-batch under full recomputation, 2 without);
  // zero3_grad_reduce all_reduce: each gradient bucket is all-reduced instead of scattered.
  for (const char* recompute : {"full", "none"}) {
    Json json = data_parallel(3);
    json["parallel"]["zero3_prefetch"] = false;
    json["parallel"]["zero3_grad_reduce"] = "all_reduce";
    json["training"]["recompute"] = recompute;
    const testing::StepTraffic v = step_volume(json);
    const double n = params_of(json);
    const double micro_batches = 2;
    const double gathers = std::string(recompute) == "full" ? 3 : 2;
    EXPECT_NEAR(v.all_gather, gathers * 2 * n * micro_batches, 1e-9 * n) << recompute;
    EXPECT_NEAR(v.all_reduce, 2 * n * micro_batches, 1e-9 * n) << recompute;
    EXPECT_EQ(v.reduce_scatter, 0) << recompute;
  }
}

TEST(CommVolume, PerTensorGathersMoveTheSameBytesAndPayACopyPerRankPerTensor) {
  // DeepSpeed 0.3-0.5 gathered each parameter tensor into a list of per-rank views: the bytes are
  // those of bucketed gathers, the time adds each tensor's latency-bound collective and one
  // eagerly dispatched copy per rank and tensor.
  Json json = data_parallel(3);
  json["parallel"]["zero3_prefetch"] = false;
  Json per_tensor = json;
  per_tensor["parallel"]["zero3_gather"] = "per_tensor";
  const testing::StepTraffic a = step_volume(json), b = step_volume(per_tensor);
  EXPECT_NEAR(b.all_gather, a.all_gather, 1e-9 * a.all_gather);

  const Scenario s = testing::scenario_from(per_tensor);
  const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
  const CollectiveCost collectives(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
  const StepWorkload w = build_step(s, compute, collectives);
  double gather_s = 0;
  for (const CommTag& t : w.comm_tags)
    if (t.kind == CollectiveKind::all_gather) gather_s += w.graph.task(t.task).duration_s;
  // Hand count: per pass, 12 tensors per layer (8 layers, TP 2) plus the embedding on the first
  // chunk and the head on the last (one tensor each); 2 passes per micro-batch, 2 micro-batches.
  const CommGroup dp = parallel_groups(s).dp;  // 8 ranks, 4 on each of the 2 nodes
  ASSERT_EQ(dp.ranks, 8);
  const double bytes = 2;  // bf16 weights
  double one_pass_s = 0;
  for (const auto& t : s.model.layer_param_tensors())
    one_pass_s +=
        8 * (collectives.estimate_s(CollectiveKind::all_gather, dp, t.elements / 2 * bytes) +
             8 * std::max(s.cluster.profile.kernel_launch_overhead_s, kEagerOpDispatchS));
  for (const double elements : {s.model.embedding_params() / 2, head_params_per_rank(s)})
    one_pass_s += collectives.estimate_s(CollectiveKind::all_gather, dp, elements * bytes) +
                  8 * std::max(s.cluster.profile.kernel_launch_overhead_s, kEagerOpDispatchS);
  EXPECT_NEAR(gather_s, 2 * 2 * one_pass_s, 1e-9 * gather_s);
}

TEST(CommVolume, PipelineSendsMoveOneActivationSlicePerPassBoundary) {
  // pp 4, tp 2, 16 micro-batches: stage 0 sends each micro-batch's activations forward once;
  // Megatron's scatter-gather sends 1/tp of b·s·h 16-bit values per GPU.
  const Json json = testing::small_gpt_scenario();
  const testing::StepTraffic v = step_volume(json);
  const double slice = 2.0 * 1024 * 1024 * 2 / 2;  // b·s·h·2 B / tp
  EXPECT_NEAR(v.sends, 16 * slice, 1e-9 * v.sends);
}

TEST(CommVolume, AStepBuiltWithoutTagsHasTheSameTasksAndNoTags) {
  // What predict_step builds when it keeps no workload: the graph is the same, the tags (read
  // only by the all-GPU engine and explain) are skipped.
  Json json = data_parallel(1);
  json["parallel"]["pp"] = 2;
  json["parallel"]["dp"] = 4;
  const Scenario s = testing::scenario_from(json);
  const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
  const CollectiveCost collectives(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
  StepBuildOptions untagged;
  untagged.comm_tags = false;
  const StepWorkload with_tags = build_step(s, compute, collectives);
  const StepWorkload without = build_step(s, compute, collectives, untagged);
  EXPECT_GT(with_tags.comm_tags.size(), 0u);
  EXPECT_TRUE(without.comm_tags.empty());
  ASSERT_EQ(without.graph.task_count(), with_tags.graph.task_count());
  for (TaskId id = 0; id < without.graph.task_count(); ++id) {
    EXPECT_EQ(without.graph.task(id).stream, with_tags.graph.task(id).stream);
    EXPECT_EQ(without.graph.task(id).duration_s, with_tags.graph.task(id).duration_s);
  }
}

}  // namespace
}  // namespace trainsim
