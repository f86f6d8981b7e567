#include "calibrate/cuda/gemm.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "calibrate/cuda/bench_util.hpp"
#include "calibrate/cuda/cuda_check.hpp"

namespace trainsim::calibrate::cuda {

namespace {

cudaDataType_t cuda_type(DType t) {
  switch (t) {
    case DType::f32:
      return CUDA_R_32F;
    case DType::bf16:
      return CUDA_R_16BF;
    case DType::f16:
      return CUDA_R_16F;
    case DType::f8e4m3:
      return CUDA_R_8F_E4M3;
  }
  return CUDA_R_32F;
}

cublasComputeType_t compute_type(GemmType t) {
  return t == GemmType::tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
}

// A column-major layout, batched when batch > 1.
cublasLtMatrixLayout_t make_layout(DType type, std::uint64_t rows, std::uint64_t cols,
                                   std::int64_t ld, std::int64_t batch, std::int64_t stride) {
  cublasLtMatrixLayout_t layout = nullptr;
  CALIBRATE_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&layout, cuda_type(type), rows, cols, ld));
  if (batch > 1) {
    const auto count = static_cast<std::int32_t>(batch);
    CALIBRATE_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
        layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)));
    CALIBRATE_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
        layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  }
  return layout;
}

}  // namespace

const char* gemm_type_name(GemmType t) {
  switch (t) {
    case GemmType::bf16:
      return "bf16";
    case GemmType::fp16:
      return "fp16";
    case GemmType::tf32:
      return "tf32";
    case GemmType::fp32:
      return "fp32";
    case GemmType::fp8:
      return "fp8";
  }
  return "?";
}

DType gemm_input_dtype(GemmType t) {
  switch (t) {
    case GemmType::bf16:
      return DType::bf16;
    case GemmType::fp16:
      return DType::f16;
    case GemmType::tf32:
    case GemmType::fp32:
      return DType::f32;
    case GemmType::fp8:
      return DType::f8e4m3;
  }
  return DType::f32;
}

DType gemm_output_dtype(const GemmSpec& spec) {
  switch (spec.type) {
    case GemmType::bf16:
      return spec.out_fp32 ? DType::f32 : DType::bf16;
    case GemmType::fp16:
      return spec.out_fp32 ? DType::f32 : DType::f16;
    case GemmType::tf32:
    case GemmType::fp32:
      return DType::f32;
    case GemmType::fp8:
      return DType::bf16;
  }
  return DType::f32;
}

std::string gemm_layout_name(const GemmSpec& spec) {
  return std::string(spec.b_transposed ? "T" : "N") + (spec.a_transposed ? "T" : "N");
}

LtContext::LtContext() {
  CALIBRATE_CUBLAS_CHECK(cublasLtCreate(&handle_));
  CALIBRATE_CUDA_CHECK(cudaMalloc(&workspace_, workspace_bytes_));
}

LtContext::~LtContext() {
  if (workspace_) cudaFree(workspace_);
  if (handle_) cublasLtDestroy(handle_);
}

