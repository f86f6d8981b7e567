#pragma once
// Save-list activation checkpointing of a dense transformer layer: the framework keeps the
// outputs a policy names (besides the layer input) and the backward recomputes what it reads
// that was not kept. TorchTitan's per-op selective checkpointing and MaxText's remat policies
// are such lists; Megatron's "selective" (the attention core only) and "full" are not, and keep
// their own paths. Which policy keeps what, with its source, is in sim/parallel/save_lists.cpp;
// here is what a list implies for the work a backward pass repeats.
#include "models/op.hpp"

namespace trainsim {

struct SaveList {
  double qkv_share = 0;             // of the QKV projection's output width (h + 2·kv)
  bool attention = false;           // attention's output and log-sum-exp (flash's residuals)
  bool attn_proj = false;           // the attention projection's [tokens, h] partial sum
  double fc1_share = 0;             // of FC1's output width (gate and up halves under SwiGLU)
  bool fc2 = false;                 // FC2's [tokens, h] partial sum
  bool sp_reduce_scatters = false;  // under sequence parallelism, the reduce-scatter outputs
};

// The share of `op`'s forward work a backward pass repeats under `saved`: every elementwise op
// (norms, rotary, activation: their outputs are never listed); attention unless its residuals are
// kept; the unsaved share of the QKV and FC1 projections; the attention projection unless kept
// (its sum is the MLP norm's input, which the norm's backward reads). FC2 is never repeated:
// its output feeds only the residual add, whose backward reads nothing.
double recomputed_share(const Op& op, const SaveList& saved);

}  // namespace trainsim
