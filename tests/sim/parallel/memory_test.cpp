// Memory per GPU follows Korthikanti et al. (activations) and the ZeRO paper (model states).
#include "sim/parallel/memory.hpp"

#include <gtest/gtest.h>

#include "scenario_fixture.hpp"
#include "sim/core/errors.hpp"
#include "sim/parallel/predict.hpp"

namespace trainsim {
namespace {

ModelSpec gpt(std::int64_t h, std::int64_t heads) {
  ModelSpec m;
  m.layers = 24;
  m.hidden = h;
  m.heads = heads;
  m.kv_heads = heads;
  m.ffn_hidden = 4 * h;
  m.vocab = 50257;
  return m;
}

class Korthikanti : public ::testing::Test {
 protected:
  const ModelSpec model = gpt(4096, 32);
  const double s = 2048, b = 4, h = 4096, a = 32;
  ShardContext ctx(int tp, bool sp) const {
    ShardContext c;
    c.micro_batch = 4;
    c.seq_len = 2048;
    c.tp = tp;
    c.sequence_parallel = sp;
    return c;
  }
  double sbh() const { return s * b * h; }
};

TEST_F(Korthikanti, NoParallelism) {
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, ctx(1, false), RecomputeKind::none, true),
                   sbh() * (34 + 5 * a * s / h));
}

TEST_F(Korthikanti, TensorParallel) {
  const double t = 8;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, ctx(8, false), RecomputeKind::none, true),
                   sbh() * (10 + 24 / t + 5 * a * s / (h * t)));
}

TEST_F(Korthikanti, TensorAndSequenceParallel) {
  const double t = 8;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, ctx(8, true), RecomputeKind::none, true),
                   sbh() * (34 / t + 5 * a * s / (h * t)));
}

TEST_F(Korthikanti, SelectiveRecomputeDropsTheAttentionScores) {
  const double t = 8;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, ctx(8, false), RecomputeKind::selective, true),
                   sbh() * (10 + 24 / t));
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, ctx(8, true), RecomputeKind::selective, true),
                   sbh() * 34 / t);
}

TEST_F(Korthikanti, UnderFp8TheLinearLayersKeepTheirInputsInOneByte) {
  // Transformer Engine keeps the FP8 copy of each linear layer's input for the weight gradient:
  // the QKV and FC1 inputs (2 of Korthikanti's replicated 10) and FC2's input (4h wide) drop to
  // one byte per element; the attention output, kept in 16 bits by flash attention for its own
  // backward, gains a one-byte copy. 34 -> 8 + (6 + 3 + 4 x 3) = 29 bytes per s·b·h.
  ShardContext fp8 = ctx(1, false);
  fp8.gemm_precision = Precision::fp8;
  const double scores = 4 * a * s * b;  // flash attention's softmax statistics
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, fp8, RecomputeKind::none, false),
                   sbh() * 29 + scores);
  const double t = 8;
  ShardContext fp8_tp = ctx(8, false);
  fp8_tp.gemm_precision = Precision::fp8;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, fp8_tp, RecomputeKind::none, false),
                   sbh() * (8 + 21 / t) + scores / t);
  // Eager PyTorch does not run Transformer Engine: its inputs stay 16-bit.
  ShardContext eager = fp8;
  eager.framework = Framework::pytorch;
  ShardContext eager_bf16 = ctx(1, false);
  eager_bf16.framework = Framework::pytorch;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, eager, RecomputeKind::none, false),
                   layer_activation_bytes(model, eager_bf16, RecomputeKind::none, false));
}

TEST_F(Korthikanti, FullRecomputeKeepsOnlyTheLayerInput) {
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, ctx(8, false), RecomputeKind::full), 2 * sbh());
}

TEST_F(Korthikanti, FlashAttentionKeepsSoftmaxStatisticsInsteadOfScores) {
  EXPECT_DOUBLE_EQ(layer_activation_bytes(model, ctx(1, false), RecomputeKind::none, false),
                   sbh() * 34 + 4 * a * s * b);
}