LtGemm::LtGemm(const LtContext& context, const GemmSpec& spec) : context_(context), spec_(spec) {
  if (spec.m <= 0 || spec.n <= 0 || spec.k <= 0 || spec.batch <= 0)
    throw std::invalid_argument("LtGemm: empty shape");
  const DType in = gemm_input_dtype(spec.type), out = gemm_output_dtype(spec);
  // Row-major D[m,n] = A[m,k] B[k,n] is column-major D^T[n,m] = B^T[n,k] A^T[k,m]: cuBLAS's A
  // is our B and cuBLAS's B is our A.
  const cublasOperation_t op_a = spec.b_transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = spec.a_transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const auto m = static_cast<std::uint64_t>(spec.m), n = static_cast<std::uint64_t>(spec.n),
             k = static_cast<std::uint64_t>(spec.k);
  // cuBLAS A: op(A) is [n, k]; stored [n, k] col-major (ld n) when N, [k, n] (ld k) when T.
  a_ = spec.b_transposed ? make_layout(in, k, n, spec.k, spec.batch, spec.k * spec.n)
                         : make_layout(in, n, k, spec.n, spec.batch, spec.k * spec.n);
  // cuBLAS B: op(B) is [k, m]; stored [k, m] (ld k) when N, [m, k] (ld m) when T.
  b_ = spec.a_transposed ? make_layout(in, m, k, spec.m, spec.batch, spec.m * spec.k)
                         : make_layout(in, k, m, spec.k, spec.batch, spec.m * spec.k);
  d_ = make_layout(out, n, m, spec.n, spec.batch, spec.m * spec.n);

  CALIBRATE_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op_, compute_type(spec.type), CUDA_R_32F));
  CALIBRATE_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &op_a, sizeof(op_a)));
  CALIBRATE_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &op_b, sizeof(op_b)));
  if (spec.type == GemmType::fp8) {
    const std::int8_t fast = 1;  // Transformer Engine's forward GEMMs accumulate fast
    CALIBRATE_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_FAST_ACCUM, &fast, sizeof(fast)));
  }
  if (spec.bias) {
    const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    CALIBRATE_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                          &epilogue, sizeof(epilogue)));
  }

  cublasLtMatmulPreference_t preference = nullptr;
  CALIBRATE_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&preference));
  const std::size_t workspace = context.workspace_bytes();
  CALIBRATE_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof(workspace)));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(context.handle(), op_, a_, b_, d_,
                                                               d_, preference, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(preference);
  if (status == CUBLAS_STATUS_SUCCESS && found > 0) {
    algo_ = result.algo;
    supported_ = true;
  } else if (status != CUBLAS_STATUS_NOT_SUPPORTED && status != CUBLAS_STATUS_SUCCESS) {
    CALIBRATE_CUBLAS_CHECK(status);
  }
}

LtGemm::~LtGemm() {
  if (d_) cublasLtMatrixLayoutDestroy(d_);
  if (b_) cublasLtMatrixLayoutDestroy(b_);
  if (a_) cublasLtMatrixLayoutDestroy(a_);
  if (op_) cublasLtMatmulDescDestroy(op_);
}

std::size_t LtGemm::a_elements() const {
  return static_cast<std::size_t>(spec_.batch * spec_.m * spec_.k);
}
std::size_t LtGemm::b_elements() const {
  return static_cast<std::size_t>(spec_.batch * spec_.k * spec_.n);
}
std::size_t LtGemm::d_elements() const {
  return static_cast<std::size_t>(spec_.batch * spec_.m * spec_.n);
}

void LtGemm::run(const void* a, const void* b, void* d, const void* bias,
                 cudaStream_t stream) const {
  if (!supported_) throw std::logic_error("LtGemm::run on an unsupported GEMM");
  if (spec_.bias)
    CALIBRATE_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                          &bias, sizeof(bias)));
  const float alpha = 1.0f, beta = 0.0f;
  CALIBRATE_CUBLAS_CHECK(cublasLtMatmul(context_.handle(), op_, &alpha, b, a_, a, b_, &beta, d, d_,
                                        d, d_, &algo_, context_.workspace(),
                                        context_.workspace_bytes(), stream));
}

