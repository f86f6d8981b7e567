// Memory-bound benchmarks: HBM copy / read-only / write-only bandwidth by size, pinned
// host↔device copies, kernel launch overhead (copy.jsonl), and the norm-like and GELU-like
// kernels of a transformer layer (norm.jsonl). The bandwidth and norm kernels run with the L2
// cache flushed before each repeat, so that they measure HBM rather than L2.
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calibrate/cuda/benches.hpp"

namespace trainsim::calibrate::cuda {

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

Json timing_json(const Timing& t) {
  return Json{{"s_med", t.s_med}, {"s_min", t.s_min}, {"s_max", t.s_max}, {"repeats", t.repeats}};
}

}  // namespace

void bench_memory(const BenchConfig& config, cudaStream_t stream, JsonlWriter& copy,
                  JsonlWriter& norm) {
  const L2Flusher flush;
  const auto flush_l2 = [&] { flush(stream); };

  // Launch overhead: 100 empty kernels back to back between two events.
  {
    const Timing t = time_events(stream, config.warmup, config.repeats, [&] {
      for (int i = 0; i < 100; ++i) tiny_kernel(stream);
    });
    Json row{{"op", "launch_100_tiny"}, {"s_per_launch", t.s_med / 100}};
    row.update(timing_json(t));
    copy.write(row);
    progress(fmt::format("launch overhead: {:.2f} us per kernel", t.s_med / 100 * 1e6));
  }

  // Device bandwidth by size (bytes of one tensor: a copy moves twice that).
  std::vector<std::size_t> sizes =
      config.quick ? std::vector<std::size_t>{kMiB, 16 * kMiB, 256 * kMiB}
                   : std::vector<std::size_t>{kMiB,       4 * kMiB,    16 * kMiB,  64 * kMiB,
                                              256 * kMiB, 1024 * kMiB, 4096 * kMiB};
  for (const std::size_t bytes : sizes) {
    if (2 * bytes > free_device_bytes() / 10 * 8) {
      progress(fmt::format("bandwidth {} MiB: skipped (not enough free memory)", bytes / kMiB));
      continue;
    }
    DeviceBuffer src(bytes), dst(bytes), sink(16);
    fill_random(src.get(), DType::f32, bytes / 4, 3, 1.0f, stream);
    const Timing c = time_events(
        stream, config.warmup, config.repeats,
        [&] { copy_bytes(src.get(), dst.get(), bytes, stream); }, flush_l2);
    const Timing r = time_events(
        stream, config.warmup, config.repeats,
        [&] { read_bytes(src.get(), bytes, sink.as<unsigned>(), stream); }, flush_l2);
    const Timing w = time_events(
        stream, config.warmup, config.repeats, [&] { write_bytes(dst.get(), bytes, 7u, stream); },
        flush_l2);
    Json rc{{"op", "d2d_copy"}, {"bytes", bytes}, {"gbps_rw", 2.0 * bytes / c.s_med / 1e9}};
    Json rr{{"op", "d2d_read"}, {"bytes", bytes}, {"gbps", bytes / r.s_med / 1e9}};
    Json rw{{"op", "d2d_write"}, {"bytes", bytes}, {"gbps", bytes / w.s_med / 1e9}};
    rc.update(timing_json(c));
    rr.update(timing_json(r));
    rw.update(timing_json(w));
    copy.write(rc);
    copy.write(rr);
    copy.write(rw);
    progress(
        fmt::format("bandwidth {:>5} MiB: copy {:.0f} GB/s (read+write), read {:.0f} GB/s, "
                    "write {:.0f} GB/s",
                    bytes / kMiB, rc["gbps_rw"].get<double>(), rr["gbps"].get<double>(),
                    rw["gbps"].get<double>()));
  }

  // Pinned host <-> device.
  const std::vector<std::size_t> host_sizes =
      config.quick ? std::vector<std::size_t>{kMiB, 64 * kMiB}
                   : std::vector<std::size_t>{kMiB, 16 * kMiB, 256 * kMiB, 1024 * kMiB};
  for (const std::size_t bytes : host_sizes) {
    PinnedBuffer host(bytes);
    DeviceBuffer device(bytes);
    const Timing h2d = time_events(stream, config.warmup, config.repeats, [&] {
      CALIBRATE_CUDA_CHECK(
          cudaMemcpyAsync(device.get(), host.get(), bytes, cudaMemcpyHostToDevice, stream));
    });
    const Timing d2h = time_events(stream, config.warmup, config.repeats, [&] {
      CALIBRATE_CUDA_CHECK(
          cudaMemcpyAsync(host.get(), device.get(), bytes, cudaMemcpyDeviceToHost, stream));
    });
    Json a{{"op", "h2d_pinned"}, {"bytes", bytes}, {"gbps", bytes / h2d.s_med / 1e9}};
    Json b{{"op", "d2h_pinned"}, {"bytes", bytes}, {"gbps", bytes / d2h.s_med / 1e9}};
    a.update(timing_json(h2d));
    b.update(timing_json(d2h));
    copy.write(a);
    copy.write(b);
    progress(fmt::format("pinned {:>5} MiB: host->device {:.1f} GB/s, device->host {:.1f} GB/s",
                         bytes / kMiB, a["gbps"].get<double>(), b["gbps"].get<double>()));
  }

  // Norm-like and GELU-like kernels on bf16 [tokens, h] tensors. gbps_rw counts the bytes the
  // kernel must read and write once each (forward: x in, y out; backward: dy and x in, dx out).
  const std::vector<std::size_t> hiddens = config.quick
                                               ? std::vector<std::size_t>{1024, 4096}
                                               : std::vector<std::size_t>{1024, 2048, 4096, 8192};
  const std::vector<std::size_t> token_counts =
      config.quick ? std::vector<std::size_t>{8192} : std::vector<std::size_t>{8192, 32768};
  for (const std::size_t h : hiddens)
    for (const std::size_t tokens : token_counts) {
      const std::size_t n = h * tokens, tensor = 2 * n;
      DeviceBuffer x(tensor), y(tensor), dy(tensor), dx(tensor), gamma(2 * h), beta(2 * h),
          mean(4 * tokens), rstd(4 * tokens);
      fill_random(x.get(), DType::bf16, n, 4, 2.0f, stream);
      fill_random(dy.get(), DType::bf16, n, 5, 1.0f, stream);
      fill_random(gamma.get(), DType::bf16, h, 6, 1.0f, stream);
      fill_random(beta.get(), DType::bf16, h, 7, 1.0f, stream);
      struct Case {
        const char* op;
        double tensors;  // tensors of `tensor` bytes moved
        std::function<void()> launch;
      };
      const std::vector<Case> cases = {
          {"layernorm_fwd", 2,
           [&] {
             layernorm_fwd(x.get(), gamma.get(), beta.get(), y.get(), mean.as<float>(),
                           rstd.as<float>(), tokens, h, stream);
           }},
          {"layernorm_bwd", 3,
           [&] {
             layernorm_bwd(dy.get(), x.get(), gamma.get(), mean.as<float>(), rstd.as<float>(),
                           dx.get(), tokens, h, stream);
           }},
          {"gelu_fwd", 2, [&] { gelu_fwd(x.get(), nullptr, y.get(), tokens, h, stream); }},
          {"gelu_bwd", 3,
           [&] { gelu_bwd(dy.get(), x.get(), nullptr, dx.get(), tokens, h, stream); }},
          {"softmax_fwd", 2, [&] { softmax_fwd(x.get(), y.get(), tokens, h, 1.0f, 0, stream); }},
      };
      for (const Case& c : cases) {
        const Timing t = time_events(stream, config.warmup, config.repeats, c.launch, flush_l2);
        Json row{{"op", c.op},
                 {"h", h},
                 {"tokens", tokens},
                 {"dtype", "bf16"},
                 {"gbps_rw", c.tensors * tensor / t.s_med / 1e9}};
        row.update(timing_json(t));
        norm.write(row);
        progress(fmt::format("{} h={} tokens={}: {:.1f} us, {:.0f} GB/s", c.op, h, tokens,
                             t.s_med * 1e6, row["gbps_rw"].get<double>()));
      }
    }
}

}  // namespace trainsim::calibrate::cuda