TEST(InFlightMicroBatches, FollowEachSchedule) {
  EXPECT_DOUBLE_EQ(in_flight_micro_batches(ScheduleKind::gpipe, 8, 0, 64, 1), 64);
  EXPECT_DOUBLE_EQ(in_flight_micro_batches(ScheduleKind::one_f_one_b, 8, 0, 64, 1), 8);
  EXPECT_DOUBLE_EQ(in_flight_micro_batches(ScheduleKind::one_f_one_b, 8, 5, 64, 1), 3);
  EXPECT_DOUBLE_EQ(in_flight_micro_batches(ScheduleKind::one_f_one_b, 8, 0, 4, 1), 4);
  // Megatron's interleaving penalty: p·(1 + (p−1)/(p·v)) = p + (p−1)/v.
  EXPECT_DOUBLE_EQ(in_flight_micro_batches(ScheduleKind::interleaved, 8, 0, 64, 4), 8 + 7.0 / 4);
}

TEST(ModelStates, MegatronMixedPrecisionIs18BytesPerParameter) {
  const ModelStateBytes b =
      model_state_bytes_per_param(Framework::megatron, Precision::bf16, /*grads_in_fp32=*/true, 1);
  EXPECT_DOUBLE_EQ(b.weights + b.grads + b.optimizer, 18.0);
  // 16-bit main gradients (Megatron-LM fp16 without fp32 gradient accumulation): 16 bytes.
  const ModelStateBytes h =
      model_state_bytes_per_param(Framework::megatron, Precision::fp16, /*grads_in_fp32=*/false, 1);
  EXPECT_DOUBLE_EQ(h.grads, 2.0);
  EXPECT_DOUBLE_EQ(h.weights + h.grads + h.optimizer, 16.0);
}

// What a process holds beyond its tensors (memory.cpp cites each source).
TEST(RuntimeMemory, NcclBuffersFollowTheCommunicatorsARankUses) {
  Json json = testing::small_gpt_scenario();
  json["cluster"] = {
      {"gpu", "h100-sxm5-80gb"}, {"node", "dgx-h100"}, {"network", "ib-ndr400-rail-fattree"}};
  json["parallel"] = {{"tp", 1}, {"pp", 1}};
  json["cluster"].erase("nodes");
  json["cluster"]["gpus"] = 1;
  EXPECT_EQ(nccl_buffer_bytes_per_rank(testing::scenario_from(json)), 0.0);  // one GPU: none

  json["cluster"].erase("gpus");
  json["cluster"]["nodes"] = 1;
  json["parallel"] = {{"tp", 8}, {"pp", 1}};  // TP inside one DGX H100: ring + NVLS
  const double tp8 = nccl_buffer_bytes_per_rank(testing::scenario_from(json));
  // NVLS alone: 16 channels x 2 x 1 MiB for each of the 8 heads.
  EXPECT_GE(tp8, 16 * 2 * (1 << 20) * 8.0);
  EXPECT_LT(tp8, 1.0 * (1 << 30));

  json["cluster"]["nodes"] = 2;  // and a DP group across nodes: ring and tree
  const double tp8_dp2 = nccl_buffer_bytes_per_rank(testing::scenario_from(json));
  EXPECT_GT(tp8_dp2, tp8);
  json["parallel"] = {{"tp", 8}, {"pp", 2}};  // pipeline neighbours instead: p2p buffers
  const double tp8_pp2 = nccl_buffer_bytes_per_rank(testing::scenario_from(json));
  EXPECT_DOUBLE_EQ(tp8_pp2 - tp8, 2 * 2 * 4.0 * (1 << 20));  // 2 peers x 2 channels x 4 MiB

  const MemoryEstimate m = estimate_stage_memory(testing::scenario_from(json), 0);
  EXPECT_DOUBLE_EQ(m.nccl_buffers_bytes, tp8_pp2);
  EXPECT_DOUBLE_EQ(m.runtime_reserved_bytes, m.cuda_context_bytes + m.nccl_buffers_bytes);
  EXPECT_NEAR(m.cuda_context_bytes, 287e6 + 96.0 * (1 << 20), 1.0);
}

