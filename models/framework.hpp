#pragma once
// The training framework a scenario runs on (training.framework) and what it does differently
// from the others: which kernels it fuses, how it keeps the model states, and the defaults of its
// data-parallel and pipeline machinery. What each framework does is data, one file per framework
// (models/frameworks/<name>.json), every key citing the framework source it comes from; the code
// that acts on it lives where the behaviour is simulated (layer ops, memory, the step builder).
// A scenario's own settings override the profile's defaults (resolve_defaults).
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainsim {

enum class Framework { megatron, pytorch, deepspeed, fsdp2, jax };
inline constexpr std::array kFrameworks = {Framework::megatron, Framework::pytorch,
                                           Framework::deepspeed, Framework::fsdp2, Framework::jax};

std::string_view name_of(Framework framework);
std::optional<Framework> parse_framework(std::string_view name);

// How 16-bit mixed precision keeps a parameter's states (memory.cpp turns it into bytes).
enum class ModelStates {
  megatron,     // 16-bit weights, fp32 main gradients, fp32 master weights + Adam m, v
  fp32_params,  // the fp32 parameters are the master copy (autocast, FSDP2's sharded params)
  deepspeed,    // 16-bit weights and gradients; BF16_Optimizer's fp32 gradient accumulation
                // buffer (bf16, ZeRO 0/1), else an fp32 copy of the rank's gradient partition
};

struct FrameworkProfile {
  Framework framework = Framework::megatron;

  // --- kernels ---
  // Norms, bias, activation, dropout and residual run fused (Megatron's and Apex's kernels);
  // false: one eager PyTorch kernel each.
  bool fused_elementwise = true;
  // torch.autocast casts every fp32 weight to 16 bits in each forward.
  bool autocast_weight_casts = false;
  // The optimizer step also writes the 16-bit copy of the weights the GEMMs read.
  bool optimizer_writes_16bit_weights = true;
  // The loss runs on an fp32 copy of the 16-bit logits (F.cross_entropy on logits.float(), or
  // autocast's fp32 cross-entropy) and saves the fp32 log-softmax: 16-bit + 4 + 4 bytes per logit
  // at the loss; false: Megatron's vocab-parallel cross-entropy, 16-bit logits + the fp32 softmax.
  bool loss_on_fp32_logits_copy = false;
  // The output head's GEMM runs in fp32 (TF32 tensor cores) and writes fp32 logits: 4 + 4 bytes
  // per logit at the loss.
  bool logits_in_fp32 = false;
  // Recomputation repeats only what the backward reads (JAX's remat partially evaluates the
  // linearized layer and drops the rest): full recomputation skips FC2, whose output feeds only
  // the residual add; false: the checkpointed function runs again whole.
  bool recompute_skips_unread = false;

  ModelStates model_states = ModelStates::megatron;
  // DeepSpeed's BF16_Optimizer (model_states deepspeed, bf16, ZeRO 0 or 1): an fp32 gradient for
  // every parameter, into which each micro-batch's bf16 gradients are added after its backward.
  bool accumulates_fp32_gradients(bool bf16, int zero) const {
    return model_states == ModelStates::deepspeed && bf16 && zero <= 1;
  }

  // --- data parallel without sharded parameters (DDP, ZeRO-1/2) ---
  double ddp_bucket_params = 0;  // 0: Megatron-Core's max(40M, 1M x dp x cp)
  bool overlap_grad_reduce = true;
  bool overlap_grad_reduce_with_pp = true;  // false: reduced after the last micro-batch under PP
  bool grad_reduce_in_fp32 = true;

  // --- ZeRO-3 / FSDP ---
  // Parameters per all-gather and per gradient reduction; 0: one transformer layer (the unit
  // FSDP wraps).
  double zero3_gather_bucket_params = 5e7;
  double zero3_reduce_bucket_params = 5e7;
  bool zero3_reduce_in_fp32 = false;
  bool reshard_after_forward = true;
  bool reshard_after_forward_with_pp = true;
  bool shards_all_or_nothing = false;  // only zero = 0 (replicated) or 3 (fully sharded)
  // Under pipeline parallelism the parameters are gathered once per step (the first forward of
  // each chunk) and kept, and the gradients accumulate unsharded and are reduced once, after the
  // chunk's last backward (torch.distributed.pipelining with FSDP2); false: per micro-batch.
  bool zero3_syncs_once_per_step_with_pp = false;

  // --- memory ---
  // A caching allocator serves the step's tensors as they come and go (PyTorch's), so freed
  // blocks fragment; false: the buffers are planned when the step is compiled (XLA).
  bool caching_allocator = true;
  // The share of the GPU's memory the allocator's pool may hold (JAX preallocates 75%).
  double pool_fraction = 1.0;

  // --- pipeline ---
  bool pipeline_parallel = true;  // false: the framework has no pipeline parallelism
  int pipeline_max_zero = 3;      // the highest ZeRO stage it runs beside pipeline parallelism
  bool blocking_p2p = false;      // every pipeline send blocks; false: the schedule's default

  // The training.recompute values the framework offers (what `search` tries when it chooses).
  std::vector<std::string> recompute_options;

  std::filesystem::path file;  // where the profile was read from
};

// The profile of `framework`, read once per process from data_root()/models/frameworks.
const FrameworkProfile& framework_profile(Framework framework);
// Reads one profile file; InputError naming the file and the key when it is malformed.
FrameworkProfile load_framework_profile(const std::filesystem::path& file, Framework framework);

}  // namespace trainsim
