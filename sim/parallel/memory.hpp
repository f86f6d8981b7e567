#pragma once
// Memory per GPU: model states (weights, gradients, optimizer) under ZeRO 0-3 split over DP, TP
// and PP, and activations in flight for the pipeline schedule (Korthikanti et al. 2022, with the
// TP, SP, selective and full recomputation variants).
#include <cstdint>
#include <vector>

#include "sim/parallel/scenario.hpp"

namespace trainsim {

// Activation bytes one transformer layer keeps for its backward pass, per micro-batch, on one
// rank. With `attention_stores_scores` (no flash attention) this is Korthikanti's
// s·b·h·(34 + 5·a·s/h) for a GPT layer without parallelism; flash attention drops the 5as/h term
// and keeps softmax statistics instead.
double layer_activation_bytes(const ModelSpec& model, const ShardContext& ctx,
                              RecomputeKind recompute, bool attention_stores_scores = false);

// Micro-batches whose activations a pipeline stage holds at its peak.
double in_flight_micro_batches(ScheduleKind schedule, int pp, int stage, std::int64_t micro_batches,
                               int vpp);

// Parameters of one transformer layer on one TP/EP rank: dense parts split over tp, routed
// experts over etp x ep.
double layer_params_per_rank(const Scenario& scenario);
// The routed-expert share of stage_params_per_rank.
double stage_expert_params_per_rank(const Scenario& scenario, int stage);
// Elements of one of a layer's parameter tensors on one rank: dense tensors split over tp,
// routed experts' over etp (the tensor list holds every expert; EP picks which a rank keeps).
double param_tensor_elements_per_rank(const ModelSpec::ParamTensor& tensor, const Strategy& p);
// ZeRO shards of one stage's parameters on one rank, in parameters: dense ones over the ZeRO
// shard group (dp·cp, or the hybrid group), routed experts over their expert-data-parallel group
// (the ranks holding the same expert slice: shard group × tp / (ep × etp), Megatron-Core's
// expert_data_parallel group for the distributed optimizer).
double stage_sharded_params_per_rank(const Scenario& scenario, int stage);
// Final norm and LM head on one TP rank of the last stage, plus its own copy of a tied
// embedding when the first stage is another GPU.
double head_params_per_rank(const Scenario& scenario);
// The pipeline stage that computes the LM head and loss (the last; the first under ZB-V).
int loss_stage(const Strategy& p);

// ZeRO-3 under pipeline parallelism on a framework that gathers the parameters once per step
// and reduces the accumulated gradients once (FrameworkProfile::zero3_syncs_once_per_step_with_pp).
bool zero3_syncs_once_per_step(const Scenario& scenario);

// Parameters a pipeline stage holds on one of its TP/EP ranks (before ZeRO sharding).
double stage_params_per_rank(const Scenario& scenario, int stage);

struct MemoryEstimate {
  int stage = 0;
  double params_bytes = 0;
  double grads_bytes = 0;
  double optimizer_bytes = 0;
  double activations_bytes = 0;
  // What a training process holds beyond its tensors: the CUDA context and library workspaces,
  // NCCL's buffers for the rank's communicators, and the caching allocator's fragmentation.
  double runtime_reserved_bytes = 0;  // context + workspaces + NCCL buffers
  double cuda_context_bytes = 0;      // context and cuBLAS/cuBLASLt workspaces
  double nccl_buffers_bytes = 0;      // every communicator the rank uses
  double fragmentation_bytes = 0;     // allocator blocks reserved but not allocated
  double peak_bytes = 0;
  double capacity_bytes = 0;
  double usable_bytes = 0;  // capacity less training.memory_headroom
  bool fits = true;         // peak <= usable
  bool over_capacity() const { return peak_bytes > capacity_bytes; }
  // Whether the peak leaves `headroom` (a fraction of capacity) free: `fits` for the scenario's
  // own training.memory_headroom, search's and explain's --memory-headroom otherwise.
  bool fits_with_headroom(double headroom) const {
    return peak_bytes <= capacity_bytes * (1 - headroom);
  }
};

// Bytes per parameter of weights / gradients / optimizer states for a framework and precision,
// before ZeRO sharding.
struct ModelStateBytes {
  double weights = 2, grads = 4, optimizer = 12;
  // The weights the GEMMs read, and what ZeRO-3 gathers: the 16-bit copy where the framework
  // keeps fp32 parameters.
  double compute_weights = 2;
  double reduced_grads = 4;  // what the data-parallel gradient reduction sends per parameter
};
// `zero`: the ZeRO stage, which picks DeepSpeed's optimizer (and its gradient buffers).
ModelStateBytes model_state_bytes_per_param(Framework framework, Precision precision,
                                            bool grads_in_fp32, int zero);

// NCCL's device buffers for every communicator one rank of `scenario` uses (TP, CP, the
// gradient-reduction group or the hybrid shard and replica groups, expert TP; point-to-point
// buffers for pipeline neighbours and expert all-to-all peers).
double nccl_buffer_bytes_per_rank(const Scenario& scenario);

MemoryEstimate estimate_stage_memory(const Scenario& scenario, int stage);
// The stage with the highest peak (ties: the lowest stage).
MemoryEstimate estimate_peak_memory(const Scenario& scenario);

}  // namespace trainsim
