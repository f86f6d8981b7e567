// One GPT-style transformer layer (LayerNorm, biases, GELU MLP, learned positions: no rotary),
// tp = 1, bf16, materialized attention, forward and backward timed separately, in the two
// styles `trainsim-calibrate check` predicts through build_transformer_layer_ops
// (calibrate/fit/check.hpp):
//   fused   (Megatron):     qkv bias in the GEMM epilogue, fused bias-GELU and bias-dropout-add,
//                           fp32 weight-gradient outputs (gradient-accumulation fusion)
//   unfused (eager PyTorch): fp32 master weights cast to bf16 every forward (and weight
//                           gradients cast back), separate bias, dropout and residual kernels
// Attention is materialized (batched QK^T, causal scale-mask-softmax, dropout, batched PV):
// a fused flash-attention kernel is not part of these benchmarks, so the "flash" records
// `check` also accepts come from elsewhere (e.g. a PyTorch script).
//
// It is a timing harness, not a model: values are random, and Q, K, V, the attention output
// and their gradients are reinterpreted in place as [batch·heads, seq, head_dim] (no transpose
// kernels, which build_transformer_layer_ops does not count either). Every kernel is a real
// kernel moving the bytes and doing the FLOPs of its op.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calibrate/cuda/benches.hpp"

