// GEMM sweep: cuBLASLt over transformer layer shapes in the three layouts a training step runs
// them in, per precision, plus square products. Rows match calibrate/data/h100-microbench's
// gemm.jsonl (layer, h, tokens, m, n, k, kind, dtype, s_med, s_min, s_max, tflops).
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calibrate/cuda/benches.hpp"

namespace trainsim::calibrate::cuda {

namespace {

struct LayerShape {
  const char* layer;
  std::int64_t out, in;  // W[out, in]
};

std::vector<LayerShape> layer_shapes(std::int64_t h, bool swiglu_check) {
  if (swiglu_check) {
    // A SwiGLU MLP (Llama-style ffn = 8h/3 rounded to 256): shapes the sweep does not hold.
    const std::int64_t ffn = (8 * h / 3 + 255) / 256 * 256;
    return {{"fc1_swiglu", 2 * ffn, h}, {"fc2_swiglu", h, ffn}};
  }
  return {{"qkv", 3 * h, h}, {"proj", h, h}, {"fc1", 4 * h, h}, {"fc2", h, 4 * h}};
}

// fwd / dgrad / wgrad of Y[T, out] = X[T, in] W^T (see gemm.hpp); fp8 runs all three as TN.
GemmSpec kind_spec(const char* kind, std::int64_t tokens, const LayerShape& s, GemmType type) {
  GemmSpec spec;
  spec.type = type;
  const std::string k = kind;
  if (k == "fwd") {
    spec.m = tokens, spec.n = s.out, spec.k = s.in, spec.b_transposed = true;
  } else if (k == "dgrad") {
    spec.m = tokens, spec.n = s.in, spec.k = s.out;
  } else {
    spec.m = s.out, spec.n = s.in, spec.k = tokens, spec.a_transposed = true;
  }
  if (type == GemmType::fp8) spec.a_transposed = false, spec.b_transposed = true;
  return spec;
}

// Times one GEMM on fresh random inputs; nullopt-like (repeats == 0) when unsupported or too big.
Timing time_gemm(const BenchConfig& config, const LtContext& lt, cudaStream_t stream,
                 const GemmSpec& spec, std::string& skipped) {
  LtGemm gemm(lt, spec);
  if (!gemm.supported()) {
    skipped = "cuBLASLt has no algorithm";
    return {};
  }
  const DType in = gemm_input_dtype(spec.type), out = gemm_output_dtype(spec);
  const std::size_t bytes = (gemm.a_elements() + gemm.b_elements()) * dtype_bytes(in) +
                            gemm.d_elements() * dtype_bytes(out);
  if (bytes > free_device_bytes() / 10 * 9) {
    skipped = fmt::format("needs {:.1f} GB", bytes / 1e9);
    return {};
  }
  DeviceBuffer a(gemm.a_elements() * dtype_bytes(in)), b(gemm.b_elements() * dtype_bytes(in)),
      d(gemm.d_elements() * dtype_bytes(out));
  fill_random(a.get(), in, gemm.a_elements(), 1, 1.0f, stream);
  fill_random(b.get(), in, gemm.b_elements(), 2, 1.0f, stream);
  // Fewer repeats for GEMMs of a second or more (large fp32 products).
  const double flops = 2.0 * spec.m * spec.n * spec.k * spec.batch;
  const int repeats = flops > 5e13 ? std::max(5, config.repeats / 4) : config.repeats;
  return time_events(stream, config.warmup, repeats,
                     [&] { gemm.run(a.get(), b.get(), d.get(), nullptr, stream); });
}

Json timing_fields(const GemmSpec& spec, const Timing& t) {
  return Json{{"m", spec.m},
              {"n", spec.n},
              {"k", spec.k},
              {"dtype", gemm_type_name(spec.type)},
              {"layout", gemm_layout_name(spec)},
              {"s_med", t.s_med},
              {"s_min", t.s_min},
              {"s_max", t.s_max},
              {"repeats", t.repeats},
              {"tflops", 2.0 * spec.m * spec.n * spec.k * spec.batch / t.s_med / 1e12}};
}

}  // namespace

void bench_gemm(const BenchConfig& config, const LtContext& lt, cudaStream_t stream,
                JsonlWriter& gemm, JsonlWriter& check) {
  const bool fp8 = config.compute_capability >= 89;
  const std::vector<std::int64_t> hiddens =
      config.quick ? std::vector<std::int64_t>{1024, 4096}
                   : std::vector<std::int64_t>{768, 1024, 1536, 2048, 2560, 4096, 5120, 8192};
  const std::vector<std::int64_t> token_counts = config.quick
                                                     ? std::vector<std::int64_t>{2048, 8192}
                                                     : std::vector<std::int64_t>{2048, 8192, 32768};
  std::vector<GemmType> types = {GemmType::bf16, GemmType::fp16, GemmType::tf32};
  if (fp8) types.push_back(GemmType::fp8);
  if (!fp8)
    progress(fmt::format("gemm: compute capability {}.{} has no fp8 tensor cores: fp8 skipped",
                         config.compute_capability / 10, config.compute_capability % 10));

  const std::size_t total = types.size() * hiddens.size() * token_counts.size() * 4 * 3;
  std::size_t done = 0;
  for (const GemmType type : types)
    for (const std::int64_t h : hiddens)
      for (const std::int64_t tokens : token_counts)
        for (const LayerShape& shape : layer_shapes(h, false))
          for (const char* kind : {"fwd", "dgrad", "wgrad"}) {
            ++done;
            const GemmSpec spec = kind_spec(kind, tokens, shape, type);
            std::string skipped;
            const Timing t = time_gemm(config, lt, stream, spec, skipped);
            const std::string what = fmt::format("{} h={} tokens={} {} {}", shape.layer, h, tokens,
                                                 kind, gemm_type_name(type));
            if (t.repeats == 0) {
              progress(fmt::format("gemm [{}/{}] {}: skipped ({})", done, total, what, skipped));
              continue;
            }
            Json row{{"layer", shape.layer}, {"h", h}, {"tokens", tokens}, {"kind", kind}};
            row.update(timing_fields(spec, t));
            gemm.write(row);
            progress(fmt::format("gemm [{}/{}] {}: {:.1f} us, {:.0f} TFLOP/s", done, total, what,
                                 t.s_med * 1e6, row["tflops"].get<double>()));
          }

  // Square products, every type (fp32 = SIMT, without tensor cores).
  const std::vector<std::int64_t> squares =
      config.quick ? std::vector<std::int64_t>{1024, 4096}
                   : std::vector<std::int64_t>{256, 512, 1024, 2048, 4096, 8192};
  std::vector<GemmType> square_types = types;
  square_types.push_back(GemmType::fp32);
  for (const GemmType type : square_types)
    for (const std::int64_t s : squares) {
      GemmSpec spec;
      spec.m = spec.n = spec.k = s;
      spec.type = type;
      spec.b_transposed = true;
      std::string skipped;
      const Timing t = time_gemm(config, lt, stream, spec, skipped);
      if (t.repeats == 0) continue;
      Json row{{"layer", "square"}, {"kind", "fwd"}};
      row.update(timing_fields(spec, t));
      gemm.write(row);
      progress(fmt::format("gemm square {} {}: {:.1f} us, {:.0f} TFLOP/s", s, gemm_type_name(type),
                           t.s_med * 1e6, row["tflops"].get<double>()));
    }

  // Check cases: hidden sizes and token counts the sweep does not hold, and SwiGLU MLP shapes.
  const std::vector<std::int64_t> check_hiddens =
      config.quick ? std::vector<std::int64_t>{3072} : std::vector<std::int64_t>{3072, 6144};
  const std::vector<std::int64_t> check_tokens =
      config.quick ? std::vector<std::int64_t>{4096} : std::vector<std::int64_t>{4096, 16384};
  std::vector<GemmType> check_types = {GemmType::bf16};
  if (fp8) check_types.push_back(GemmType::fp8);
  for (const GemmType type : check_types)
    for (const std::int64_t h : check_hiddens)
      for (const std::int64_t tokens : check_tokens)
        for (const bool swiglu : {false, true})
          for (const LayerShape& shape : layer_shapes(h, swiglu))
            for (const char* kind : {"fwd", "dgrad", "wgrad"}) {
              const GemmSpec spec = kind_spec(kind, tokens, shape, type);
              std::string skipped;
              const Timing t = time_gemm(config, lt, stream, spec, skipped);
              const std::string label =
                  fmt::format("{} h={} tokens={} {}", shape.layer, h, tokens, kind);
              if (t.repeats == 0) {
                progress(fmt::format("check gemm {}: skipped ({})", label, skipped));
                continue;
              }
              Json row{{"kind", "gemm"}, {"label", label}};
              row.update(timing_fields(spec, t));
              check.write(row);
              progress(fmt::format("check gemm {} {}: {:.1f} us", label, gemm_type_name(type),
                                   t.s_med * 1e6));
            }
}

}  // namespace trainsim::calibrate::cuda
