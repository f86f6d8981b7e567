// `trainsim-calibrate run --mpi`: NCCL collectives across nodes, one MPI process per GPU
// (mpirun -np <GPUs> --map-by ppr:<GPUs per node>:node trainsim-calibrate run --mpi -o DIR).
// Rank 0 runs the single-GPU benchmarks on its GPU while the others wait; then every process
// joins one NCCL communicator (ncclCommInitRank, the unique id broadcast over MPI) and times the
// same sweep as the one-process version: per repeat, every rank times its own stream with CUDA
// events after a barrier, and the figure is the slowest rank's (MPI_Allreduce MAX), the median
// over repeats. Rank 0 writes nccl.jsonl with the ranks and nodes of the run.
#include "calibrate/cuda/run.hpp"

#ifdef TRAINSIM_CALIBRATE_HAVE_MPI

#include <mpi.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calibrate/cuda/benches.hpp"
#include "calibrate/cuda/nccl_ops.hpp"

#define CALIBRATE_MPI_CHECK(call)                                                                \
  do {                                                                                           \
    const int mpi_status_ = (call);                                                              \
    if (mpi_status_ != MPI_SUCCESS)                                                              \
      throw std::runtime_error(fmt::format("{} failed at {}:{} (MPI error {})", #call, __FILE__, \
                                           __LINE__, mpi_status_));                              \
  } while (0)

namespace trainsim::calibrate::cuda {
namespace {

// MPI_Init / MPI_Finalize around the run, even when it throws.
class MpiSession {
 public:
  MpiSession() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) CALIBRATE_MPI_CHECK(MPI_Init(nullptr, nullptr));
    CALIBRATE_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
    CALIBRATE_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
    // Ranks that share a node: the local rank picks the GPU, local rank 0 counts the node.
    CALIBRATE_MPI_CHECK(
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local_));
    CALIBRATE_MPI_CHECK(MPI_Comm_rank(local_, &local_rank_));
    CALIBRATE_MPI_CHECK(MPI_Comm_size(local_, &local_size_));
    int heads = local_rank_ == 0 ? 1 : 0;
    CALIBRATE_MPI_CHECK(MPI_Allreduce(&heads, &nodes_, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
  }
  ~MpiSession() {
    MPI_Comm_free(&local_);
    MPI_Finalize();
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  int nodes() const { return nodes_; }

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1, nodes_ = 1;
  MPI_Comm local_ = MPI_COMM_NULL;
};

class NcclRank {
 public:
  NcclRank(const MpiSession& mpi, std::size_t buffer_bytes)
      : send_(buffer_bytes), recv_(buffer_bytes) {
    ncclUniqueId id{};
    if (mpi.rank() == 0) CALIBRATE_NCCL_CHECK(ncclGetUniqueId(&id));
    CALIBRATE_MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD));
    CALIBRATE_NCCL_CHECK(ncclCommInitRank(&comm_, mpi.size(), id, mpi.rank()));
    CALIBRATE_CUDA_CHECK(cudaEventCreate(&start_));
    CALIBRATE_CUDA_CHECK(cudaEventCreate(&stop_));
    fill_random(send_.get(), DType::f32, buffer_bytes / 4, 50 + static_cast<unsigned>(mpi.rank()),
                1.0f, stream_.get());
    CALIBRATE_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  }
  ~NcclRank() {
    if (start_) cudaEventDestroy(start_);
    if (stop_) cudaEventDestroy(stop_);
    if (comm_) ncclCommDestroy(comm_);
  }
  NcclRank(const NcclRank&) = delete;
  NcclRank& operator=(const NcclRank&) = delete;

  void launch(NcclOp op, int rank, int n, std::size_t bytes) {
    enqueue_nccl_op(op, rank, n, comm_, stream_.get(), send_.as<float>(), recv_.as<float>(), bytes);
  }
  void sync() { CALIBRATE_CUDA_CHECK(cudaStreamSynchronize(stream_.get())); }

  // This rank's seconds for one collective, between CUDA events on its stream.
  double time_once(NcclOp op, int rank, int n, std::size_t bytes) {
    CALIBRATE_CUDA_CHECK(cudaEventRecord(start_, stream_.get()));
    launch(op, rank, n, bytes);
    CALIBRATE_CUDA_CHECK(cudaEventRecord(stop_, stream_.get()));
    CALIBRATE_CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0;
    CALIBRATE_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return static_cast<double>(ms) * 1e-3;
  }

  DeviceBuffer& send() { return send_; }
  DeviceBuffer& recv() { return recv_; }
  cudaStream_t stream() const { return stream_.get(); }