namespace trainsim::calibrate::cuda {

namespace {

struct LayerConfig {
  std::int64_t hidden, heads, ffn, micro_batch, seq_len;
};

constexpr float kDropout = 0.1f;

class Layer {
 public:
  Layer(const LayerConfig& c, const LtContext& lt, cudaStream_t stream)
      : c_(c),
        stream_(stream),
        T_(c.micro_batch * c.seq_len),
        h_(c.hidden),
        f_(c.ffn),
        s_(c.seq_len),
        d_(c.hidden / c.heads),
        bh_(c.micro_batch * c.heads) {
    const auto bf = [](std::int64_t n) { return DeviceBuffer(static_cast<std::size_t>(n) * 2); };
    const auto f32 = [](std::int64_t n) { return DeviceBuffer(static_cast<std::size_t>(n) * 4); };
    const auto u8 = [](std::int64_t n) { return DeviceBuffer(static_cast<std::size_t>(n)); };
    const std::int64_t T = T_, h = h_, f = f_, S = bh_ * s_ * s_;
    // Forward state.
    x = bf(T * h), ln1 = bf(T * h), mean1 = f32(T), rstd1 = f32(T), g1 = bf(h), be1 = bf(h);
    w_qkv = bf(3 * h * h), b_qkv = bf(3 * h), qkv_raw = bf(T * 3 * h), qkv = bf(T * 3 * h);
    scores = bf(S), probs = bf(S), probs_d = bf(S), mask_p = u8(S), ctx = bf(T * h);
    w_proj = bf(h * h), b_proj = bf(h), proj = bf(T * h), proj_b = bf(T * h);
    attn_drop = bf(T * h), mask1 = u8(T * h), x_mid = bf(T * h);
    ln2 = bf(T * h), mean2 = f32(T), rstd2 = f32(T), g2 = bf(h), be2 = bf(h);
    w_fc1 = bf(f * h), b_fc1 = bf(f), fc1 = bf(T * f), fc1_b = bf(T * f), act = bf(T * f);
    w_fc2 = bf(h * f), b_fc2 = bf(h), fc2 = bf(T * h), fc2_b = bf(T * h), mlp_drop = bf(T * h);
    mask2 = u8(T * h), out = bf(T * h);
    w32_qkv = f32(3 * h * h), w32_proj = f32(h * h), w32_fc1 = f32(f * h), w32_fc2 = f32(h * f);
    // Backward state.
    d_out = bf(T * h), d_fc2 = bf(T * h), d_res = bf(T * h), d_act = bf(T * f), d_fc1 = bf(T * f),
    d_ln2 = bf(T * h), d_xmid_ln = bf(T * h), d_xmid = bf(T * h);
    d_proj = bf(T * h), d_ctx = bf(T * h), d_probs_d = bf(S), d_probs = bf(S), d_scores = bf(S);
    d_qkv = bf(T * 3 * h), d_ln1 = bf(T * h), d_x_ln = bf(T * h), d_x = bf(T * h);
    dw32_qkv = f32(3 * h * h), dw32_proj = f32(h * h), dw32_fc1 = f32(f * h), dw32_fc2 = f32(h * f);
    dw16_qkv = bf(3 * h * h), dw16_proj = bf(h * h), dw16_fc1 = bf(f * h), dw16_fc2 = bf(h * f);
    db_qkv = f32(3 * h), db_proj = f32(h), db_fc1 = f32(f), db_fc2 = f32(h);

    std::uint64_t seed = 100;
    const auto init = [&](DeviceBuffer& b, DType t, float scale) {
      fill_random(b.get(), t, b.bytes() / dtype_bytes(t), ++seed, scale, stream_);
    };
    init(x, DType::bf16, 1.0f), init(g1, DType::bf16, 1.0f), init(be1, DType::bf16, 0.1f);
    init(g2, DType::bf16, 1.0f), init(be2, DType::bf16, 0.1f), init(d_out, DType::bf16, 0.01f);
    for (DeviceBuffer* w : {&w_qkv, &w_proj, &w_fc1, &w_fc2}) init(*w, DType::bf16, 0.02f);
    for (DeviceBuffer* w : {&w32_qkv, &w32_proj, &w32_fc1, &w32_fc2}) init(*w, DType::f32, 0.02f);
    for (DeviceBuffer* b : {&b_qkv, &b_proj, &b_fc1, &b_fc2}) init(*b, DType::bf16, 0.02f);

    // GEMMs (row-major, see gemm.hpp): fwd TN, dgrad NN, wgrad NT.
    const auto make = [&](std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                          bool at, bool bt, bool out_fp32, bool bias) {
      GemmSpec spec;
      spec.m = m, spec.n = n, spec.k = k, spec.batch = batch;
      spec.a_transposed = at, spec.b_transposed = bt, spec.out_fp32 = out_fp32, spec.bias = bias;
      auto g = std::make_unique<LtGemm>(lt, spec);
      if (!g->supported())
        throw CudaError(
            fmt::format("cuBLASLt has no algorithm for the layer GEMM {}x{}x{}", m, n, k));
      return g;
    };
    struct Linear {
      std::int64_t out, in;
      std::unique_ptr<LtGemm>*fwd, *fwd_bias, *dgrad, *wgrad32, *wgrad16;
    };
    for (const Linear& l :
         {Linear{3 * h, h, &qkv_fwd, &qkv_fwd_bias, &qkv_dgrad, &qkv_wgrad32, &qkv_wgrad16},
          Linear{h, h, &proj_fwd, nullptr, &proj_dgrad, &proj_wgrad32, &proj_wgrad16},
          Linear{f, h, &fc1_fwd, nullptr, &fc1_dgrad, &fc1_wgrad32, &fc1_wgrad16},
          Linear{h, f, &fc2_fwd, nullptr, &fc2_dgrad, &fc2_wgrad32, &fc2_wgrad16}}) {
      *l.fwd = make(T, l.out, l.in, 1, false, true, false, false);
      if (l.fwd_bias) *l.fwd_bias = make(T, l.out, l.in, 1, false, true, false, true);
      *l.dgrad = make(T, l.in, l.out, 1, false, false, false, false);
      *l.wgrad32 = make(l.out, l.in, T, 1, true, false, true, false);
      *l.wgrad16 = make(l.out, l.in, T, 1, true, false, false, false);
    }
    // Attention: S = Q K^T [s, s], ctx = P V [s, d], per batch·head.
    scores_fwd = make(s_, s_, d_, bh_, false, true, false, false);
    values_fwd = make(s_, d_, s_, bh_, false, false, false, false);
    values_dgrad = make(s_, s_, d_, bh_, false, true, false, false);   // dP = dctx V^T
    values_wgrad = make(d_, s_, s_, bh_, true, false, false, false);   // dV^T = dctx^T P
    scores_dgrad = make(s_, d_, s_, bh_, false, false, false, false);  // dQ = dS K
    scores_wgrad = make(s_, d_, s_, bh_, true, false, false, false);   // dK = dS^T Q
    CALIBRATE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  int forward(bool fused) {
    const std::int64_t T = T_, h = h_, f = f_, S = bh_ * s_ * s_;
    const auto n = [](std::int64_t v) { return static_cast<std::size_t>(v); };
    int kernels = 0;
    const auto k = [&](int count = 1) { kernels += count; };
    layernorm_fwd(x.get(), g1.get(), be1.get(), ln1.get(), mean1.as<float>(), rstd1.as<float>(),
                  n(T), n(h), stream_),
        k();
    if (fused) {
      qkv_fwd_bias->run(ln1.get(), w_qkv.get(), qkv.get(), b_qkv.get(), stream_), k();
    } else {
      cast_f32_to_bf16(w32_qkv.as<float>(), w_qkv.get(), n(3 * h * h), stream_), k();
      qkv_fwd->run(ln1.get(), w_qkv.get(), qkv_raw.get(), nullptr, stream_), k();
      bias_add(qkv_raw.get(), b_qkv.get(), qkv.get(), n(T), n(3 * h), stream_), k();
    }
    attention_forward(S), k(4);
    if (!fused) cast_f32_to_bf16(w32_proj.as<float>(), w_proj.get(), n(h * h), stream_), k();
    proj_fwd->run(ctx.get(), w_proj.get(), proj.get(), nullptr, stream_), k();
    if (fused) {
      bias_dropout_add_fwd(proj.get(), b_proj.get(), x.get(), x_mid.get(), mask1.as<std::uint8_t>(),
                           n(T), n(h), kDropout, 1, stream_),
          k();
    } else {
      bias_add(proj.get(), b_proj.get(), proj_b.get(), n(T), n(h), stream_), k();
      dropout_fwd(proj_b.get(), attn_drop.get(), mask1.as<std::uint8_t>(), n(T * h), kDropout, 1,
                  stream_),
          k();
      add(attn_drop.get(), x.get(), x_mid.get(), n(T * h), stream_), k();
    }
    layernorm_fwd(x_mid.get(), g2.get(), be2.get(), ln2.get(), mean2.as<float>(), rstd2.as<float>(),
                  n(T), n(h), stream_),
        k();
    if (!fused) cast_f32_to_bf16(w32_fc1.as<float>(), w_fc1.get(), n(f * h), stream_), k();
    fc1_fwd->run(ln2.get(), w_fc1.get(), fc1.get(), nullptr, stream_), k();
    if (fused) {
      gelu_fwd(fc1.get(), b_fc1.get(), act.get(), n(T), n(f), stream_), k();
    } else {
      bias_add(fc1.get(), b_fc1.get(), fc1_b.get(), n(T), n(f), stream_), k();
      gelu_fwd(fc1_b.get(), nullptr, act.get(), n(T), n(f), stream_), k();
      cast_f32_to_bf16(w32_fc2.as<float>(), w_fc2.get(), n(h * f), stream_), k();
    }
    fc2_fwd->run(act.get(), w_fc2.get(), fc2.get(), nullptr, stream_), k();
    if (fused) {
      bias_dropout_add_fwd(fc2.get(), b_fc2.get(), x_mid.get(), out.get(), mask2.as<std::uint8_t>(),
                           n(T), n(h), kDropout, 2, stream_),
          k();
    } else {
      bias_add(fc2.get(), b_fc2.get(), fc2_b.get(), n(T), n(h), stream_), k();
      dropout_fwd(fc2_b.get(), mlp_drop.get(), mask2.as<std::uint8_t>(), n(T * h), kDropout, 2,
                  stream_),
          k();
      add(mlp_drop.get(), x_mid.get(), out.get(), n(T * h), stream_), k();
    }
    return kernels;
  }

  int backward(bool fused) {
    const std::int64_t T = T_, h = h_, f = f_, S = bh_ * s_ * s_;
    const auto n = [](std::int64_t v) { return static_cast<std::size_t>(v); };
    int kernels = 0;
    const auto k = [&](int count = 1) { kernels += count; };
    // MLP block.
    if (fused) {
      bias_dropout_add_bwd(d_out.get(), mask2.as<std::uint8_t>(), d_fc2.get(), d_res.get(),
                           n(T * h), kDropout, stream_),
          k();
    } else {
      dropout_bwd(d_out.get(), mask2.as<std::uint8_t>(), d_fc2.get(), n(T * h), kDropout, stream_),
          k();
      bias_grad(d_fc2.get(), db_fc2.as<float>(), n(T), n(h), stream_), k(2);
    }
    linear_backward(*fc2_dgrad, fused ? *fc2_wgrad32 : *fc2_wgrad16, d_fc2, w_fc2, act, d_act,
                    fused, dw32_fc2, dw16_fc2, h * f, kernels);
    if (fused) {
      gelu_bwd(d_act.get(), fc1.get(), b_fc1.get(), d_fc1.get(), n(T), n(f), stream_), k();
    } else {
      gelu_bwd(d_act.get(), fc1_b.get(), nullptr, d_fc1.get(), n(T), n(f), stream_), k();
      bias_grad(d_fc1.get(), db_fc1.as<float>(), n(T), n(f), stream_), k(2);
    }
    linear_backward(*fc1_dgrad, fused ? *fc1_wgrad32 : *fc1_wgrad16, d_fc1, w_fc1, ln2, d_ln2,
                    fused, dw32_fc1, dw16_fc1, f * h, kernels);
    layernorm_bwd(d_ln2.get(), x_mid.get(), g2.get(), mean2.as<float>(), rstd2.as<float>(),
                  fused ? d_xmid.get() : d_xmid_ln.get(), n(T), n(h), stream_),
        k();
    // Attention block.
    if (fused) {
      bias_dropout_add_bwd(d_xmid.get(), mask1.as<std::uint8_t>(), d_proj.get(), d_res.get(),
                           n(T * h), kDropout, stream_),
          k();
    } else {
      add(d_xmid_ln.get(), d_out.get(), d_xmid.get(), n(T * h), stream_), k();  // residual
      dropout_bwd(d_xmid.get(), mask1.as<std::uint8_t>(), d_proj.get(), n(T * h), kDropout,
                  stream_),
          k();
      bias_grad(d_proj.get(), db_proj.as<float>(), n(T), n(h), stream_), k(2);
    }
    linear_backward(*proj_dgrad, fused ? *proj_wgrad32 : *proj_wgrad16, d_proj, w_proj, ctx, d_ctx,
                    fused, dw32_proj, dw16_proj, h * h, kernels);
    attention_backward(S), k(6);
    if (!fused) bias_grad(d_qkv.get(), db_qkv.as<float>(), n(T), n(3 * h), stream_), k(2);
    linear_backward(*qkv_dgrad, fused ? *qkv_wgrad32 : *qkv_wgrad16, d_qkv, w_qkv, ln1, d_ln1,
                    fused, dw32_qkv, dw16_qkv, 3 * h * h, kernels);
    layernorm_bwd(d_ln1.get(), x.get(), g1.get(), mean1.as<float>(), rstd1.as<float>(),
                  fused ? d_x.get() : d_x_ln.get(), n(T), n(h), stream_),
        k();
    if (!fused) add(d_x_ln.get(), d_xmid.get(), d_x.get(), n(T * h), stream_), k();  // residual
    return kernels;
  }

 private:
  void attention_forward(std::int64_t S) {
    const std::size_t Th = static_cast<std::size_t>(T_ * h_);
    char* q = static_cast<char*>(qkv.get());
    void* k = q + 2 * Th;
    void* v = q + 4 * Th;
    scores_fwd->run(q, k, scores.get(), nullptr, stream_);
    softmax_fwd(scores.get(), probs.get(), static_cast<std::size_t>(bh_ * s_),
                static_cast<std::size_t>(s_), 1.0f / std::sqrt(static_cast<float>(d_)),
                static_cast<std::size_t>(s_), stream_);
    dropout_fwd(probs.get(), probs_d.get(), mask_p.as<std::uint8_t>(), static_cast<std::size_t>(S),
                kDropout, 3, stream_);
    values_fwd->run(probs_d.get(), v, ctx.get(), nullptr, stream_);
  }

  void attention_backward(std::int64_t S) {
    const std::size_t Th = static_cast<std::size_t>(T_ * h_);
    char* q = static_cast<char*>(qkv.get());
    void* k = q + 2 * Th;
    void* v = q + 4 * Th;
    char* dq = static_cast<char*>(d_qkv.get());
    values_dgrad->run(d_ctx.get(), v, d_probs_d.get(), nullptr, stream_);
    values_wgrad->run(d_ctx.get(), probs_d.get(), dq + 4 * Th, nullptr, stream_);
    dropout_bwd(d_probs_d.get(), mask_p.as<std::uint8_t>(), d_probs.get(),
                static_cast<std::size_t>(S), kDropout, stream_);
    softmax_bwd(probs.get(), d_probs.get(), d_scores.get(), static_cast<std::size_t>(bh_ * s_),
                static_cast<std::size_t>(s_), 1.0f / std::sqrt(static_cast<float>(d_)), stream_);
    scores_dgrad->run(d_scores.get(), k, dq, nullptr, stream_);
    scores_wgrad->run(d_scores.get(), q, dq + 2 * Th, nullptr, stream_);
  }

  // dX = dY W; dW = dY^T X (fp32 out when fused, else bf16 then cast to the fp32 master grad).
  void linear_backward(const LtGemm& dgrad, const LtGemm& wgrad, const DeviceBuffer& dy,
                       const DeviceBuffer& w, const DeviceBuffer& x_saved, DeviceBuffer& dx,
                       bool fused, DeviceBuffer& dw32, DeviceBuffer& dw16, std::int64_t elements,
                       int& kernels) {
    dgrad.run(dy.get(), w.get(), dx.get(), nullptr, stream_);
    wgrad.run(dy.get(), x_saved.get(), fused ? dw32.get() : dw16.get(), nullptr, stream_);
    kernels += 2;
    if (!fused) {
      cast_bf16_to_f32(dw16.get(), dw32.as<float>(), static_cast<std::size_t>(elements), stream_);
      ++kernels;
    }
  }

  LayerConfig c_;
  cudaStream_t stream_;
  std::int64_t T_, h_, f_, s_, d_, bh_;

 public:
  DeviceBuffer x, ln1, mean1, rstd1, g1, be1, w_qkv, b_qkv, qkv_raw, qkv, scores, probs, probs_d,
      mask_p, ctx, w_proj, b_proj, proj, proj_b, attn_drop, mask1, x_mid, ln2, mean2, rstd2, g2,
      be2, w_fc1, b_fc1, fc1, fc1_b, act, w_fc2, b_fc2, fc2, fc2_b, mlp_drop, mask2, out, w32_qkv,
      w32_proj, w32_fc1, w32_fc2;
  DeviceBuffer d_out, d_fc2, d_res, d_act, d_fc1, d_ln2, d_xmid_ln, d_xmid, d_proj, d_ctx,
      d_probs_d, d_probs, d_scores, d_qkv, d_ln1, d_x_ln, d_x, dw32_qkv, dw32_proj, dw32_fc1,
      dw32_fc2, dw16_qkv, dw16_proj, dw16_fc1, dw16_fc2, db_qkv, db_proj, db_fc1, db_fc2;
  std::unique_ptr<LtGemm> qkv_fwd, qkv_fwd_bias, qkv_dgrad, qkv_wgrad32, qkv_wgrad16, proj_fwd,
      proj_dgrad, proj_wgrad32, proj_wgrad16, fc1_fwd, fc1_dgrad, fc1_wgrad32, fc1_wgrad16, fc2_fwd,
      fc2_dgrad, fc2_wgrad32, fc2_wgrad16, scores_fwd, values_fwd, values_dgrad, values_wgrad,
      scores_dgrad, scores_wgrad;
};

}  // namespace

void bench_layers(const BenchConfig& config, const LtContext& lt, cudaStream_t stream,
                  JsonlWriter& check) {
  const std::vector<LayerConfig> configs =
      config.quick
          ? std::vector<LayerConfig>{{1024, 16, 4096, 2, 1024}}
          : std::vector<LayerConfig>{{2048, 16, 8192, 2, 2048}, {4096, 32, 16384, 1, 2048}};
  for (const LayerConfig& c : configs) {
    Layer layer(c, lt, stream);
    for (const bool fused : {true, false}) {
      int kernels_fwd = 0, kernels_bwd = 0;
      const Timing fwd = time_events(stream, config.warmup, config.repeats,
                                     [&] { kernels_fwd = layer.forward(fused); });
      const Timing bwd = time_events(stream, config.warmup, config.repeats,
                                     [&] { kernels_bwd = layer.backward(fused); });
      const char* style = fused ? "fused" : "unfused";
      check.write(Json{{"kind", "layer"},
                       {"style", style},
                       {"attention", "materialized"},
                       {"hidden", c.hidden},
                       {"heads", c.heads},
                       {"kv_heads", c.heads},
                       {"ffn_hidden", c.ffn},
                       {"activation", "gelu"},
                       {"norm", "layernorm"},
                       {"linear_bias", true},
                       {"rotary", false},
                       {"micro_batch", c.micro_batch},
                       {"seq_len", c.seq_len},
                       {"dtype", "bf16"},
                       {"s_fwd", fwd.s_med},
                       {"s_bwd", bwd.s_med},
                       {"s_fwd_min", fwd.s_min},
                       {"s_bwd_min", bwd.s_min},
                       {"repeats", fwd.repeats},
                       {"kernels_fwd", kernels_fwd},
                       {"kernels_bwd", kernels_bwd}});
      progress(
          fmt::format("layer h={} heads={} ffn={} b={} s={} {}: forward {:.3f} ms ({} "
                      "kernels), backward {:.3f} ms ({} kernels)",
                      c.hidden, c.heads, c.ffn, c.micro_batch, c.seq_len, style, fwd.s_med * 1e3,
                      kernels_fwd, bwd.s_med * 1e3, kernels_bwd));
    }
  }
}

}  // namespace trainsim::calibrate::cuda