namespace {

std::vector<float> to_host_f32(const void* device, DType type, std::size_t count,
                               cudaStream_t stream) {
  DeviceBuffer f32(count * sizeof(float));
  convert_to_f32(device, type, f32.as<float>(), count, stream);
  std::vector<float> host(count);
  CALIBRATE_CUDA_CHECK(cudaMemcpyAsync(host.data(), f32.get(), count * sizeof(float),
                                       cudaMemcpyDeviceToHost, stream));
  CALIBRATE_CUDA_CHECK(cudaStreamSynchronize(stream));
  return host;
}

// Runs one small GEMM and compares it element by element with a double-precision reference
// computed from the very input values the GPU saw (converted back to fp32).
void check_one(const LtContext& context, cudaStream_t stream, const GemmSpec& spec,
               std::vector<std::string>& passed) {
  const std::string name =
      fmt::format("{} {} {}x{}x{}{}{}{}", gemm_type_name(spec.type), gemm_layout_name(spec), spec.m,
                  spec.n, spec.k, spec.batch > 1 ? fmt::format(" batch {}", spec.batch) : "",
                  spec.bias ? " +bias" : "", spec.out_fp32 ? " fp32-out" : "");
  LtGemm gemm(context, spec);
  if (!gemm.supported()) throw std::logic_error("cuBLASLt has no algorithm for check " + name);
  const DType in = gemm_input_dtype(spec.type), out = gemm_output_dtype(spec);
  DeviceBuffer a(gemm.a_elements() * dtype_bytes(in)), b(gemm.b_elements() * dtype_bytes(in)),
      d(gemm.d_elements() * dtype_bytes(out)), bias(static_cast<std::size_t>(spec.n) * 4);
  fill_random(a.get(), in, gemm.a_elements(), 11, 1.0f, stream);
  fill_random(b.get(), in, gemm.b_elements(), 12, 1.0f, stream);
  if (spec.bias) fill_random(bias.get(), out, static_cast<std::size_t>(spec.n), 13, 1.0f, stream);
  gemm.run(a.get(), b.get(), d.get(), spec.bias ? bias.get() : nullptr, stream);
  const auto ha = to_host_f32(a.get(), in, gemm.a_elements(), stream);
  const auto hb = to_host_f32(b.get(), in, gemm.b_elements(), stream);
  const auto hd = to_host_f32(d.get(), out, gemm.d_elements(), stream);
  const auto hbias = spec.bias
                         ? to_host_f32(bias.get(), out, static_cast<std::size_t>(spec.n), stream)
                         : std::vector<float>{};
  // Tolerance relative to sum |a||b| (the scale of the rounding errors): output rounding and
  // reduced-precision inputs/accumulation.
  double tol = 1e-2;
  switch (spec.type) {
    case GemmType::fp32:
      tol = 1e-5;
      break;
    case GemmType::tf32:
      tol = 4e-3;
      break;
    case GemmType::fp16:
      tol = 4e-3;
      break;
    case GemmType::bf16:
    case GemmType::fp8:
      tol = spec.out_fp32 ? 1e-3 : 1e-2;
      break;
  }
  const std::int64_t m = spec.m, n = spec.n, k = spec.k;
  double worst = 0;
  for (std::int64_t p = 0; p < spec.batch; ++p) {
    const float* pa = ha.data() + p * m * k;
    const float* pb = hb.data() + p * k * n;
    const float* pd = hd.data() + p * m * n;
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double ref = spec.bias ? hbias[static_cast<std::size_t>(j)] : 0.0, scale = 0;
        for (std::int64_t l = 0; l < k; ++l) {
          const double av = spec.a_transposed ? pa[l * m + i] : pa[i * k + l];
          const double bv = spec.b_transposed ? pb[j * k + l] : pb[l * n + j];
          ref += av * bv;
          scale += std::fabs(av * bv);
        }
        const double err = std::fabs(pd[i * n + j] - ref) / (scale + 1e-6);
        worst = std::max(worst, err);
        if (!(err <= tol))
          throw std::logic_error(fmt::format(
              "GEMM correctness check failed: {} at batch {} row {} col {}: GPU {} vs CPU {} "
              "(error {:.3g} of sum|a*b|, tolerance {:.3g})",
              name, p, i, j, pd[i * n + j], ref, err, tol));
      }
  }
  passed.push_back(fmt::format("{} (max error {:.2g} of sum|a*b|)", name, worst));
}

}  // namespace

std::string check_gemm_correctness(const LtContext& context, cudaStream_t stream, bool fp8) {
  std::vector<std::string> passed;
  const std::int64_t m = 96, n = 80, k = 128;  // multiples of 16 (fp8)
  for (const GemmType type :
       {GemmType::bf16, GemmType::fp16, GemmType::tf32, GemmType::fp32, GemmType::fp8}) {
    if (type == GemmType::fp8) {
      if (fp8) check_one(context, stream, {m, n, k, 1, false, true, type, false, false}, passed);
      continue;
    }
    check_one(context, stream, {m, n, k, 1, false, true, type, false, false}, passed);   // fwd
    check_one(context, stream, {m, n, k, 1, false, false, type, false, false}, passed);  // dgrad
    check_one(context, stream, {m, n, k, 1, true, false, type, false, false}, passed);   // wgrad
  }
  check_one(context, stream, {m, n, k, 1, true, false, GemmType::bf16, true, false}, passed);
  check_one(context, stream, {m, n, k, 3, false, true, GemmType::bf16, false, false}, passed);
  check_one(context, stream, {m, n, k, 1, false, true, GemmType::bf16, false, true}, passed);
  std::string out;
  for (const auto& p : passed) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace trainsim::calibrate::cuda
