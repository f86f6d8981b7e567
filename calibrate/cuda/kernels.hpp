#pragma once
// The hand-written kernels of the microbenchmarks (kernels.cu), behind host launchers so that
// the C++20 host files need no CUDA compiler. Every launcher checks its launch
// (CALIBRATE_CUDA_CHECK) and is asynchronous on `stream`.
//
// Tensors are 16-bit bfloat16 ("bf16*" below, passed as void*) unless named otherwise, row-major
// [rows, cols]; element counts and `cols` must be multiples of 8 (the kernels move 16-byte
// vectors). Masks are one byte per element.
#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

namespace trainsim::calibrate::cuda {

enum class DType { f32, bf16, f16, f8e4m3 };
std::size_t dtype_bytes(DType t);
const char* dtype_name(DType t);  // "fp32", "bf16", "fp16", "fp8"

// Values in [-scale, scale), deterministic in (seed, index); never all zeros (tensor cores run
// faster on zeros).
void fill_random(void* data, DType type, std::size_t count, std::uint64_t seed, float scale,
                 cudaStream_t stream);
void fill_f32(float* data, std::size_t count, float value, cudaStream_t stream);
// Converts `count` elements of `type` to fp32 (for correctness checks on the host).
void convert_to_f32(const void* src, DType type, float* dst, std::size_t count,
                    cudaStream_t stream);

// ---- bandwidth ------------------------------------------------------------------------------
// 16-byte vector copy / read-only (XOR-reduced into *sink so that nothing is optimised away) /
// write-only; `bytes` a multiple of 16.
void copy_bytes(const void* src, void* dst, std::size_t bytes, cudaStream_t stream);
void read_bytes(const void* src, std::size_t bytes, unsigned* sink, cudaStream_t stream);
void write_bytes(void* dst, std::size_t bytes, unsigned value, cudaStream_t stream);
// An empty kernel, one block of 32 threads: the launch overhead.
void tiny_kernel(cudaStream_t stream);

// ---- transformer-layer kernels (bf16) ---------------------------------------------------------
// y = LayerNorm(x) * gamma + beta over each row; mean and rstd (fp32, one per row) saved.
void layernorm_fwd(const void* x, const void* gamma, const void* beta, void* y, float* mean,
                   float* rstd, std::size_t rows, std::size_t cols, cudaStream_t stream);
// dx from dy, x, gamma and the saved statistics (parameter gradients are not computed).
void layernorm_bwd(const void* dy, const void* x, const void* gamma, const float* mean,
                   const float* rstd, void* dx, std::size_t rows, std::size_t cols,
                   cudaStream_t stream);
// tanh-approximation GELU, optionally after adding a per-column bias (bias may be null).
void gelu_fwd(const void* x, const void* bias, void* y, std::size_t rows, std::size_t cols,
              cudaStream_t stream);
void gelu_bwd(const void* dy, const void* x, const void* bias, void* dx, std::size_t rows,
              std::size_t cols, cudaStream_t stream);
// y = x + bias (per column)
void bias_add(const void* x, const void* bias, void* y, std::size_t rows, std::size_t cols,
              cudaStream_t stream);
// db[c] = sum over rows of dy[r, c] (fp32 result; zeroes db first)
void bias_grad(const void* dy, float* db, std::size_t rows, std::size_t cols, cudaStream_t stream);
// fp32 → bf16 and back (autocast weight casts and their gradients)
void cast_f32_to_bf16(const float* src, void* dst, std::size_t count, cudaStream_t stream);
void cast_bf16_to_f32(const void* src, float* dst, std::size_t count, cudaStream_t stream);
// c = a + b
void add(const void* a, const void* b, void* c, std::size_t count, cudaStream_t stream);
// y = dropout(x) with keep probability 1 - p (scaled by 1/(1-p)); mask written
void dropout_fwd(const void* x, void* y, std::uint8_t* mask, std::size_t count, float p,
                 std::uint64_t seed, cudaStream_t stream);
void dropout_bwd(const void* dy, const std::uint8_t* mask, void* dx, std::size_t count, float p,
                 cudaStream_t stream);
// y = residual + dropout(x + bias) (Megatron's fused bias-dropout-add); bias per column
void bias_dropout_add_fwd(const void* x, const void* bias, const void* residual, void* y,
                          std::uint8_t* mask, std::size_t rows, std::size_t cols, float p,
                          std::uint64_t seed, cudaStream_t stream);
// dx = dropout_bwd(dy), d_residual = dy
void bias_dropout_add_bwd(const void* dy, const std::uint8_t* mask, void* dx, void* d_residual,
                          std::size_t count, float p, cudaStream_t stream);
// Row softmax of x * scale; with `causal_seq` > 0, row r masks columns > r % causal_seq (the
// query position of the row in [batch·heads, seq_q, seq_kv] scores).
void softmax_fwd(const void* x, void* y, std::size_t rows, std::size_t cols, float scale,
                 std::size_t causal_seq, cudaStream_t stream);
// dx = scale * y * (dy - sum(y * dy))
void softmax_bwd(const void* y, const void* dy, void* dx, std::size_t rows, std::size_t cols,
                 float scale, cudaStream_t stream);

}  // namespace trainsim::calibrate::cuda
