// NCCL collectives over every visible GPU of this machine, one process and one thread
// (ncclCommInitAll, group calls), sizes and bandwidths as nccl-tests counts them so that
// nccl.jsonl and nccl-tests logs go through the same fit (calibrate/fit/nccl_fit.hpp).
// Each figure: median over repeats of the slowest rank's CUDA-event time.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calibrate/cuda/benches.hpp"

#ifdef TRAINSIM_CALIBRATE_HAVE_NCCL
#include "calibrate/cuda/nccl_ops.hpp"
#endif

namespace trainsim::calibrate::cuda {

#ifndef TRAINSIM_CALIBRATE_HAVE_NCCL

Json bench_nccl(const BenchConfig&, int device_count, JsonlWriter*) {
  progress("nccl: built without NCCL: collectives skipped");
  return Json{{"skipped", "built without NCCL"}, {"devices", device_count}};
}

#else

namespace {

struct Rank {
  int device = 0;
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  DeviceBuffer send, recv;
};

class Ranks {
 public:
  Ranks(int n, std::size_t buffer_bytes) : ranks_(static_cast<std::size_t>(n)) {
    std::vector<int> devices(static_cast<std::size_t>(n));
    std::iota(devices.begin(), devices.end(), 0);
    std::vector<ncclComm_t> comms(static_cast<std::size_t>(n));
    CALIBRATE_NCCL_CHECK(ncclCommInitAll(comms.data(), n, devices.data()));
    for (int i = 0; i < n; ++i) {
      Rank& r = ranks_[static_cast<std::size_t>(i)];
      r.device = i;
      r.comm = comms[static_cast<std::size_t>(i)];
      CALIBRATE_CUDA_CHECK(cudaSetDevice(i));
      CALIBRATE_CUDA_CHECK(cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking));
      CALIBRATE_CUDA_CHECK(cudaEventCreate(&r.start));
      CALIBRATE_CUDA_CHECK(cudaEventCreate(&r.stop));
      r.send = DeviceBuffer(buffer_bytes);
      r.recv = DeviceBuffer(buffer_bytes);
      fill_random(r.send.get(), DType::f32, buffer_bytes / 4, 50 + static_cast<unsigned>(i), 1.0f,
                  r.stream);
    }
    sync();
  }

  ~Ranks() {
    for (Rank& r : ranks_) {
      cudaSetDevice(r.device);
      r.send = DeviceBuffer();
      r.recv = DeviceBuffer();
      if (r.start) cudaEventDestroy(r.start);
      if (r.stop) cudaEventDestroy(r.stop);
      if (r.stream) cudaStreamDestroy(r.stream);
      if (r.comm) ncclCommDestroy(r.comm);
    }
  }

  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  int size() const { return static_cast<int>(ranks_.size()); }
  Rank& operator[](int i) { return ranks_[static_cast<std::size_t>(i)]; }

  void sync() {
    for (Rank& r : ranks_) {
      CALIBRATE_CUDA_CHECK(cudaSetDevice(r.device));
      CALIBRATE_CUDA_CHECK(cudaStreamSynchronize(r.stream));
    }
  }

  // One collective on every rank (one NCCL group). `bytes` as nccl-tests' size column.
  void launch(NcclOp op, std::size_t bytes) {
    const int n = size();
    CALIBRATE_NCCL_CHECK(ncclGroupStart());
    for (int i = 0; i < n; ++i) {
      Rank& r = (*this)[i];
      enqueue_nccl_op(op, i, n, r.comm, r.stream, r.send.as<float>(), r.recv.as<float>(), bytes);
    }
    CALIBRATE_NCCL_CHECK(ncclGroupEnd());
  }