TEST(RuntimeMemory, TheAllocatorFragmentsWhereRecomputationMakesAllocationsIrregular) {
  Json json = testing::small_gpt_scenario();
  const auto fragmentation = [&](const char* recompute, bool flash) {
    json["training"]["recompute"] = recompute;
    json["training"]["flash_attention"] = flash;
    const MemoryEstimate m = estimate_stage_memory(testing::scenario_from(json), 0);
    return m.fragmentation_bytes / m.activations_bytes;
  };
  // 15% of reserved memory (GMLake's average) is 0.15 / 0.85 of what is allocated.
  EXPECT_NEAR(fragmentation("full", true), 0.15 / 0.85, 1e-12);
  EXPECT_NEAR(fragmentation("selective", false), 0.15 / 0.85, 1e-12);
  // Same shapes layer after layer: the cached blocks serve them.
  EXPECT_EQ(fragmentation("none", true), 0.0);
  // Selective recomputation with flash attention recomputes nothing that allocates.
  EXPECT_EQ(fragmentation("selective", true), 0.0);
}

class ZeroStages : public ::testing::TestWithParam<int> {};

TEST_P(ZeroStages, ShardModelStatesOverDataParallelRanks) {
  Json json = testing::small_gpt_scenario();
  json["parallel"] = {{"tp", 1}, {"pp", 1}, {"zero", GetParam()}};
  json["cluster"]["nodes"] = 1;  // 8 GPUs: dp = 8
  const Scenario s = testing::scenario_from(json);
  ASSERT_EQ(s.parallel.dp, 8);
  const double n = s.model.total_params();
  const int zero = GetParam();
  const MemoryEstimate m = estimate_stage_memory(s, 0);
  const double d = 8;
  EXPECT_NEAR(m.optimizer_bytes, n * 12 / (zero >= 1 ? d : 1), 1.0);
  EXPECT_NEAR(m.grads_bytes, n * 4 / (zero >= 2 ? d : 1), 1.0);
  const double gathered = zero >= 3 ? 2.0 * s.model.layer_params() * 2 : 0.0;
  EXPECT_NEAR(m.params_bytes, n * 2 / (zero >= 3 ? d : 1) + gathered, 1.0);
  EXPECT_NEAR(m.peak_bytes,
              m.params_bytes + m.grads_bytes + m.optimizer_bytes + m.activations_bytes +
                  m.runtime_reserved_bytes + m.fragmentation_bytes,
              1.0);
  // ZeRO-3 gathers and releases parameters layer by layer: the allocator fragments.
  EXPECT_EQ(m.fragmentation_bytes > 0, zero >= 3);
}

INSTANTIATE_TEST_SUITE_P(AllStages, ZeroStages, ::testing::Values(0, 1, 2, 3));

TEST(Zero3Gathers, PerTensorFetchesHoldTwoTensorsNotTwoLayers) {
  // DeepSpeed's per-submodule fetch keeps the tensor in use and the next one; FSDP's per-layer
  // units keep the current and the prefetched layer.
  Json json = testing::small_gpt_scenario();
  json["parallel"] = {{"tp", 1}, {"pp", 1}, {"zero", 3}};
  json["cluster"]["nodes"] = 1;
  const Scenario layers = testing::scenario_from(json);
  json["parallel"]["zero3_gather"] = "per_tensor";
  const Scenario tensors = testing::scenario_from(json);
  const double shard = layers.model.total_params() * 2 / 8;
  const double fc1 = 1024.0 * 4096;  // the largest tensor of the layer, h x 4h
  EXPECT_NEAR(estimate_stage_memory(layers, 0).params_bytes,
              shard + 2 * layers.model.layer_params() * 2, 1.0);
  EXPECT_NEAR(estimate_stage_memory(tensors, 0).params_bytes, shard + 2 * fc1 * 2, 1.0);
}

TEST(HybridShard, ShardsStatesOverTheShardGroupOnly) {
  // 4 nodes, dp = 32, states sharded within each node (FSDP HYBRID_SHARD): / 8, not / 32.
  Json json = testing::small_gpt_scenario();
  json["cluster"]["nodes"] = 4;
  json["parallel"] = {{"tp", 1}, {"pp", 1}, {"zero", 3}, {"zero_shard_size", 8}};
  const Scenario s = testing::scenario_from(json);
  ASSERT_EQ(s.parallel.dp, 32);
  const double n = s.model.total_params();
  const MemoryEstimate m = estimate_stage_memory(s, 0);
  EXPECT_NEAR(m.optimizer_bytes, n * 12 / 8, 1.0);
  EXPECT_NEAR(m.grads_bytes, n * 4 / 8, 1.0);
  EXPECT_NEAR(m.params_bytes, n * 2 / 8 + 2.0 * s.model.layer_params() * 2, 1.0);
}

