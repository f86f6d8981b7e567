// training.framework = jax: MaxText's behaviour on GPUs (models/frameworks/jax.json cites
// MaxText at efb6d9e and its A3 recipe's XLA flags) and its remat policies, each against
// hand-computed traffic, memory and recomputed work. The fixture's 16 GPUs run tp 2 x dp 8.
#include <string>

#include <gtest/gtest.h>

#include "scenario_fixture.hpp"
#include "sim/parallel/memory.hpp"
#include "sim/parallel/memory_remedies.hpp"
#include "sim/parallel/parallel_groups.hpp"
#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/scenario_checks.hpp"
#include "sim/parallel/scenario_defaults.hpp"
#include "sim/parallel/step_builder.hpp"

namespace trainsim {
namespace {

testing::StepTraffic jax_stage0_dp_traffic(const Scenario& s) {
  return testing::stage0_traffic(s, CommScope::dp);
}

Json on_jax(int zero) {
  return testing::data_parallel_on("jax", zero);
}

// A Llama block under tp 2 with sequence-sharded activations, as MaxText's tensor axis keeps
// them between blocks.
Json jax_llama_block(const char* remat_policy) {
  return testing::llama_block_on("jax", remat_policy);
}

TEST(JaxFramework, FsdpGathersBf16WeightsInXlaCombinedBucketsAndReducesBf16Gradients) {
  // 1vm.sh: all-gathers combined up to 128 MiB, reduce-scatters up to 64 MiB (of bf16); the
  // gathered weights are not a remat residual, so the backward gathers them again.
  const Json json = on_jax(3);
  const Scenario s = testing::scenario_from(json);
  EXPECT_EQ(s.parallel.zero3_bucket_params, 64.0 * 1024 * 1024);
  EXPECT_EQ(s.parallel.zero3_reduce_bucket_params, 32.0 * 1024 * 1024);
  EXPECT_EQ(s.parallel.reshard_after_forward, true);
  const testing::StepTraffic v = jax_stage0_dp_traffic(s);
  const double n = stage_params_per_rank(s, 0), micro_batches = 2;
  EXPECT_NEAR(v.all_gather, 2 * 2 * n * micro_batches, 1e-9 * n);
  EXPECT_NEAR(v.reduce_scatter, 2 * n * micro_batches, 1e-9 * n);  // FSDP2 sends 4 B
}

TEST(JaxFramework, DataParallelAllReducesBf16GradientsOverlappedIn128MiBBuckets) {
  const Json json = on_jax(0);
  const Scenario s = testing::scenario_from(json);
  EXPECT_EQ(s.parallel.bucket_params, 64.0 * 1024 * 1024);
  EXPECT_EQ(s.parallel.overlap_grad_reduce, true);
  EXPECT_EQ(s.parallel.grad_reduce_in_fp32, false);
  const double n = stage_params_per_rank(s, 0);
  EXPECT_NEAR(jax_stage0_dp_traffic(s).all_reduce, 2 * n, 1e-9 * n);
  // Stated fp32, the all-reduce doubles.
  Json fp32 = on_jax(0);
  fp32["parallel"]["grad_reduce_in_fp32"] = true;
  EXPECT_NEAR(jax_stage0_dp_traffic(testing::scenario_from(fp32)).all_reduce, 4 * n, 1e-9 * n);
}

TEST(JaxFramework, KeepsFp32ParametersGradientsAndMoments) {
  const Json json = on_jax(3);
  const Scenario s = testing::scenario_from(json);
  const MemoryEstimate m = estimate_peak_memory(s);
  const double sharded = stage_sharded_params_per_rank(s, 0);
  EXPECT_NEAR(m.grads_bytes, 4 * sharded, 1e-9 * m.grads_bytes);
  EXPECT_NEAR(m.optimizer_bytes, 8 * sharded, 1e-9 * m.optimizer_bytes);
  EXPECT_DOUBLE_EQ(
      model_state_bytes_per_param(Framework::jax, Precision::bf16, false, 3).compute_weights, 2);
}

TEST(JaxFramework, XlaPlansItsBuffersInsideAPreallocatedShareOfTheGpu) {
  // JAX preallocates 75% of the GPU's memory and XLA plans the step's buffers inside it: no
  // caching-allocator fragmentation; the CUDA context and NCCL's buffers live beside the pool.
  const Scenario jax = testing::scenario_from(on_jax(3));
  const MemoryEstimate m = estimate_peak_memory(jax);
  const double hbm = jax.cluster.gpu.hbm_capacity_bytes;
  EXPECT_EQ(m.fragmentation_bytes, 0);
  EXPECT_DOUBLE_EQ(m.capacity_bytes, 0.75 * hbm + m.runtime_reserved_bytes);
  // XLA_PYTHON_CLIENT_MEM_FRACTION = 0.85, as MaxText's A3 recipes set it.
  Json larger = on_jax(3);
  larger["training"]["memory_pool_fraction"] = 0.85;
  const MemoryEstimate l = estimate_peak_memory(testing::scenario_from(larger));
  EXPECT_DOUBLE_EQ(l.capacity_bytes, 0.85 * hbm + l.runtime_reserved_bytes);
  // PyTorch's caching allocator may take the whole GPU, and fragments under ZeRO-3.
  Json fsdp2 = on_jax(3);
  fsdp2["training"]["framework"] = "fsdp2";
  const MemoryEstimate f = estimate_peak_memory(testing::scenario_from(fsdp2));
  EXPECT_DOUBLE_EQ(f.capacity_bytes, hbm);
  EXPECT_GT(f.fragmentation_bytes, 0);
  Json wrong = on_jax(3);
  wrong["training"]["memory_pool_fraction"] = 1.5;
  EXPECT_EQ(testing::refusal(wrong),
            "training.memory_pool_fraction: the share of GPU memory the allocator may hold must "
            "be above 0 and at most 1, got 1.5");
}

TEST(JaxFramework, TheDeviceMeshNamesTheLayoutAsMaxTextDoes) {
  const auto layout = [](Json mesh) {
    Json json = on_jax(0);
    json["parallel"] = {{"mesh", std::move(mesh)}};
    const Scenario s = testing::scenario_from(json);
    const Strategy& p = s.parallel;
    return std::make_tuple(p.tp, p.pp, p.dp, p.zero, p.zero_shard_size, p.sequence_parallel);
  };
  // 16 GPUs: fsdp over all of them; fsdp in the node and data across nodes (hybrid sharding);
  // tensor with fsdp, activations sharded between blocks.
  EXPECT_EQ(layout({{"fsdp", 16}}), std::make_tuple(1, 1, 16, 3, 0, false));
  EXPECT_EQ(layout({{"data", 2}, {"fsdp", 8}}), std::make_tuple(1, 1, 16, 3, 8, false));
  EXPECT_EQ(layout({{"tensor", 2}, {"fsdp", 8}}), std::make_tuple(2, 1, 8, 3, 0, true));
  EXPECT_EQ(layout({{"data", 16}}), std::make_tuple(1, 1, 16, 0, 0, false));
  Json both = on_jax(3);
  both["parallel"]["mesh"] = {{"fsdp", 8}};
  EXPECT_EQ(testing::refusal(both),
            "parallel.tp: parallel.mesh sets it: give the mesh or the degrees, not both");
  Json megatron = testing::small_gpt_scenario();
  megatron["parallel"] = {{"mesh", {{"fsdp", 16}}}};
  EXPECT_EQ(testing::refusal(megatron),
            "parallel.mesh: is JAX's device mesh: set training.framework = \"jax\", or give tp, "
            "dp and zero instead");
  Json unknown = on_jax(0);
  unknown["parallel"] = {{"mesh", {{"stage", 2}}}};
  EXPECT_NE(testing::refusal(unknown).find("parallel.mesh"), std::string::npos);
}

TEST(JaxFramework, MaxTextsLlama2RecipeNeedsTheLargerPoolItSets) {
  // scenarios/maxtext-llama2-7b-a3.json: 85% of the GPU, as 1vm.sh sets it. At JAX's default
  // 75% it does not fit, and the remedies offer the share the recipe chose.
  Json json = load_json_file(data_root() / "scenarios" / "maxtext-llama2-7b-a3.json");
  EXPECT_TRUE(estimate_peak_memory(testing::scenario_from(json)).fits);
  json["training"].erase("memory_pool_fraction");
  const Scenario by_default = testing::scenario_from(json);
  EXPECT_FALSE(estimate_peak_memory(by_default).fits);
  bool offered = false;
  for (const MemoryRemedy& r : memory_remedies(by_default))
    offered |= r.setting == "training.memory_pool_fraction=0.85";
  EXPECT_TRUE(offered);
}

TEST(JaxFramework, TheOutputHeadRunsInFp32AndKeepsFp32Logits) {
  // logits_dot_in_fp32: the output GEMM on TF32 tensor cores, fp32 logits (4 B) and the fp32
  // softmax (4 B) per logit, against Megatron's 16-bit logits and fp32 softmax.
  const Scenario jax = testing::scenario_from(on_jax(0));
  Json megatron_json = on_jax(0);
  megatron_json["training"]["framework"] = "megatron";
  const Scenario megatron = testing::scenario_from(megatron_json);
  bool found = false;
  for (const Op& op : build_lm_head_ops(jax.model, jax.shard_context()).forward)
    if (op.name == "lm_head") {
      found = true;
      EXPECT_EQ(op.precision, Precision::tf32);
    }
  EXPECT_TRUE(found);
  const double logits = 2.0 * 1024 * 32000 / 2;  // micro-batch x seq x vocab / tp
  EXPECT_NEAR(estimate_stage_memory(jax, 0).activations_bytes -
                  estimate_stage_memory(megatron, 0).activations_bytes,
              2 * logits, 1e-6 * logits);
}

TEST(JaxFramework, HasNoPipelineParallelismAndShardsEveryStateOrNone) {
  Json pipelined = on_jax(0);
  pipelined["parallel"]["pp"] = 2;
  pipelined["parallel"]["tp"] = 1;
  EXPECT_NE(testing::refusal(pipelined).find(
                "parallel.pp: training.framework = jax has no pipeline parallelism"),
            std::string::npos)
      << testing::refusal(pipelined);
  EXPECT_NE(testing::refusal(on_jax(1)).find("parallel.zero: training.framework = jax shards"),
            std::string::npos);
  EXPECT_EQ(testing::refusal(on_jax(3)), "accepted");
}

TEST(JaxFramework, OffersMaxTextsRematPoliciesAndNoOtherFrameworkDoes) {
  EXPECT_EQ(testing::refusal(jax_llama_block("minimal_flash")), "accepted");
  EXPECT_EQ(testing::refusal(jax_llama_block("full")), "accepted");
  EXPECT_EQ(testing::refusal(jax_llama_block("selective")),
            "training.recompute: training.framework = jax does not offer recompute = selective; "
            "it offers: none, minimal_flash, minimal, save_dot_except_mlpwi, "
            "save_dot_except_mlp, save_qkv_proj, full");
  Json megatron = jax_llama_block("minimal");
  megatron["training"]["framework"] = "megatron";
  EXPECT_EQ(testing::refusal(megatron),
            "training.recompute: training.framework = megatron does not offer recompute = "
            "minimal; it offers: none, selective, full");
}

// Per policy, what a layer keeps (tp 2, SP, micro-batch 2 of 1024 tokens, bf16): the layer input
// (a sequence shard) and the listed outputs; and which forward ops its backward repeats.
struct RematCase {
  const char* policy;
  double kept_bytes;
  bool attention, attn_proj, fc1;  // repeated in the backward
};

TEST(JaxFramework, EachRematPolicyKeepsItsListedOutputsAndRepeatsTheRest) {
  const double e = 2, sb = 2 * 1024, h = 1024, kv = 256, ffn = 3584, t = 2, heads = 16;
  const double input = e * sb * h / t;
  const double qkv = e * sb * (h + 2 * kv) / t;                // query_proj, key_proj, value_proj
  const double out_proj = e * sb * h;                          // before its reduce-scatter
  const double wi = e * sb * 2 * ffn / t;                      // wi_0 and wi_1
  const double context = e * sb * h / t + 4 * heads / t * sb;  // TE's 'context': output + LSE
  const RematCase cases[] = {
      {"minimal", input + qkv + out_proj + wi, true, false, false},
      {"minimal_flash", input + qkv + out_proj + wi + context, false, false, false},
      // 'mlpwo' is listed, but nothing in the layer's backward reads FC2's output.
      {"save_dot_except_mlpwi", input + qkv + out_proj, true, false, true},
      {"save_dot_except_mlp", input + qkv + out_proj, true, false, true},
      {"save_qkv_proj", input + qkv, true, true, true},
  };
  const Scenario plain = testing::scenario_from(jax_llama_block("none"));
  const ComputeCost compute(plain.cluster.gpu, plain.cluster.profile);
  const CollectiveCost collectives(plain.cluster.gpu, plain.cluster.node, plain.cluster.network,
                                   plain.comm);
  const PassCostTable none = build_pass_costs(plain, compute, collectives, parallel_groups(plain));
  const PassOps ops = build_transformer_layer_ops(plain.model, plain.shard_context());
  for (const RematCase& c : cases) {
    const Scenario s = testing::scenario_from(jax_llama_block(c.policy));
    EXPECT_DOUBLE_EQ(layer_activation_bytes(s.model, s.shard_context(), s.training.recompute),
                     c.kept_bytes)
        << c.policy;
    double repeated_s = 0;
    for (const Op& o : ops.forward) {
      const bool repeated = o.kind == OpKind::memory_bound ||
                            (o.kind == OpKind::attention && c.attention) ||
                            (o.name == "attn_proj" && c.attn_proj) || (o.name == "fc1" && c.fc1);
      if (repeated) repeated_s += compute.estimate_s(o);
    }
    const PassCostTable table = build_pass_costs(s, compute, collectives, parallel_groups(s));
    EXPECT_NEAR(table.layer.backward[index_of(TimeCategory::compute)],
                none.layer.backward[index_of(TimeCategory::compute)] + repeated_s, 1e-12)
        << c.policy;
    // Q, K, V are kept by every policy, so the attention block's all-gather is not repeated;
    // the MLP's is when FC1 is recomputed; the attention block's reduce-scatter (the MLP norm's
    // input) always is.
    for (const FoldedCollective& f : table.collectives) {
      if (f.piece != "layer") continue;
      if (f.kind == CollectiveKind::all_gather)
        EXPECT_EQ(f.backward_calls, c.fc1 ? 3 : 2) << c.policy;
      if (f.kind == CollectiveKind::reduce_scatter) EXPECT_EQ(f.backward_calls, 3) << c.policy;
    }
  }
}

TEST(JaxFramework, FullRematRepeatsEverythingTheBackwardReadsButNotFc2) {
  // remat_policy 'full' keeps only the layer input; JAX recomputes the residuals the backward
  // reads, and no backward reads FC2's output (nor its reduce-scatter's). Megatron's
  // checkpoint runs the whole forward again.
  const Scenario jax = testing::scenario_from(jax_llama_block("full"));
  Json megatron_json = jax_llama_block("full");
  megatron_json["training"]["framework"] = "megatron";
  const Scenario megatron = testing::scenario_from(megatron_json);
  const ComputeCost compute(jax.cluster.gpu, jax.cluster.profile);
  const CollectiveCost collectives(jax.cluster.gpu, jax.cluster.node, jax.cluster.network,
                                   jax.comm);
  const PassCostTable j = build_pass_costs(jax, compute, collectives, parallel_groups(jax));
  const PassCostTable m =
      build_pass_costs(megatron, compute, collectives, parallel_groups(megatron));
  double fc2_s = 0;
  for (const Op& o : build_transformer_layer_ops(jax.model, jax.shard_context()).forward)
    if (o.name == "fc2") fc2_s += compute.estimate_s(o);
  ASSERT_GT(fc2_s, 0);
  const std::size_t k = index_of(TimeCategory::compute);
  EXPECT_NEAR(j.layer.backward[k], m.layer.backward[k] - fc2_s, 1e-12);
  for (const FoldedCollective& f : j.collectives)
    if (f.piece == "layer" && f.kind == CollectiveKind::reduce_scatter)
      EXPECT_EQ(f.backward_calls, 3);  // 2 of the backward, 1 repeated (attention's)
  EXPECT_DOUBLE_EQ(layer_activation_bytes(jax.model, jax.shard_context(), RecomputeKind::full),
                   2.0 * 2 * 1024 * 1024 / 2);  // the layer input, a sequence shard
}

}  // namespace
}  // namespace trainsim