  // Seconds of the slowest rank for one collective, CUDA events on every rank's stream.
  double time_once(NcclOp op, std::size_t bytes) {
    for (Rank& r : ranks_) {
      CALIBRATE_CUDA_CHECK(cudaSetDevice(r.device));
      CALIBRATE_CUDA_CHECK(cudaEventRecord(r.start, r.stream));
    }
    launch(op, bytes);
    for (Rank& r : ranks_) {
      CALIBRATE_CUDA_CHECK(cudaSetDevice(r.device));
      CALIBRATE_CUDA_CHECK(cudaEventRecord(r.stop, r.stream));
    }
    double slowest = 0;
    for (Rank& r : ranks_) {
      CALIBRATE_CUDA_CHECK(cudaSetDevice(r.device));
      CALIBRATE_CUDA_CHECK(cudaEventSynchronize(r.stop));
      float ms = 0;
      CALIBRATE_CUDA_CHECK(cudaEventElapsedTime(&ms, r.start, r.stop));
      slowest = std::max(slowest, static_cast<double>(ms) * 1e-3);
    }
    return slowest;
  }

 private:
  std::vector<Rank> ranks_;
};

// all_reduce of (rank + 1) everywhere must give n(n+1)/2 everywhere.
std::string check_all_reduce(Ranks& ranks) {
  const int n = ranks.size();
  const std::size_t count = 4096;
  for (int i = 0; i < n; ++i) {
    CALIBRATE_CUDA_CHECK(cudaSetDevice(ranks[i].device));
    fill_f32(ranks[i].send.as<float>(), count, static_cast<float>(i + 1), ranks[i].stream);
  }
  ranks.launch(NcclOp::all_reduce, count * 4);
  ranks.sync();
  const float expected = static_cast<float>(n) * (n + 1) / 2;
  for (int i = 0; i < n; ++i) {
    std::vector<float> host(count);
    CALIBRATE_CUDA_CHECK(cudaSetDevice(ranks[i].device));
    CALIBRATE_CUDA_CHECK(
        cudaMemcpy(host.data(), ranks[i].recv.get(), count * 4, cudaMemcpyDeviceToHost));
    for (std::size_t j = 0; j < count; ++j)
      if (host[j] != expected)
        throw std::logic_error(fmt::format(
            "NCCL all_reduce correctness check failed: rank {} element {} is {}, expected {}", i, j,
            host[j], expected));
  }
  return fmt::format("all_reduce of rank+1 over {} ranks = {} on every element", n, expected);
}

}  // namespace

Json bench_nccl(const BenchConfig& config, int device_count, JsonlWriter* out) {
  int version = 0;
  CALIBRATE_NCCL_CHECK(ncclGetVersion(&version));
  const std::string version_text =
      fmt::format("{}.{}.{}", version / 10000, (version % 10000) / 100, version % 100);
  Json env{{"version", version_text}, {"devices", device_count}};
  if (device_count < 2 || out == nullptr) {
    progress(fmt::format("nccl: {} GPU visible: collectives skipped (they need two or more)",
                         device_count));
    env["skipped"] = "only one GPU";
    return env;
  }
  const int n = device_count;
  const std::vector<std::size_t> sizes = nccl_sweep_sizes(config.quick);
  // Every rank of every collective holds at most `largest` bytes per buffer.
  const std::size_t largest = sizes.back();
  progress(fmt::format("nccl {}: {} ranks, {} sizes from {} B to {} MiB", version_text, n,
                       sizes.size(), sizes.front(), largest >> 20));
  Ranks ranks(n, largest);
  env["ranks"] = n;
  env["all_reduce_check"] = check_all_reduce(ranks);
  progress("nccl: " + env["all_reduce_check"].get<std::string>());

  for (const NcclOp op : kNcclOps) {
    for (const std::size_t requested : sizes) {
      const std::size_t bytes = nccl_op_bytes(op, requested, n);
      if (bytes == 0) continue;
      for (int i = 0; i < config.warmup; ++i) ranks.launch(op, bytes);
      ranks.sync();
      std::vector<double> seconds;
      for (int i = 0; i < config.repeats; ++i) seconds.push_back(ranks.time_once(op, bytes));
      const Timing t = summarize(seconds);
      const Json row = nccl_row(op, n, 1, bytes, t);
      out->write(row);
      progress(fmt::format("nccl {} {} B: {:.1f} us, busbw {:.1f} GB/s", name_of(op), bytes,
                           t.s_med * 1e6, row["busbw_GBps"].get<double>()));
    }
  }
  CALIBRATE_CUDA_CHECK(cudaSetDevice(config.device));
  return env;
}

#endif

}  // namespace trainsim::calibrate::cuda
