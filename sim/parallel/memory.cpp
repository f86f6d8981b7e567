#include "sim/parallel/memory.hpp"

#include <algorithm>

#include "sim/collectives/collective_cost.hpp"
#include "sim/collectives/nccl_memory.hpp"
#include "sim/parallel/parallel_groups.hpp"
#include "sim/parallel/pipeline_schedule.hpp"
#include "sim/parallel/save_lists.hpp"

namespace trainsim {
namespace {

// The CUDA context of a PyTorch process with lazy module loading (the default since PyTorch 1.13
// and CUDA 12.2): 287 MB measured in pytorch/pytorch#86509 (667 MB loading eagerly), plus the
// cuBLAS/cuBLASLt workspaces the GEMMs of a training step use (32 MiB each on Hopper, for the
// compute and the two communication-overlap streams: PyTorch's CUBLAS_WORKSPACE_CONFIG default
// ":4096:8" and Transformer Engine's 32 MiB cuBLASLt workspace).
constexpr double kCudaContextBytes = 287e6 + 3 * 32.0 * 1024 * 1024;

// PyTorch's caching allocator keeps freed blocks and splits them; when activations of many sizes
// come and go, part of what it has reserved cannot serve the next request. GMLake (Guo et al.,
// ASPLOS 2024, arXiv:2401.08156) measures 15% of reserved memory fragmented on average (up to 33%)
// over eight LLMs trained with recomputation, ZeRO and offloading on A100-80GB, and names its
// cause: those memory-reduction techniques make allocations irregular (recomputed activations
// freed and made again out of order, parameters gathered and released per layer). So the
// fraction applies where the step has them (recomputation, ZeRO-3), and to the dynamic
// allocations only: persistent model states sit in buffers allocated once (Megatron's
// contiguous parameter/gradient buffers, the distributed optimizer's shards). A step without
// them allocates the same shapes layer after layer, which the allocator's cached blocks serve.
constexpr double kAllocatorFragmentation = 0.15;

// A group as CommGroup wants it: ranks = nodes x ranks per node (a layout that does not fill its
// last node is rounded up, which over-counts buffers by at most one node's share).
CommGroup whole_nodes(CommGroup g) {
  g.ranks = g.nodes * g.ranks_per_node;
  return g;
}

}  // namespace

double layer_activation_bytes(const ModelSpec& model, const ShardContext& ctx,
                              RecomputeKind recompute, bool attention_stores_scores) {
  const double e = bytes_per_element(ctx.activation_precision);
  const double t = ctx.tp;
  const double sb = static_cast<double>(ctx.micro_batch) * ctx.local_seq_len();
  const double h = static_cast<double>(model.hidden);
  const double sp_divisor = ctx.sequence_parallel ? t : 1.0;
  if (recompute == RecomputeKind::full) return e * sb * h / sp_divisor;  // the layer input only
  if (const std::optional<SaveList> saved = save_list_of(recompute, model)) {
    // A save list (save_lists.cpp): the layer input and the outputs it keeps. A row-parallel
    // projection's output is kept before its reduction, a full [tokens, h] partial sum; all-
    // reduce and all-gather outputs are never on a list.
    const double kv = static_cast<double>(model.kv_hidden());
    const double gate = model.activation == Activation::swiglu ? 2.0 : 1.0;
    double kept = saved->qkv_share * e * sb * (h + 2.0 * kv) / t +
                  saved->fc1_share * e * sb * gate * static_cast<double>(model.ffn_hidden) / t;
    if (saved->attention) kept += e * sb * h / t + 4.0 * static_cast<double>(model.heads) / t * sb;
    if (saved->attn_proj) kept += e * sb * h;
    if (saved->fc2) kept += e * sb * h;
    if (saved->sp_reduce_scatters && ctx.sequence_parallel) kept += 2.0 * e * sb * h / t;
    return e * sb * h / sp_divisor + kept;
  }

  // Under FP8, Transformer Engine keeps a linear layer's input for the weight gradient as the
  // FP8 copy it cast for the forward GEMM, one byte per element, instead of the 16-bit tensor:
  // NVIDIA/TransformerEngine@3ec87875, transformer_engine/pytorch/module/linear.py, _Linear.forward
  // saves inputmat_t and not inputmat_no_fp8 when the weight gradient runs in FP8 (the
  // DelayedScaling recipe's default); layernorm_linear.py saves its norm output (ln_out) the same
  // way. So the inputs of QKV and FC1 (the norms' outputs) and of FC2 (the activation's output)
  // are kept in FP8 only; the attention output, which flash attention also keeps in 16 bits for
  // its own backward, gains the FP8 copy beside it.
  const bool fp8_saved_inputs =
      ctx.gemm_precision == Precision::fp8 && ctx.framework == Framework::megatron;
  const double g = fp8_saved_inputs ? bytes_per_element(Precision::fp8) : e;
  // Tensors TP does not split unless sequence parallelism shards them: the inputs of the two
  // norms, of the QKV and FC1 GEMMs, and two 1-byte dropout masks (Korthikanti's "10").
  const double replicated = (2.0 * e + 2.0 * g + 2.0) * sb * h;
  // Tensors TP splits: Q, K, V, the attention output, FC1 output and the activation output
  // (routed experts' FC1 and activation outputs: see expert_share below).
  double dense_ffn = static_cast<double>(model.ffn_hidden);
  double routed_ffn = 0, routed_copies = 0;
  if (model.moe) {
    dense_ffn = static_cast<double>(model.moe->expert_ffn_hidden) * model.moe->shared_experts;
    routed_ffn = static_cast<double>(model.moe->expert_ffn_hidden) * model.moe->top_k;
    // Permuted token copies kept for the combine: of the tokens the rank holds (its SP shard).
    routed_copies = e * sb * h * model.moe->top_k;
  }
  const double gate = model.activation == Activation::swiglu ? 2.0 : 1.0;
  // Per element of the FFN width: FC1's output (the activation's input, `gate` wide) and the
  // activation's output (FC2's input); eager mode also keeps the bias-add output before the
  // activation.
  const bool eager = !ctx.fused_elementwise();
  const double ffn_bytes = e * (gate + (eager ? gate : 0.0)) + g;
  const double attention_output = fp8_saved_inputs ? e + g : e;
  const double split = e * sb * (h + 2.0 * model.kv_hidden()) + attention_output * sb * h +
                       sb * dense_ffn * ffn_bytes;
  const double expert_split = sb * routed_ffn * ffn_bytes;
  const double heads = static_cast<double>(model.heads);
  const double seq_kv = static_cast<double>(ctx.seq_len);
  double attention_scores = 0;
  if (attention_stores_scores && recompute == RecomputeKind::none) {
    // softmax output (e), dropout mask (1 B), dropout output (e) per score: 5·a·s²·b for e = 2.
    attention_scores = (2.0 * e + 1.0) * heads * sb * seq_kv;
  } else if (!attention_stores_scores) {
    attention_scores = 4.0 * heads * sb;  // fp32 log-sum-exp per query row
  }
  double pytorch_extra = 0;
  if (eager) pytorch_extra = 2.0 * e * sb * h;
  // A rank's experts hold the routed tokens of its sequence shard, gathered over the ETP ranks,
  // at 1/etp of their width (so under sequence parallelism tp, not etp, splits them).
  const double expert_share =
      static_cast<double>(ctx.expert_token_gather()) / (sp_divisor * ctx.expert_tp());
  return (replicated + routed_copies + pytorch_extra) / sp_divisor +
         (split + attention_scores) / t + expert_split * expert_share;
}

double in_flight_micro_batches(ScheduleKind schedule, int pp, int stage, std::int64_t micro_batches,
                               int vpp) {
  const double m = static_cast<double>(micro_batches);
  switch (schedule) {
    case ScheduleKind::gpipe:
      return m;
    case ScheduleKind::one_f_one_b:
    case ScheduleKind::zb_h1:
      return std::min<double>(pp - stage, m);
    case ScheduleKind::interleaved: {
      // Megatron's warm-up: (pp - stage - 1)·2 + (vpp - 1)·pp forward chunks, plus the one in
      // flight; each chunk holds 1/vpp of the stage's layers.
      const double chunks =
          std::min<double>(m * vpp, (pp - stage - 1) * 2.0 + (vpp - 1.0) * pp + 1);
      return chunks / vpp;
    }
    case ScheduleKind::zb_v:
      // The schedule caps the chunk passes holding activations at 2·pp, and every stage reaches
      // the cap (tests check it on the schedule itself); a chunk is half the stage's layers.
      return std::min<double>(2.0 * pp, 2.0 * m) / 2.0;
  }
  return m;
}

// Routed experts are split over the EP ranks and, inside each expert, over the expert-TP ranks
// (etp, Megatron-Core's expert_tensor_parallel_size; the attention's tp when unset).
double layer_expert_params_per_rank(const Scenario& scenario) {
  const Strategy& p = scenario.parallel;
  return scenario.model.routed_expert_params() / (static_cast<double>(p.expert_tp()) * p.ep);
}

double layer_params_per_rank(const Scenario& scenario) {
  const ModelSpec& model = scenario.model;
  return (model.layer_params() - model.routed_expert_params()) / scenario.parallel.tp +
         layer_expert_params_per_rank(scenario);
}

double param_tensor_elements_per_rank(const ModelSpec::ParamTensor& tensor, const Strategy& p) {
  return tensor.elements / (tensor.routed_expert ? p.expert_tp() : p.tp);
}

double head_params_per_rank(const Scenario& scenario) {
  const ModelSpec& model = scenario.model;
  const Strategy& p = scenario.parallel;
  double params = (model.lm_head_params() + model.final_norm_params()) / p.tp;
  // Tied embeddings need their own copy where the head is not on the embedding's stage.
  if (model.tied_embeddings && loss_stage(p) != 0)
    params += static_cast<double>(model.vocab) * model.hidden / p.tp;
  return params;
}

double stage_params_per_rank(const Scenario& scenario, int stage) {
  const Strategy& p = scenario.parallel;
  double params = 0;
  if (scenario.model.is_cnn()) {  // its blocks differ (one chunk per stage: scenario_checks)
    const std::int64_t first = scenario.first_layer_of_stage(stage);
    for (std::int64_t l = first; l < first + scenario.layers_on_stage(stage); ++l)
      params += scenario.model.layer_params_at(l);
  } else {
    params = static_cast<double>(scenario.layers_on_stage(stage)) * layer_params_per_rank(scenario);
  }
  if (stage == 0) params += scenario.model.embedding_params() / p.tp;
  if (stage == loss_stage(p)) params += head_params_per_rank(scenario);
  return params;
}

double stage_expert_params_per_rank(const Scenario& scenario, int stage) {
  return static_cast<double>(scenario.layers_on_stage(stage)) *
         layer_expert_params_per_rank(scenario);
}

double stage_sharded_params_per_rank(const Scenario& scenario, int stage) {
  const Strategy& p = scenario.parallel;
  const double experts = stage_expert_params_per_rank(scenario, stage);
  const double dense = stage_params_per_rank(scenario, stage) - experts;
  return dense / p.shard_group() + experts / p.expert_shard_group();
}

bool zero3_syncs_once_per_step(const Scenario& scenario) {
  const Strategy& p = scenario.parallel;
  return p.zero >= 3 && p.pp > 1 &&
         framework_profile(scenario.training.framework).zero3_syncs_once_per_step_with_pp;
}

int loss_stage(const Strategy& p) {
  return stage_of_virtual(p.schedule, p.pp, p.pp * p.model_chunks() - 1);
}

ModelStateBytes model_state_bytes_per_param(Framework framework, Precision precision,
                                            bool grads_in_fp32, int zero) {
  if (precision == Precision::fp32) return {4.0, 4.0, 8.0, 4.0, 4.0};
  const FrameworkProfile& profile = framework_profile(framework);
  const double weights_16bit = precision == Precision::fp8 ? 3.0 : 2.0;
  const double reduced_16bit = grads_in_fp32 ? 4.0 : 2.0;
  switch (profile.model_states) {
    case ModelStates::fp32_params:
      // Autocast and FSDP2 keep fp32 parameters (the master copy) and fp32 gradients; Adam m and
      // v. FSDP2 gathers 16-bit copies for the GEMMs (MixedPrecisionPolicy param_dtype); under
      // autocast what is stored, and gathered, is fp32.
      // A framework that reduces the 16-bit copies' gradients (JAX under GSPMD) sends 16 bits.
      return {4.0, 4.0, 8.0, profile.autocast_weight_casts ? 4.0 : 2.0,
              grads_in_fp32 || profile.grad_reduce_in_fp32 ? 4.0 : 2.0};
    case ModelStates::deepspeed:
      // BF16_Optimizer (bf16 with ZeRO 0 or 1): bf16 gradients plus an fp32 accumulation buffer
      // for every parameter. Otherwise 16-bit gradients, and the optimizer keeps an fp32 copy of
      // its gradient partition beside master weights, m and v. Gradients travel in the
      // communication dtype (16-bit unless grad_reduce_in_fp32).
      if (profile.accumulates_fp32_gradients(precision == Precision::bf16, zero))
        return {2.0, 6.0, 12.0, 2.0, reduced_16bit};
      return {weights_16bit, 2.0, 16.0, weights_16bit, reduced_16bit};
    case ModelStates::megatron:
      break;
  }
  // Megatron mixed precision: 16-bit weights, fp32 main gradients, fp32 master weights + m + v
  // ("18 bytes per parameter"); FP8 adds a 1-byte transposed weight cache (Transformer Engine).
  // 16-bit main gradients make it 16.
  return {weights_16bit, reduced_16bit, 12.0, weights_16bit, reduced_16bit};
}

double nccl_buffer_bytes_per_rank(const Scenario& scenario) {
  const Strategy& p = scenario.parallel;
  const ParallelGroups g = parallel_groups(scenario);
  const CollectiveCost nccl(scenario.cluster.gpu, scenario.cluster.node, scenario.cluster.network);
  double bytes = 0;
  const auto collectives = [&](const CommGroup& group) {
    if (group.ranks > 1) bytes += nccl.communicator_buffer_bytes(whole_nodes(group));
  };
  collectives(g.tp);
  collectives(g.cp);
  if (p.parameter_server()) {
    // Pushes and pulls go over the parameter server's own transport, not NCCL.
  } else if (p.shard_group() == p.dp * p.cp) {
    collectives(g.dp);
  } else {
    collectives(g.dp_shard);
    collectives(g.dp_replica);
  }
  if (scenario.model.moe) {
    collectives(g.etp);
    bytes += nccl_p2p_buffer_bytes(g.ep.ranks - 1);
  }
  if (p.pp > 1) bytes += nccl_p2p_buffer_bytes(2);
  return bytes;
}

namespace {

MemoryEstimate stage_memory(const Scenario& scenario, int stage, double nccl_buffers_bytes) {
  const Strategy& p = scenario.parallel;
  const ShardContext ctx = scenario.shard_context();
  const double params = stage_params_per_rank(scenario, stage);
  const double sharded = stage_sharded_params_per_rank(scenario, stage);
  const ModelStateBytes per_param = model_state_bytes_per_param(
      scenario.training.framework, scenario.training.precision,
      p.grad_reduce_in_fp32.value_or(
          framework_profile(scenario.training.framework).grad_reduce_in_fp32),
      p.zero);

  MemoryEstimate m;
  m.stage = stage;
  m.params_bytes = (p.zero >= 3 ? sharded : params) * per_param.weights;
  m.grads_bytes = (p.zero >= 2 ? sharded : params) * per_param.grads;
  m.optimizer_bytes = (p.zero >= 1 ? sharded : params) * per_param.optimizer;
  if (p.zero >= 3) {
    // FSDP/ZeRO-3 materializes the current and the prefetched layer in full; DeepSpeed's
    // per-tensor fetches (zero3_gather = per_tensor) hold one submodule's tensors and release
    // them after use: at most the largest tensor and the next one. Without resharding after the
    // forward (FSDP2 reshard_after_forward = false) every layer of the stage stays gathered
    // until its backward is done.
    double unit_params = scenario.model.largest_layer_params() / p.tp;
    if (p.zero3_gather == Strategy::Gather::per_tensor) {
      unit_params = 0;
      for (const ModelSpec::ParamTensor& t : scenario.model.layer_param_tensors())
        unit_params = std::max(unit_params, param_tensor_elements_per_rank(t, p));
    }
    const bool once_per_step = zero3_syncs_once_per_step(scenario);
    const double gathered_params =
        p.reshard_after_forward.value_or(true) && !once_per_step ? 2.0 * unit_params : params;
    m.params_bytes += gathered_params * per_param.compute_weights;
    // Gathered once per step, the stage's gradients accumulate unsharded, in the 16-bit
    // parameter dtype autograd gives them, until the one reduction after the last backward.
    if (once_per_step) m.grads_bytes += params * per_param.compute_weights;
  }

  const double in_flight =
      in_flight_micro_batches(p.schedule, p.pp, stage, scenario.micro_batches(), p.vpp);
  const bool checkpointed = scenario.training.recompute == RecomputeKind::full;
  if (scenario.model.is_cnn()) {
    // Blocks differ: the stage's own blocks' saved tensors (one chunk per stage).
    double largest_block = 0;
    const std::int64_t first = scenario.first_layer_of_stage(stage);
    for (std::int64_t l = first; l < first + scenario.layers_on_stage(stage); ++l) {
      m.activations_bytes += cnn_block_saved_bytes(scenario.model, l, ctx, checkpointed);
      largest_block = std::max(largest_block, cnn_block_saved_bytes(scenario.model, l, ctx, false));
    }
    m.activations_bytes *= in_flight;
    if (checkpointed) m.activations_bytes += largest_block;
  } else {
    const double per_layer = layer_activation_bytes(
        scenario.model, ctx, scenario.training.recompute, !ctx.flash_attention);
    const double layers = static_cast<double>(scenario.layers_on_stage(stage));
    m.activations_bytes = per_layer * layers * in_flight;
  }
  const RecomputeKind recompute = scenario.training.recompute;
  const bool save_listed = save_list_of(recompute, scenario.model).has_value();
  if (checkpointed && !scenario.model.is_cnn()) {
    // Recomputing a layer materializes its full activations once more.
    m.activations_bytes +=
        layer_activation_bytes(scenario.model, ctx, RecomputeKind::none, !ctx.flash_attention);
  } else if (save_listed) {
    // ... and what one layer's backward recomputes of them.
    m.activations_bytes +=
        std::max(0.0, layer_activation_bytes(scenario.model, ctx, RecomputeKind::none, false) -
                          layer_activation_bytes(scenario.model, ctx, recompute, false));
  }
  if (stage == loss_stage(p)) {
    // Logits (16-bit) and the fp32 softmax of the vocab-parallel cross-entropy.
    // An image model's logits: one row of classes per image.
    const double logits =
        scenario.model.vision
            ? static_cast<double>(ctx.micro_batch) * scenario.model.vision->classes
            : static_cast<double>(ctx.gemm_tokens()) * scenario.model.vocab / p.tp;
    const FrameworkProfile& framework = framework_profile(scenario.training.framework);
    const double fp32_copy = framework.loss_on_fp32_logits_copy ? 4.0 : 0.0;
    const double logit_bytes =
        framework.logits_in_fp32 ? 4.0 : bytes_per_element(ctx.activation_precision);
    m.activations_bytes += logits * (logit_bytes + 4.0 + fp32_copy);
  }
  m.cuda_context_bytes = kCudaContextBytes;
  m.nccl_buffers_bytes = nccl_buffers_bytes;
  m.runtime_reserved_bytes = m.cuda_context_bytes + m.nccl_buffers_bytes;
  // Selective recomputation with flash attention recomputes nothing that allocates.
  const bool irregular_allocations =
      recompute == RecomputeKind::full || save_listed ||
      (recompute == RecomputeKind::selective && !ctx.flash_attention) || p.zero >= 3;
  const FrameworkProfile& allocator = framework_profile(scenario.training.framework);
  if (irregular_allocations && allocator.caching_allocator) {
    double dynamic_bytes = m.activations_bytes;
    if (p.zero >= 3) dynamic_bytes += m.params_bytes - (sharded * per_param.weights);
    m.fragmentation_bytes =
        dynamic_bytes * kAllocatorFragmentation / (1.0 - kAllocatorFragmentation);
  }
  m.peak_bytes = m.params_bytes + m.grads_bytes + m.optimizer_bytes + m.activations_bytes +
                 m.runtime_reserved_bytes + m.fragmentation_bytes;
  // A framework whose allocator holds a pool (JAX's preallocated share) gives the step's tensors
  // that pool; the CUDA context and NCCL's buffers live beside it.
  const double hbm = scenario.cluster.gpu.hbm_capacity_bytes;
  const double pool = scenario.training.memory_pool_fraction.value_or(allocator.pool_fraction);
  m.capacity_bytes = std::min(hbm, pool * hbm + m.runtime_reserved_bytes);
  m.usable_bytes = m.capacity_bytes * (1 - scenario.training.memory_headroom);
  m.fits = m.fits_with_headroom(scenario.training.memory_headroom);
  return m;
}

}  // namespace

MemoryEstimate estimate_stage_memory(const Scenario& scenario, int stage) {
  return stage_memory(scenario, stage, nccl_buffer_bytes_per_rank(scenario));
}

MemoryEstimate estimate_peak_memory(const Scenario& scenario) {
  // The same communicators on every stage.
  const double nccl_bytes = nccl_buffer_bytes_per_rank(scenario);
  MemoryEstimate worst = stage_memory(scenario, 0, nccl_bytes);
  for (int stage = 1; stage < scenario.parallel.pp; ++stage) {
    MemoryEstimate m = stage_memory(scenario, stage, nccl_bytes);
    if (m.peak_bytes > worst.peak_bytes) worst = m;
  }
  return worst;
}

}  // namespace trainsim