TEST(HybridShard, ShardSizeMustDivideTheDataParallelGroup) {
  Json json = testing::small_gpt_scenario();
  json["cluster"]["nodes"] = 4;
  json["parallel"] = {{"tp", 1}, {"pp", 1}, {"zero", 3}, {"zero_shard_size", 5}};
  const std::string message = testing::refusal(json);  // a shard group of 5 out of 32
  EXPECT_NE(message.find("parallel.zero_shard_size"), std::string::npos) << message;
}

TEST(StageMemory, HandComputedPipelineCase) {
  // 8 layers over pp = 4 stages, tp = 2, 1F1B with 16 micro-batches (64 / (2 x 2)).
  const Scenario s = testing::scenario_from(testing::small_gpt_scenario());
  ASSERT_EQ(s.parallel.dp, 2);
  ASSERT_EQ(s.micro_batches(), 16);
  const MemoryEstimate first = estimate_stage_memory(s, 0);
  const ShardContext ctx = s.shard_context();
  const double per_layer = layer_activation_bytes(s.model, ctx, RecomputeKind::none);
  EXPECT_DOUBLE_EQ(first.activations_bytes, per_layer * 2 /*layers*/ * 4 /*in flight*/);
  const double params = (2 * s.model.layer_params() + s.model.embedding_params()) / 2;
  EXPECT_NEAR(first.params_bytes, params * 2, 1.0);
  const MemoryEstimate last = estimate_stage_memory(s, 3);
  const double logits = 2.0 * 1024 * 32000 / 2;  // tokens x vocab / tp
  EXPECT_DOUBLE_EQ(last.activations_bytes, per_layer * 2 * 1 + logits * (2 + 4));
}

TEST(StageMemory, ExpertTensorParallelSplitsTheExpertWeightsNotTheirActivations) {
  // Mixtral 8x7B on 32 H100, tp 2 with sequence parallelism, ep 4. etp 1 keeps each expert
  // whole on its EP rank: twice the expert weights of etp = tp = 2. Its activations do not
  // change: each rank's experts see its own sequence shard's tokens at full width instead of
  // both TP ranks' tokens at half width. Without sequence parallelism both TP ranks route every
  // token, so the whole experts hold twice the routed FC1 and activation outputs.
  Json json = parse_json_text(R"({
    "model": "mixtral-8x7b",
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "nodes": 4,
                "network": "ib-ndr400-rail-fattree"},
    "parallel": {"tp": 2, "pp": 1, "ep": 4, "sequence_parallel": true},
    "training": {"global_batch": 64, "micro_batch": 1, "seq_len": 4096}
  })",
                              "fixture");
  const Scenario split = testing::scenario_from(json);
  json["parallel"]["etp"] = 1;
  const Scenario whole = testing::scenario_from(json);
  const double experts = split.model.routed_expert_params();
  EXPECT_NEAR(layer_params_per_rank(whole) - layer_params_per_rank(split),
              experts / 4 - experts / (2 * 4), 1.0);
  const ModelSpec& m = split.model;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, whole.shard_context(), RecomputeKind::none),
                   layer_activation_bytes(m, split.shard_context(), RecomputeKind::none));

  ShardContext no_sp = split.shard_context();
  no_sp.sequence_parallel = false;
  ShardContext no_sp_whole = no_sp;
  no_sp_whole.etp = 1;
  const double tokens = 4096, e = 2, gate_and_output = 3;  // SwiGLU FC1 (2 ffn) + activation
  const double routed = e * tokens * m.moe->expert_ffn_hidden * m.moe->top_k * gate_and_output;
  EXPECT_NEAR(layer_activation_bytes(m, no_sp_whole, RecomputeKind::none) -
                  layer_activation_bytes(m, no_sp, RecomputeKind::none),
              routed / 1 - routed / 2, 1.0);
}

