#pragma once
// Shared pieces of the microbenchmarks: RAII device/pinned buffers and streams, CUDA-event
// timing (median of repeats after warm-up), JSON-lines output, progress on stderr.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>
#include <nlohmann/json.hpp>

#include "calibrate/cuda/cuda_check.hpp"

namespace trainsim::calibrate::cuda {

using Json = nlohmann::json;

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return data_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  void* get() const { return data_; }

 private:
  void* data_ = nullptr;
};

class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

struct Timing {
  double s_med = 0, s_min = 0, s_max = 0;
  int repeats = 0;
};
Timing summarize(std::vector<double> seconds);

// Runs `launch` (which enqueues work on `stream`) `warmup` times, then `repeats` times, each
// between its own pair of CUDA events and synchronised before the next, so that every figure is
// one execution plus the latency of launching it (the convention ComputeCost's launch overhead
// and the importer assume). `before`, when given, is enqueued before each repeat's start event
// (e.g. an L2 flush) and not timed.
Timing time_events(cudaStream_t stream, int warmup, int repeats,
                   const std::function<void()>& launch, const std::function<void()>& before = {});

// Evicts the L2 cache by reading a buffer twice its size (clean lines: no write-back traffic
// lands in the next timed kernel).
class L2Flusher {
 public:
  L2Flusher();
  void operator()(cudaStream_t stream) const;

 private:
  std::size_t bytes_ = 0;
  DeviceBuffer buffer_, sink_;
};

// Free device memory, bytes.
std::size_t free_device_bytes();

class JsonlWriter {
 public:
  explicit JsonlWriter(const std::filesystem::path& file);
  void write(const Json& row);  // one line, flushed (partial output survives a crash)
  std::size_t rows() const { return rows_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  std::size_t rows_ = 0;
};

// Settings every benchmark reads.
struct BenchConfig {
  bool quick = false;
  int warmup = 5;
  int repeats = 20;
  int device = 0;
  int compute_capability = 0;  // 90 for sm_90
  int sm_count = 0;
};

void progress(const std::string& line);  // "[trainsim-calibrate] line" on stderr

}  // namespace trainsim::calibrate::cuda
