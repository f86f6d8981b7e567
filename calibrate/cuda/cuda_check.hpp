#pragma once
// Error checks for every CUDA runtime, cuBLASLt and NCCL call of the microbenchmarks: a failing
// call throws CudaError naming the call, file:line and the library's error string.
// Used from .cu (nvcc, C++17) and .cpp (host compiler) files alike.
#include <stdexcept>
#include <string>

#include <cuda_runtime_api.h>

namespace trainsim::calibrate::cuda {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void throw_cuda_error(const char* library, const char* call, const char* file,
                                          int line, const std::string& what) {
  throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + library + " call " +
                  call + " failed: " + what);
}

}  // namespace trainsim::calibrate::cuda

#define CALIBRATE_CUDA_CHECK(call)                                  \
  do {                                                              \
    const cudaError_t calibrate_status_ = (call);                   \
    if (calibrate_status_ != cudaSuccess)                           \
      ::trainsim::calibrate::cuda::throw_cuda_error(                \
          "CUDA", #call, __FILE__, __LINE__,                        \
          std::string(cudaGetErrorName(calibrate_status_)) + " (" + \
              cudaGetErrorString(calibrate_status_) + ")");         \
  } while (0)

// After a kernel launch: launch-configuration errors and earlier asynchronous faults.
// `name` is a string literal naming the kernel.
#define CALIBRATE_CUDA_CHECK_LAUNCH(name)                               \
  do {                                                                  \
    const cudaError_t calibrate_status_ = cudaGetLastError();           \
    if (calibrate_status_ != cudaSuccess)                               \
      ::trainsim::calibrate::cuda::throw_cuda_error(                    \
          "CUDA", "<<<" name ">>> (kernel launch)", __FILE__, __LINE__, \
          std::string(cudaGetErrorName(calibrate_status_)) + " (" +     \
              cudaGetErrorString(calibrate_status_) + ")");             \
  } while (0)

// cublasLt.h must be included before use.
#define CALIBRATE_CUBLAS_CHECK(call)                                     \
  do {                                                                   \
    const cublasStatus_t calibrate_status_ = (call);                     \
    if (calibrate_status_ != CUBLAS_STATUS_SUCCESS)                      \
      ::trainsim::calibrate::cuda::throw_cuda_error(                     \
          "cuBLASLt", #call, __FILE__, __LINE__,                         \
          std::string(cublasLtGetStatusName(calibrate_status_)) + " (" + \
              cublasLtGetStatusString(calibrate_status_) + ")");         \
  } while (0)

// nccl.h must be included before use.
#define CALIBRATE_NCCL_CHECK(call)                                                          \
  do {                                                                                      \
    const ncclResult_t calibrate_status_ = (call);                                          \
    if (calibrate_status_ != ncclSuccess)                                                   \
      ::trainsim::calibrate::cuda::throw_cuda_error("NCCL", #call, __FILE__, __LINE__,      \
                                                    ncclGetErrorString(calibrate_status_)); \
  } while (0)
