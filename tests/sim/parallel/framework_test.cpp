// What each training.framework changes, against what its source does (models/frameworks/*.json
// cites the lines): the per-step communication of a data-parallel step, the model states per
// parameter and the defaults a scenario inherits. The fixture's 16 GPUs run tp 2 x dp 8.
#include <string>

#include <gtest/gtest.h>

#include "scenario_fixture.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/parallel_groups.hpp"
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/scenario_checks.hpp"
#include "sim/parallel/scenario_defaults.hpp"
#include "sim/parallel/step_builder.hpp"

namespace trainsim {
namespace {

testing::StepTraffic stage0_dp_traffic(const Json& json) {
  return testing::stage0_traffic(testing::scenario_from(json), CommScope::dp);
}

Json on_framework(const char* framework, int zero) {
  return testing::data_parallel_on(framework, zero);
}

double rank_params(const Json& json) {
  return stage_params_per_rank(testing::scenario_from(json), 0);
}

TEST(Frameworks, EveryNameReadsBackAndUnknownOnesAreRefusedWithTheChoices) {
  for (Framework f : kFrameworks) EXPECT_EQ(parse_framework(name_of(f)), f);
  Json json = on_framework("jaxx", 0);
  EXPECT_EQ(testing::refusal(json),
            "training.framework: unknown value 'jaxx'; allowed: megatron, pytorch, deepspeed, "
            "fsdp2, jax");
}

TEST(Frameworks, DeepSpeedReducesSixteenBitGradientsAfterTheBackwardInHalfBillionBuckets) {
  // engine.py: communication_data_type = the model's bf16; zero/config.py: overlap_comm off
  // below stage 3, reduce_bucket_size 5e8.
  for (int zero : {0, 1}) {
    const Json json = on_framework("deepspeed", zero);
    const Scenario s = testing::scenario_from(json);
    EXPECT_EQ(s.parallel.overlap_grad_reduce, false);
    EXPECT_EQ(s.parallel.grad_reduce_in_fp32, false);
    EXPECT_EQ(s.parallel.bucket_params, 5e8);
    const testing::StepTraffic v = stage0_dp_traffic(json);
    const double n = rank_params(json);
    EXPECT_NEAR(zero == 0 ? v.all_reduce : v.reduce_scatter, 2 * n, 1e-9 * n) << zero;
  }
  // Megatron on the same step: fp32 main gradients, twice the bytes.
  const Json megatron = on_framework("megatron", 0);
  EXPECT_NEAR(stage0_dp_traffic(megatron).all_reduce, 4 * rank_params(megatron),
              1e-9 * rank_params(megatron));
}

TEST(Frameworks, DeepSpeedZero3GathersInPrefetchBucketsAndReducesInReduceBuckets) {
  const Scenario s = testing::scenario_from(on_framework("deepspeed", 3));
  EXPECT_EQ(s.parallel.zero3_bucket_params, 5e7);         // stage3_prefetch_bucket_size
  EXPECT_EQ(s.parallel.zero3_reduce_bucket_params, 5e8);  // reduce_bucket_size
  EXPECT_EQ(s.parallel.reshard_after_forward, true);
  // A stated gather bucket also sizes the reduction, as the single setting always did.
  Json stated = on_framework("deepspeed", 3);
  stated["parallel"]["zero3_bucket_params"] = 1e6;
  EXPECT_EQ(testing::scenario_from(stated).parallel.zero3_reduce_bucket_params, 1e6);
}

TEST(Frameworks, DeepSpeedPipelineSendsBlockAndItsPipelineEngineRefusesZero2) {
  Json json = on_framework("deepspeed", 1);
  json["parallel"]["pp"] = 2;
  json["parallel"]["tp"] = 1;
  EXPECT_EQ(testing::scenario_from(json).parallel.p2p_overlap, Strategy::P2pOverlap::none);
  json["parallel"]["schedule"] = "gpipe";  // Megatron would overlap every GPipe send
  EXPECT_EQ(testing::scenario_from(json).parallel.p2p_overlap, Strategy::P2pOverlap::none);
  json["parallel"]["zero"] = 2;
  EXPECT_NE(testing::refusal(json).find("parallel.zero: training.framework = deepspeed runs ZeRO "
                                        "stage 1 at most beside pipeline parallelism"),
            std::string::npos)
      << testing::refusal(json);
}

TEST(Frameworks, Fsdp2GathersEachBlockInBf16AndReduceScattersInFp32) {
  // fully_shard per transformer block; MixedPrecisionPolicy(param_dtype=bf16,
  // reduce_dtype=fp32); reshard_after_forward: gathered again for the backward.
  const Json json = on_framework("fsdp2", 3);
  const Scenario s = testing::scenario_from(json);
  EXPECT_DOUBLE_EQ(s.parallel.zero3_bucket_params, layer_params_per_rank(s));
  EXPECT_DOUBLE_EQ(s.parallel.zero3_reduce_bucket_params, layer_params_per_rank(s));
  const testing::StepTraffic v = stage0_dp_traffic(json);
  const double n = rank_params(json), micro_batches = 2;
  EXPECT_NEAR(v.all_gather, 2 * 2 * n * micro_batches, 1e-9 * n);  // forward and backward
  EXPECT_NEAR(v.reduce_scatter, 4 * n * micro_batches, 1e-9 * n);
}

TEST(Frameworks, WithoutReshardingAfterForwardTheBackwardGathersNothing) {
  Json json = on_framework("fsdp2", 3);
  json["parallel"]["reshard_after_forward"] = false;
  const testing::StepTraffic v = stage0_dp_traffic(json);
  const double n = rank_params(json), micro_batches = 2;
  EXPECT_NEAR(v.all_gather, 2 * n * micro_batches, 1e-9 * n);
  // TorchTitan's default under pipeline parallelism (fsdp.py: "do not reshard after forward
  // to avoid per-microbatch all-gathers").
  Json pipelined = on_framework("fsdp2", 3);
  pipelined["parallel"]["pp"] = 2;
  pipelined["parallel"]["tp"] = 1;
  EXPECT_EQ(testing::scenario_from(pipelined).parallel.reshard_after_forward, false);
}

TEST(Frameworks, Fsdp2UnderPipelineParallelismGathersAndReducesOncePerStep) {
  // torch.distributed.pipelining runs every backward of an FSDP2 stage without resharding or
  // gradient sync and reduces after the last one; TorchTitan keeps the parameters gathered after
  // the forward under PP. So stage 0 gathers its parameters once and reduce-scatters once,
  // however many micro-batches (here 2 per pipeline: 32 / (2 x 8)).
  Json json = on_framework("fsdp2", 3);
  json["parallel"]["pp"] = 2;
  json["parallel"]["tp"] = 1;
  const testing::StepTraffic v = stage0_dp_traffic(json);
  const double n = rank_params(json);
  EXPECT_NEAR(v.all_gather, 2 * n, 1e-9 * n);
  EXPECT_NEAR(v.reduce_scatter, 4 * n, 1e-9 * n);
  // Memory: the stage's bf16 parameters and its unsharded bf16 gradients for the whole step.
  const Scenario s = testing::scenario_from(json);
  const MemoryEstimate m = estimate_stage_memory(s, 0);
  const double sharded = stage_sharded_params_per_rank(s, 0);
  EXPECT_NEAR(m.params_bytes, 4 * sharded + 2 * n, 1e-9 * n);
  EXPECT_NEAR(m.grads_bytes, 4 * sharded + 2 * n, 1e-9 * n);
  // DeepSpeed never meets this: its pipeline engine refuses ZeRO-3 (above).
}

TEST(Frameworks, TorchCompileFusesAnEagerFrameworksElementwiseKernels) {
  Json eager = on_framework("fsdp2", 3);
  Json compiled = eager;
  compiled["training"]["compile"] = true;
  const auto kernels = [](const Json& json) {
    const Scenario s = testing::scenario_from(json);
    int count = 0;
    for (const Op& op : build_transformer_layer_ops(s.model, s.shard_context()).forward)
      count += op.kernels;
    return count;
  };
  const Json megatron = on_framework("megatron", 3);
  EXPECT_GT(kernels(eager), kernels(compiled));
  EXPECT_EQ(kernels(compiled), kernels(megatron));
  // FSDP2 gathers bf16 weights: no autocast casts, compiled or not.
  const Scenario s = testing::scenario_from(eager);
  for (const Op& op : build_transformer_layer_ops(s.model, s.shard_context()).forward)
    EXPECT_EQ(op.name.find("_cast"), std::string::npos) << op.name;
  // Compiling a framework whose kernels are fused already does nothing, and says so.
  Json fused = megatron;
  fused["training"]["compile"] = true;
  bool warned = false;
  for (const Diagnostic& d : check_scenario(parse_scenario(fused, data_root())))
    warned |= d.path == "training.compile";
  EXPECT_TRUE(warned);
}

// TorchTitan's per-op selective checkpointing of a Llama block (wq, wk, wv, wo, w1, w3, w2):
// every second matmul (wk, wo, w3) and the elementwise ops are recomputed; the other matmul,
// attention and reduce-scatter outputs are saved.
Json llama_block_scenario(const char* recompute) {
  return testing::llama_block_on("fsdp2", recompute);
}

TEST(Frameworks, SelectiveOpRecomputesEverySecondMatmulAndTheElementwiseOps) {
  const Scenario s = testing::scenario_from(llama_block_scenario("selective_op"));
  const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
  const CollectiveCost collectives(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
  const PassCostTable op = build_pass_costs(s, compute, collectives, parallel_groups(s));
  const Scenario plain = testing::scenario_from(llama_block_scenario("none"));
  const PassCostTable none = build_pass_costs(plain, compute, collectives, parallel_groups(plain));
  // Hand count of the recomputed forward work, op by op.
  const PassOps ops = build_transformer_layer_ops(s.model, s.shard_context());
  double recomputed_s = 0, recomputed_flops = 0;
  for (const Op& o : ops.forward) {
    double share = 0;
    if (o.kind == OpKind::memory_bound) share = 1;
    if (o.name == "qkv") share = 256.0 / (1024 + 2 * 256);  // K of Q, K, V (4 of 16 heads)
    if (o.name == "attn_proj") share = 1;                   // wo
    if (o.name == "fc1") share = 0.5;                       // w3 of w1, w3
    recomputed_s += share * compute.estimate_s(o);
    recomputed_flops += share * o.flops;
  }
  const auto compute_s = [](const PieceCost& c) {
    return c.backward[index_of(TimeCategory::compute)];
  };
  EXPECT_NEAR(compute_s(op.layer), compute_s(none.layer) + recomputed_s, 1e-12);
  EXPECT_NEAR(op.layer.backward_flops, none.layer.backward_flops + recomputed_flops, 1e-3);
  // Both blocks' sequence-parallel all-gathers run again; the reduce-scatters were saved.
  for (const FoldedCollective& f : op.collectives) {
    if (f.piece != "layer") continue;
    if (f.kind == CollectiveKind::all_gather) {
      EXPECT_EQ(f.backward_calls, 4);
    } else if (f.kind == CollectiveKind::reduce_scatter) {
      EXPECT_EQ(f.backward_calls, 2);
    }
  }
}

TEST(Frameworks, SelectiveOpKeepsTheSavedOutputsOfALlamaBlock) {
  const Scenario s = testing::scenario_from(llama_block_scenario("selective_op"));
  const ShardContext ctx = s.shard_context();
  // tp 2 with SP; micro-batch 2 of 1024 tokens; bf16.
  const double e = 2, sb = 2 * 1024, h = 1024, kv = 256, ffn = 3584, t = 2, heads = 16;
  const double expected = e * sb * h / t                         // the block's input (SP shard)
                          + e * sb * (h + kv + ffn) / t          // wq, wv, w1 outputs
                          + e * sb * h                           // w2's output before its scatter
                          + e * sb * h / t + 4 * heads / t * sb  // attention output and LSE
                          + 2 * e * sb * h / t;                  // the two reduce-scatter outputs
  EXPECT_DOUBLE_EQ(layer_activation_bytes(s.model, ctx, RecomputeKind::selective_op), expected);
  EXPECT_LT(expected, layer_activation_bytes(s.model, ctx, RecomputeKind::none));
  EXPECT_GT(expected, layer_activation_bytes(s.model, ctx, RecomputeKind::full));
}

TEST(Frameworks, SelectiveOpIsRefusedWhereItIsNotModelled) {
  Json moe = llama_block_scenario("selective_op");
  moe["model"]["moe"] = {{"experts", 4}, {"top_k", 2}, {"expert_ffn_hidden", 1024}};
  moe["parallel"]["zero"] = 0;
  EXPECT_NE(testing::refusal(moe).find("training.recompute: selective_op"), std::string::npos)
      << testing::refusal(moe);
  Json unfused = llama_block_scenario("selective_op");
  unfused["training"]["flash_attention"] = false;
  EXPECT_NE(testing::refusal(unfused).find("flash attention"), std::string::npos);
}

TEST(Frameworks, AnEagerLossHoldsAnFp32CopyOfTheLogitsBesideTheLogSoftmax) {
  // TorchTitan: cross_entropy(pred.float(), ...) while pred lives; log_softmax saves its fp32
  // output: 2 + 4 + 4 bytes per logit, against Megatron's 16-bit logits + in-place fp32 softmax.
  Json fsdp2 = on_framework("fsdp2", 0);
  fsdp2["training"]["compile"] = true;  // fused elementwise: the layers' activations alike
  const Json megatron = on_framework("megatron", 0);
  const Scenario a = testing::scenario_from(fsdp2), b = testing::scenario_from(megatron);
  const double logits = 2.0 * 1024 * 32000 / 2;  // micro-batch x seq x vocab / tp
  EXPECT_NEAR(
      estimate_stage_memory(a, 0).activations_bytes - estimate_stage_memory(b, 0).activations_bytes,
      4 * logits, 1e-6 * logits);
}

TEST(Frameworks, Fsdp2ShardsEveryStateOrNone) {
  for (int zero : {1, 2})
    EXPECT_NE(testing::refusal(on_framework("fsdp2", zero))
                  .find("parallel.zero: training.framework = fsdp2 shards parameters"),
              std::string::npos)
        << zero;
  EXPECT_EQ(testing::refusal(on_framework("fsdp2", 0)), "accepted");
}

TEST(Frameworks, ModelStatesPerParameterFollowEachFrameworksOptimizer) {
  const auto total = [](const ModelStateBytes& b) { return b.weights + b.grads + b.optimizer; };
  // Megatron: 2 + 4 + 12.
  EXPECT_DOUBLE_EQ(
      total(model_state_bytes_per_param(Framework::megatron, Precision::bf16, true, 1)), 18);
  // DeepSpeed BF16_Optimizer (bf16, ZeRO <= 1): bf16 weights and gradients, an fp32 gradient
  // accumulation buffer, fp32 master + m + v.
  const ModelStateBytes bf16 =
      model_state_bytes_per_param(Framework::deepspeed, Precision::bf16, false, 1);
  EXPECT_DOUBLE_EQ(bf16.grads, 6);
  EXPECT_DOUBLE_EQ(total(bf16), 20);
  EXPECT_DOUBLE_EQ(bf16.reduced_grads, 2);
  // DeepSpeed ZeRO-2/3 and fp16: 16-bit gradients; the fp32 gradient partition sits with the
  // optimizer states (sharded with them).
  for (int zero : {2, 3}) {
    const ModelStateBytes z =
        model_state_bytes_per_param(Framework::deepspeed, Precision::bf16, false, zero);
    EXPECT_DOUBLE_EQ(z.grads, 2);
    EXPECT_DOUBLE_EQ(z.optimizer, 16);
  }
  // FSDP2: fp32 parameters, gradients, m and v; gathered as bf16.
  const ModelStateBytes fsdp2 =
      model_state_bytes_per_param(Framework::fsdp2, Precision::bf16, true, 3);
  EXPECT_DOUBLE_EQ(total(fsdp2), 16);
  EXPECT_DOUBLE_EQ(fsdp2.compute_weights, 2);
  // Eager autocast keeps and gathers fp32 weights.
  EXPECT_DOUBLE_EQ(
      model_state_bytes_per_param(Framework::pytorch, Precision::bf16, true, 3).compute_weights, 4);
}

TEST(Frameworks, Fsdp2MemoryIsShardedFp32StatesPlusTwoGatheredBlocks) {
  const Json json = on_framework("fsdp2", 3);
  const Scenario s = testing::scenario_from(json);
  const MemoryEstimate m = estimate_peak_memory(s);
  const double sharded = stage_sharded_params_per_rank(s, 0);
  const double block = s.model.largest_layer_params() / 2;  // tp 2
  EXPECT_NEAR(m.params_bytes, 4 * sharded + 2 * block * 2, 1e-9 * m.params_bytes);
  EXPECT_NEAR(m.grads_bytes, 4 * sharded, 1e-9 * m.grads_bytes);
  EXPECT_NEAR(m.optimizer_bytes, 8 * sharded, 1e-9 * m.optimizer_bytes);
  // Not resharded: every block stays gathered from its forward to its backward.
  Json kept = json;
  kept["parallel"]["reshard_after_forward"] = false;
  const MemoryEstimate k = estimate_peak_memory(testing::scenario_from(kept));
  EXPECT_NEAR(k.params_bytes, 4 * sharded + 2 * rank_params(json), 1e-9 * k.params_bytes);
}

TEST(Frameworks, DeepSpeedBf16Zero1HoldsAnFp32GradientBufferForEveryParameter) {
  const Json json = on_framework("deepspeed", 1);
  const Scenario s = testing::scenario_from(json);
  const MemoryEstimate m = estimate_peak_memory(s);
  const double n = rank_params(json);
  EXPECT_NEAR(m.params_bytes, 2 * n, 1e-9 * n);
  EXPECT_NEAR(m.grads_bytes, 6 * n, 1e-9 * n);
  EXPECT_NEAR(m.optimizer_bytes, 12 * stage_sharded_params_per_rank(s, 0), 1e-9 * n);
}

// BF16_Optimizer.update_hp_grads after every micro-batch's backward: each bf16 gradient cast to
// fp32 and added into the fp32 buffer, 18 bytes per parameter, two kernels per tensor.
TEST(Frameworks, DeepSpeedBf16AddsEveryMicroBatchsGradientsIntoItsFp32Buffer) {
  const auto costs = [](const Json& json) {
    const Scenario s = testing::scenario_from(json);
    const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
    const CollectiveCost collectives(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
    return build_pass_costs(s, compute, collectives, parallel_groups(s));
  };
  const Json bf16_optimizer = on_framework("deepspeed", 1);
  const Scenario s = testing::scenario_from(bf16_optimizer);
  const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
  const PassCostTable with = costs(bf16_optimizer);
  const PassCostTable without = costs(on_framework("deepspeed", 2));  // ZeRO-2's optimizer
  const double tensors = static_cast<double>(s.model.layer_param_tensors().size());
  const Op accumulate = build_fp32_gradient_accumulation_op(with.layer.params, tensors);
  EXPECT_DOUBLE_EQ(accumulate.bytes, 18.0 * with.layer.params);
  EXPECT_EQ(accumulate.kernels, 2 * static_cast<int>(tensors));
  const double accumulate_s = compute.estimate_s(accumulate);
  EXPECT_GT(accumulate_s, 0);
  const auto backward_s = [](const PieceCost& c) {
    return c.backward[index_of(TimeCategory::compute)];
  };
  EXPECT_NEAR(backward_s(with.layer), backward_s(without.layer) + accumulate_s, 1e-12);
  EXPECT_NEAR(with.layer.weight_s, without.layer.weight_s + accumulate_s, 1e-12);
  EXPECT_GT(backward_s(with.head), backward_s(without.head));
  EXPECT_GT(backward_s(with.embedding), backward_s(without.embedding));
  // fp16 runs DeepSpeed's FP16 optimizers, which accumulate in the 16-bit gradients.
  Json fp16 = bf16_optimizer;
  fp16["training"]["precision"] = "fp16";
  Json fp16_zero2 = fp16;
  fp16_zero2["parallel"]["zero"] = 2;
  EXPECT_DOUBLE_EQ(backward_s(costs(fp16).layer), backward_s(costs(fp16_zero2).layer));
}

TEST(Frameworks, TheMegatronPathKeepsItsDefaults) {
  const Scenario s = testing::scenario_from(on_framework("megatron", 3));
  EXPECT_EQ(s.parallel.zero3_bucket_params, 5e7);
  EXPECT_EQ(s.parallel.zero3_reduce_bucket_params, 5e7);
  EXPECT_EQ(s.parallel.overlap_grad_reduce, true);
  EXPECT_EQ(s.parallel.grad_reduce_in_fp32, true);
}

TEST(Frameworks, Zero3SettingsStatedBelowStage3WarnButDefaultsDoNot) {
  Json json = on_framework("fsdp2", 0);
  json["parallel"]["reshard_after_forward"] = false;
  bool warned = false;
  for (const Diagnostic& d : check_scenario(parse_scenario(json, data_root())))
    warned |= d.path == "parallel.reshard_after_forward";
  EXPECT_TRUE(warned);
  // Neither the stated defaults nor a resolved scenario checked again warn.
  const Scenario plain = parse_scenario(on_framework("fsdp2", 0), data_root());
  for (const Diagnostic& d : check_scenario(plain)) ADD_FAILURE() << d.message;
  for (const Diagnostic& d : check_scenario(resolved(plain))) ADD_FAILURE() << d.message;
}

}  // namespace
}  // namespace trainsim
