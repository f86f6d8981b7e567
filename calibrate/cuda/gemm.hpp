#pragma once
// cuBLASLt GEMMs as the microbenchmarks run them, in row-major terms:
//   D[m, n] = A[m, k] · B[k, n] (+ bias[n]),   `batch` independent products (strided)
// A is stored [m, k] row-major, or [k, m] when a_transposed; B [k, n], or [n, k] when
// b_transposed. The transformer layouts (m, n, k as executed, like gemm.jsonl):
//   fwd    Y[T, out]  = X[T, in]   · W[out, in]^T   b_transposed     cuBLAS "TN"
//   dgrad  dX[T, in]  = dY[T, out] · W[out, in]                      cuBLAS "NN"
//   wgrad  dW[out, in] = dY[T, out]^T · X[T, in]    a_transposed     cuBLAS "NT"
// fp8 (e4m3 inputs, bf16 output) runs only as "TN", which cuBLASLt requires for fp8.
#include <cstddef>
#include <cstdint>
#include <string>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include "calibrate/cuda/kernels.hpp"

namespace trainsim::calibrate::cuda {

enum class GemmType { bf16, fp16, tf32, fp32, fp8 };
const char* gemm_type_name(GemmType t);  // "bf16", "fp16", "tf32", "fp32", "fp8"
DType gemm_input_dtype(GemmType t);

struct GemmSpec {
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
  bool a_transposed = false;
  bool b_transposed = false;
  GemmType type = GemmType::bf16;
  bool out_fp32 = false;  // 16-bit inputs: fp32 output (gradient accumulation)
  bool bias = false;      // + bias[n] in the epilogue (16-bit output only)
};
DType gemm_output_dtype(const GemmSpec& spec);
std::string gemm_layout_name(const GemmSpec& spec);  // cuBLAS column-major ops, "TN", "NN", "NT"

// One cuBLASLt handle and a 32 MiB workspace (what PyTorch gives Hopper).
class LtContext {
 public:
  LtContext();
  ~LtContext();
  LtContext(const LtContext&) = delete;
  LtContext& operator=(const LtContext&) = delete;
  cublasLtHandle_t handle() const { return handle_; }
  void* workspace() const { return workspace_; }
  std::size_t workspace_bytes() const { return workspace_bytes_; }

 private:
  cublasLtHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = 32u << 20;
};

// The descriptors and the heuristic's first algorithm for one GemmSpec (as PyTorch picks it).
class LtGemm {
 public:
  LtGemm(const LtContext& context, const GemmSpec& spec);
  ~LtGemm();
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  // False when cuBLASLt has no algorithm for the spec on this GPU (e.g. fp8 before sm_89).
  bool supported() const { return supported_; }
  const GemmSpec& spec() const { return spec_; }
  void run(const void* a, const void* b, void* d, const void* bias, cudaStream_t stream) const;

  std::size_t a_elements() const;
  std::size_t b_elements() const;
  std::size_t d_elements() const;

 private:
  const LtContext& context_;
  GemmSpec spec_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, d_ = nullptr;  // cuBLAS's A, B, C=D
  cublasLtMatmulAlgo_t algo_{};
  bool supported_ = false;
};

// Small GEMMs of every type and layout (and a batched one, and the bias epilogue) against a CPU
// reference. Throws std::logic_error naming the case when one is off; returns a description of
// what passed.
std::string check_gemm_correctness(const LtContext& context, cudaStream_t stream, bool fp8);

}  // namespace trainsim::calibrate::cuda