TEST(StageMemory, TheDistributedOptimizerShardsExpertsOverTheirOwnDataParallelRanks) {
  // Mixtral 8x7B, the Megatron-Core reference mapping: 64 H100, pp 4 (8 layers per stage), ep 8,
  // dp 16, distributed optimizer. Each expert slice lives on 16 / 8 = 2 GPUs of the stage, so its
  // 12 B/param of Adam state is split two ways; the dense parameters sixteen ways.
  const Scenario s = testing::scenario_from(parse_json_text(R"({
    "model": "mixtral-8x7b",
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "nodes": 8,
                "network": "ib-ndr400-rail-fattree"},
    "parallel": {"tp": 1, "pp": 4, "ep": 8, "zero": 1},
    "training": {"global_batch": 256, "micro_batch": 1, "seq_len": 4096}
  })",
                                                            "fixture"));
  ASSERT_EQ(s.parallel.dp, 16);
  EXPECT_DOUBLE_EQ(s.parallel.expert_shard_group(), 2.0);
  const int stage = 1;  // no embedding, no head: 8 layers
  const double experts = 8 * s.model.routed_expert_params() / 8;
  const double dense = 8 * (s.model.layer_params() - s.model.routed_expert_params());
  EXPECT_NEAR(stage_expert_params_per_rank(s, stage), experts, 1.0);
  const MemoryEstimate m = estimate_stage_memory(s, stage);
  EXPECT_NEAR(m.optimizer_bytes, 12.0 * (dense / 16 + experts / 2), 16.0);
  EXPECT_NEAR(m.grads_bytes, 4.0 * (dense + experts), 16.0);  // ZeRO-1 keeps full gradients
}

TEST(LayerSplit, ExplicitCountsPlaceThatManyLayersOnEachChunk) {
  // 8 layers over pp = 4 as 1 / 3 / 3 / 1 (the embedding and loss stages lighter), then
  // interleaved with 2 chunks per stage, counted in the order the layers run.
  Json json = testing::small_gpt_scenario();
  json["parallel"]["layer_split"] = {1, 3, 3, 1};
  const Scenario s = testing::scenario_from(json);
  EXPECT_EQ(s.layers_on_stage(0), 1);
  EXPECT_EQ(s.layers_on_stage(1), 3);
  const MemoryEstimate light = estimate_stage_memory(s, 0);
  const MemoryEstimate heavy = estimate_stage_memory(s, 1);
  const double per_layer = layer_activation_bytes(s.model, s.shard_context(), RecomputeKind::none);
  EXPECT_DOUBLE_EQ(heavy.activations_bytes, per_layer * 3 /*layers*/ * 3 /*in flight*/);
  EXPECT_DOUBLE_EQ(light.activations_bytes, per_layer * 1 * 4);
  // The LM head (32000 x 1024) weighs about 2.6 layers: 2 + head on the last stage of the even
  // split is the pipeline's slowest stage, 1 + head here is not much slower than the 3 in the
  // middle.
  EXPECT_LT(predict_step(s).step_time_s,
            predict_step(testing::scenario_from(testing::small_gpt_scenario())).step_time_s);

  json["parallel"]["schedule"] = "interleaved";
  json["parallel"]["vpp"] = 2;
  json["parallel"]["layer_split"] = {1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(testing::scenario_from(json).layers_on_stage(2), 2);

  for (const Json& bad :
       {Json{1, 3, 3}, Json{1, 3, 3, 2}, Json{0, 4, 3, 1}, Json{1.5, 3, 2.5, 1}}) {
    json["parallel"]["schedule"] = "1f1b";
    json["parallel"].erase("vpp");
    json["parallel"]["layer_split"] = bad;
    const std::string message = testing::refusal(json);
    EXPECT_NE(message.find("parallel.layer_split"), std::string::npos)
        << bad.dump() << ": " << message;
  }
}

TEST(StageMemory, PeakPicksTheFullestStage) {
  const Scenario s = testing::scenario_from(testing::small_gpt_scenario());
  const MemoryEstimate peak = estimate_peak_memory(s);
  for (int stage = 0; stage < 4; ++stage)
    EXPECT_GE(peak.peak_bytes, estimate_stage_memory(s, stage).peak_bytes);
}

}  // namespace
}  // namespace trainsim
