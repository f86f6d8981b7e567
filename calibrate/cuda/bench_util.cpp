#include "calibrate/cuda/bench_util.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "calibrate/cuda/kernels.hpp"

namespace trainsim::calibrate::cuda {

DeviceBuffer::DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
  if (bytes > 0) CALIBRATE_CUDA_CHECK(cudaMalloc(&data_, bytes));
}

DeviceBuffer::~DeviceBuffer() {
  if (data_) cudaFree(data_);  // no throw from a destructor
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (data_) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) {
  CALIBRATE_CUDA_CHECK(cudaMallocHost(&data_, bytes));
}

PinnedBuffer::~PinnedBuffer() {
  if (data_) cudaFreeHost(data_);
}

Stream::Stream() {
  CALIBRATE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}

Stream::~Stream() {
  if (stream_) cudaStreamDestroy(stream_);
}

Timing summarize(std::vector<double> seconds) {
  Timing t;
  if (seconds.empty()) return t;
  std::sort(seconds.begin(), seconds.end());
  const std::size_t n = seconds.size();
  t.s_med = n % 2 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
  t.s_min = seconds.front();
  t.s_max = seconds.back();
  t.repeats = static_cast<int>(n);
  return t;
}

namespace {

struct EventPair {
  cudaEvent_t start = nullptr, stop = nullptr;
  EventPair() {
    CALIBRATE_CUDA_CHECK(cudaEventCreate(&start));
    CALIBRATE_CUDA_CHECK(cudaEventCreate(&stop));
  }
  ~EventPair() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;
};

}  // namespace

Timing time_events(cudaStream_t stream, int warmup, int repeats,
                   const std::function<void()>& launch, const std::function<void()>& before) {
  for (int i = 0; i < warmup; ++i) {
    if (before) before();
    launch();
  }
  CALIBRATE_CUDA_CHECK(cudaStreamSynchronize(stream));
  EventPair events;
  std::vector<double> seconds;
  seconds.reserve(static_cast<std::size_t>(repeats));
  for (int i = 0; i < repeats; ++i) {
    if (before) {
      before();
      CALIBRATE_CUDA_CHECK(cudaStreamSynchronize(stream));
    }
    CALIBRATE_CUDA_CHECK(cudaEventRecord(events.start, stream));
    launch();
    CALIBRATE_CUDA_CHECK(cudaEventRecord(events.stop, stream));
    CALIBRATE_CUDA_CHECK(cudaEventSynchronize(events.stop));
    float ms = 0;
    CALIBRATE_CUDA_CHECK(cudaEventElapsedTime(&ms, events.start, events.stop));
    seconds.push_back(static_cast<double>(ms) * 1e-3);
  }
  return summarize(std::move(seconds));
}

L2Flusher::L2Flusher() {
  int device = 0, l2 = 0;
  CALIBRATE_CUDA_CHECK(cudaGetDevice(&device));
  CALIBRATE_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
  bytes_ = (2 * static_cast<std::size_t>(std::max(l2, 1 << 20)) + 15) / 16 * 16;
  buffer_ = DeviceBuffer(bytes_);
  sink_ = DeviceBuffer(16);
  CALIBRATE_CUDA_CHECK(cudaMemset(buffer_.get(), 1, bytes_));
}

void L2Flusher::operator()(cudaStream_t stream) const {
  read_bytes(buffer_.get(), bytes_, sink_.as<unsigned>(), stream);
}

std::size_t free_device_bytes() {
  std::size_t free = 0, total = 0;
  CALIBRATE_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return free;
}

JsonlWriter::JsonlWriter(const std::filesystem::path& file)
    : path_(file), out_(file, std::ios::binary | std::ios::trunc) {
  if (!out_) throw std::runtime_error("cannot write " + file.string());
}

void JsonlWriter::write(const Json& row) {
  out_ << row.dump() << '\n';
  out_.flush();
  if (!out_) throw std::runtime_error("write to " + path_.string() + " failed");
  ++rows_;
}

void progress(const std::string& line) {
  std::fprintf(stderr, "[trainsim-calibrate] %s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace trainsim::calibrate::cuda
