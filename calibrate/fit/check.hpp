#pragma once
// `trainsim-calibrate check`: predictions of ComputeCost under a hardware profile against
// measurements the profile was NOT fitted on (check.jsonl, written by `trainsim-calibrate run`
// beside the files `fit` reads). One JSON object per line, by "kind":
//
//   {"kind": "gemm", "m": 3072, "n": 9216, "k": 4096, "dtype": "bf16", "s_med": 1.9e-4,
//    "batch": 1, "label": "qkv h=3072 tokens=4096 fwd"}
//      one GEMM C[m,n] = A[m,k] B[k,n] (m, n, k as executed, `batch` independent products,
//      default 1); dtype bf16/fp16/fp32/tf32/fp8 (or torch names, as gemm.jsonl).
//
//   {"kind": "layer", "style": "fused", "attention": "materialized", "hidden": 2048,
//    "heads": 16, "kv_heads": 16, "ffn_hidden": 8192, "activation": "gelu", "norm": "layernorm",
//    "linear_bias": true, "rotary": false, "micro_batch": 2, "seq_len": 2048, "dtype": "bf16",
//    "s_fwd": 2.1e-3, "s_bwd": 4.3e-3}
//      one transformer layer (tp = 1), forward and backward timed separately, the way
//      build_transformer_layer_ops (models/layer_ops.hpp) describes it:
//        style "fused"   = Megatron's fused kernels (bias in the GEMM epilogue, fused
//                          bias-GELU and bias-dropout-add)        → Framework::megatron
//        style "unfused" = eager PyTorch (autocast weight casts, separate bias, dropout and
//                          residual kernels)                      → Framework::pytorch
//        attention "flash" (one fused kernel) or "materialized" (QK^T, scale-mask-softmax,
//        dropout, PV); kv_heads defaults to heads, activation to gelu, norm to layernorm,
//        linear_bias to true, rotary to false (learned positions), dtype (the GEMM precision;
//        activations stay 16-bit) to bf16.
//
// Other fields (s_min, s_max, repeats, notes) are ignored. Malformed rows: InputError
// "file:line: field: what is wrong".
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hardware/gpu_spec.hpp"
#include "hardware/profile.hpp"
#include "sim/compute/compute_cost.hpp"

namespace trainsim::calibrate {

struct CheckCase {
  std::string kind;   // "gemm", "layer forward", "layer backward"
  std::string label;  // what was measured
  std::string where;  // file:line
  double measured_s = 0;
  double predicted_s = 0;
  double rel_err() const { return predicted_s / measured_s - 1; }
};

struct CheckReport {
  std::vector<CheckCase> cases;
  double mape = 0;  // mean |relative error| over all cases (a layer counts forward and backward)
  double max_abs_rel_err = 0;
  double mean_rel_err = 0;  // signed: > 0 means predictions are slower than measured
  // Same statistics per kind.
  struct Summary {
    std::size_t count = 0;
    double mape = 0, max_abs_rel_err = 0, mean_rel_err = 0;
  };
  std::map<std::string, Summary> by_kind;
};

// `measured` is a directory holding check.jsonl, or a .jsonl file. InputError when the file is
// missing, malformed, or holds no case.
CheckReport check_against_measurements(const std::filesystem::path& measured,
                                       const ComputeCost& cost);

// The per-case table and the summary, as `trainsim-calibrate check` prints them.
std::string format_check_report(const CheckReport& report);

}  // namespace trainsim::calibrate