 private:
  Stream stream_;
  DeviceBuffer send_, recv_;
  ncclComm_t comm_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

double slowest_rank(double seconds) {
  double slowest = 0;
  CALIBRATE_MPI_CHECK(MPI_Allreduce(&seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
  return slowest;
}

// all_reduce of (rank + 1) everywhere must give n(n+1)/2 everywhere, on every rank.
std::string check_all_reduce(NcclRank& nccl, int rank, int n) {
  const std::size_t count = 4096;
  fill_f32(nccl.send().as<float>(), count, static_cast<float>(rank + 1), nccl.stream());
  nccl.launch(NcclOp::all_reduce, rank, n, count * 4);
  nccl.sync();
  std::vector<float> host(count);
  CALIBRATE_CUDA_CHECK(
      cudaMemcpy(host.data(), nccl.recv().get(), count * 4, cudaMemcpyDeviceToHost));
  const float expected = static_cast<float>(n) * (n + 1) / 2;
  int bad = 0;
  for (const float v : host) bad += v != expected ? 1 : 0;
  int bad_anywhere = 0;
  CALIBRATE_MPI_CHECK(MPI_Allreduce(&bad, &bad_anywhere, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
  if (bad_anywhere > 0)
    throw std::logic_error(fmt::format(
        "NCCL all_reduce correctness check failed: {} elements differ from {} across {} ranks",
        bad_anywhere, expected, n));
  return fmt::format("all_reduce of rank+1 over {} ranks = {} on every element", n, expected);
}

}  // namespace

bool built_with_mpi() {
  return true;
}

bool run_microbenchmarks_mpi(const RunOptions& options) {
  MpiSession mpi;
  std::string why;
  const int visible = visible_device_count(why);
  if (visible <= 0) throw std::runtime_error("no CUDA GPU found (" + why + ")");
  const int device = mpi.local_rank() % visible;
  CALIBRATE_CUDA_CHECK(cudaSetDevice(device));
  if (mpi.rank() == 0)
    progress(
        fmt::format("mpi: {} ranks on {} node(s), {} per node; rank 0 runs the single-GPU "
                    "benchmarks first",
                    mpi.size(), mpi.nodes(), mpi.local_size()));

  // The single-GPU part on rank 0 only (its NCCL sweep would cover this node alone).
  int failed = 0;
  std::string failure;
  if (mpi.rank() == 0) {
    RunOptions single = options;
    single.device = device;
    single.nccl = false;
    try {
      run_microbenchmarks(single);
    } catch (const std::exception& e) {
      failed = 1;
      failure = e.what();
    }
  }
  CALIBRATE_MPI_CHECK(MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD));
  if (failed) {
    if (mpi.rank() == 0) throw std::runtime_error(failure);
    return false;
  }
  if (!options.nccl || mpi.size() < 2) return mpi.rank() == 0;

  BenchConfig config;
  config.quick = options.quick;
  config.warmup = options.quick ? 3 : 5;
  config.repeats = options.quick ? 10 : 20;
  config.device = device;
  const std::vector<std::size_t> sizes = nccl_sweep_sizes(config.quick);
  const int n = mpi.size();
  NcclRank nccl(mpi, sizes.back());
  const std::string check = check_all_reduce(nccl, mpi.rank(), n);

  std::unique_ptr<JsonlWriter> out;
  if (mpi.rank() == 0) {
    out = std::make_unique<JsonlWriter>(options.out_dir / "nccl.jsonl");
    progress("nccl (mpi): " + check);
  }
  for (const NcclOp op : kNcclOps) {
    for (const std::size_t requested : sizes) {
      const std::size_t bytes = nccl_op_bytes(op, requested, n);
      if (bytes == 0) continue;
      for (int i = 0; i < config.warmup; ++i) nccl.launch(op, mpi.rank(), n, bytes);
      nccl.sync();
      std::vector<double> seconds;
      for (int i = 0; i < config.repeats; ++i) {
        CALIBRATE_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        seconds.push_back(slowest_rank(nccl.time_once(op, mpi.rank(), n, bytes)));
      }
      if (!out) continue;
      const Timing t = summarize(seconds);
      const Json row = nccl_row(op, n, mpi.nodes(), bytes, t);
      out->write(row);
      progress(fmt::format("nccl (mpi) {} {} B: {:.1f} us, busbw {:.1f} GB/s", name_of(op), bytes,
                           t.s_med * 1e6, row["busbw_GBps"].get<double>()));
    }
  }
  return mpi.rank() == 0;
}

}  // namespace trainsim::calibrate::cuda

#else

#include <stdexcept>

namespace trainsim::calibrate::cuda {

bool built_with_mpi() {
  return false;
}

bool run_microbenchmarks_mpi(const RunOptions&) {
  throw std::invalid_argument(
      "--mpi: this trainsim-calibrate was built without MPI (install an MPI such as "
      "libopenmpi-dev, with NCCL, and rebuild)");
}

}  // namespace trainsim::calibrate::cuda

#endif
