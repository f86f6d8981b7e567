#pragma once
// `trainsim-calibrate run`: the CUDA microbenchmarks (this header is plain C++; the CUDA code is
// in this directory's .cu/.cpp files, built only where CMake finds a CUDA compiler, see
// calibrate/CMakeLists.txt).
//
// Writes into `out_dir`, one JSON object per line, in the formats the importers read:
//   env.jsonl     GPU name, SMs, memory, compute capability, CUDA runtime/driver, cuBLASLt and
//                 NCCL versions, device count, the correctness checks that passed
//   gemm.jsonl    cuBLASLt GEMMs over transformer layer shapes, fwd/dgrad/wgrad layouts, in
//                 bf16, fp16, tf32 (and fp8 on sm_89+), plus square GEMMs      (fit: GEMM tables)
//   copy.jsonl    d2d_copy / d2d_read / d2d_write over sizes, pinned h2d/d2h, launch_100_tiny
//   norm.jsonl    layernorm_fwd, gelu_fwd, softmax_fwd bandwidth               (validation)
//   nccl.jsonl    all_reduce, all_gather, reduce_scatter, all_to_all, send_recv over sizes on
//                 every visible GPU (one process, ncclCommInitAll); absent with one GPU
//   check.jsonl   cases `check` compares against (never fitted): GEMM shapes outside the fit
//                 sweep and one transformer layer forward/backward, fused and unfused
// Every time is the median of repeats after warm-up, each repeat timed by CUDA events.
#include <filesystem>
#include <string>

namespace trainsim::calibrate::cuda {

struct RunOptions {
  std::filesystem::path out_dir = "calibration";
  bool quick = false;  // fewer shapes, sizes and repeats (about a minute on an H100)
  int device = 0;      // the GPU the single-GPU benchmarks run on
  bool nccl = true;    // run the NCCL part when there are two or more GPUs
  bool layer = true;   // time the transformer layers of check.jsonl
};

// Visible CUDA devices; 0 when there is none or the driver cannot be used, with the reason in
// `why` ("no device", or the CUDA error string).
int visible_device_count(std::string& why);

// Runs everything and writes the files above; progress on stderr. Throws std::runtime_error
// (CUDA/cuBLAS/NCCL failures name the call, file:line and the error string) and
// std::logic_error when a correctness check fails.
void run_microbenchmarks(const RunOptions& options);

// Whether this build has the MPI path (CMake found MPI and NCCL).
bool built_with_mpi();

// The same under mpirun, one process per GPU across nodes (bench_nccl_mpi.cpp): rank 0 runs
// run_microbenchmarks on its GPU without NCCL, then all ranks time the NCCL sweep on one
// communicator and rank 0 writes nccl.jsonl. Initializes and finalizes MPI. Returns true on rank 0.
// Throws std::invalid_argument when built without MPI.
bool run_microbenchmarks_mpi(const RunOptions& options);

}  // namespace trainsim::calibrate::cuda
