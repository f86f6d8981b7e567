#pragma once
// One GPU kernel (or a fused group of them) of a training step, described by the work it does.
// Builders (models/layer_ops) produce Ops; cost models (sim/compute) turn them into seconds.
#include <cstdint>
#include <string>

#include "sim/core/precision.hpp"

namespace trainsim {

enum class OpKind {
  gemm,          // dense matrix multiply: time from the GEMM efficiency table
  attention,     // fused (flash) attention: time from the attention efficiency curve
  memory_bound,  // elementwise, norms, softmax, casts, embedding lookup, optimizer: HBM bytes
};

enum class Pass { forward, backward, recompute, optimizer };

// What an op computes, set where it is created (models/layer_ops.cpp), so that consumers select
// ops by a typed field instead of by name. Zero-bubble schedules move the weight-gradient GEMMs
// out of the backward pass into a deferred pass of their own.
enum class OpRole : std::uint8_t {
  forward,          // a forward-pass op (the recomputed forward too)
  data_gradient,    // backward: gradients of activations (dgrad GEMMs, memory-bound backward ops)
  weight_gradient,  // backward: the GEMM producing dW (a batched GEMM's second-operand gradient)
  update,           // the optimizer step over the parameters
};

// C[m,n] = A[m,k] · B[k,n], `batch` independent products (grouped GEMM for MoE experts).
struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0;
  std::int64_t batch = 1;
};

struct AttentionShape {
  std::int64_t batch = 0;
  std::int64_t heads = 0;     // query heads on this rank
  std::int64_t kv_heads = 0;  // key/value heads on this rank
  std::int64_t seq_q = 0;
  std::int64_t seq_kv = 0;
  std::int64_t head_dim = 0;
  bool causal = true;
};

struct Op {
  std::string name;  // "qkv", "fc1", "attention", "layernorm", ...
  OpKind kind = OpKind::memory_bound;
  Pass pass = Pass::forward;
  OpRole role = OpRole::forward;
  Precision precision = Precision::bf16;
  double flops = 0;         // executed FLOPs (causal attention counts half the score matrix)
  double bytes = 0;         // HBM bytes read + written
  double output_bytes = 0;  // size of the op's output tensor
  double saved_bytes = 0;   // activation bytes kept for the backward pass
  GemmShape gemm{};
  AttentionShape attention{};
  int kernels = 1;  // kernel launches this op stands for
};

}  // namespace trainsim
