#pragma once
// The benchmark groups `trainsim-calibrate run` runs (run.cpp), one file each.
#include "calibrate/cuda/bench_util.hpp"
#include "calibrate/cuda/gemm.hpp"

namespace trainsim::calibrate::cuda {

// gemm.jsonl: transformer layer shapes (fwd/dgrad/wgrad) and squares, per GEMM type.
// check.jsonl: "kind": "gemm" rows for shapes outside that sweep.
void bench_gemm(const BenchConfig& config, const LtContext& lt, cudaStream_t stream,
                JsonlWriter& gemm, JsonlWriter& check);

// copy.jsonl: d2d_copy / d2d_read / d2d_write by size, h2d/d2h pinned, launch_100_tiny.
// norm.jsonl: layernorm_fwd, gelu_fwd, softmax_fwd by hidden size and tokens.
void bench_memory(const BenchConfig& config, cudaStream_t stream, JsonlWriter& copy,
                  JsonlWriter& norm);

// check.jsonl: "kind": "layer" rows (forward and backward of one GPT-style layer, fused and
// unfused, materialized attention).
void bench_layers(const BenchConfig& config, const LtContext& lt, cudaStream_t stream,
                  JsonlWriter& check);

// nccl.jsonl over every visible GPU. Returns a JSON object for env.jsonl (NCCL version, ranks,
// correctness check, or why it was skipped).
Json bench_nccl(const BenchConfig& config, int device_count, JsonlWriter* nccl);

}  // namespace trainsim::calibrate::cuda
