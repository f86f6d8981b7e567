#pragma once
// Builds a HardwareProfile from recorded microbenchmarks (one JSON object per line), the format
// of calibrate/data/h100-microbench/ (described in hardware/profiles/README.md):
//   gemm.jsonl  m, n, k, dtype, s_med              → GEMM efficiency tables per precision
//   sdpa.jsonl  b, heads, s, d, causal, s_fwd, s_fwd_bwd → attention forward/backward curve
//   copy.jsonl  d2d_copy/add by bytes, h2d_pinned, launch_100_tiny
//                                                  → HBM efficiency by bytes, launch overhead,
//                                                    host-to-device bandwidth
//               d2d_read/d2d_write (read-only / write-only kernels, `bytes` moved)
//                                                  → validation only (not fitted)
//   norm.jsonl  layernorm/gelu/softmax bandwidth    → validation only (not fitted)
//   env.jsonl   GPU name, SM count, software        → recorded in the profile's source block
//
// Convention: ComputeCost adds one kernel launch to every op, so each efficiency is computed from
// the measured time minus one launch overhead; ComputeCost then reproduces the measured times.
// A time faster than the datasheet peak is an error; one that is slower, but by less than one
// launch, carries no efficiency and is left out of its table (with a note).
// Every efficiency is achieved FLOP/s (or bytes/s) over the datasheet peak in GpuPeaks.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <optional>

#include "calibrate/fit/gpu_peaks.hpp"
#include "hardware/profile.hpp"
#include "sim/core/error_stats.hpp"
#include "sim/core/json_fields.hpp"
#include "sim/core/precision.hpp"

namespace trainsim::calibrate {

// "bf16"/"bfloat16", "fp16"/"float16"/"half", "fp32"/"float32"/"float", "tf32",
// "fp8"/"float8_e4m3fn"/"float8_e5m2"/"e4m3"/"e5m2"; nullopt otherwise.
std::optional<Precision> precision_from_dtype(std::string_view dtype);

// One JSON object per non-blank line. Malformed lines throw InputError whose path is
// "<file>:<line>".
struct JsonlRow {
  std::size_t line = 0;
  Json value;
};
std::vector<JsonlRow> read_jsonl(const std::filesystem::path& file);

// Relative error statistics of predictions against measurements.
struct Agreement {
  std::size_t count = 0;
  double mean_abs_rel_err = 0;
  double max_abs_rel_err = 0;
  double mean_rel_err = 0;  // signed: > 0 means predictions are slower than measured
  std::string worst;        // label of the case with the largest error

  void add(double measured_s, double predicted_s, std::string_view label);
  Json to_json() const;

 private:
  ErrorStats stats_;
};

struct MicrobenchImportOptions {
  std::string profile_name;  // default: "<gpu> (microbenchmark import)"
  std::string command;       // the command line that ran the import, recorded in the source
  // fp8 GEMMs are not in the microbench; their best efficiency comes from the stas00/ml-engineering
  // MAMF table (H100 SXM fp8 e4m3: 1402.6 of 1979 TFLOP/s). 0 = leave unset.
  double fp8_max_efficiency_frac = 0.709;
};

// One GEMM shape of gemm.jsonl against ComputeCost with the imported profile.
struct GemmShapeResidual {
  Precision precision = Precision::bf16;
  std::int64_t m = 0, n = 0, k = 0;
  std::size_t runs = 0;        // gemm.jsonl rows of this shape (layouts, repeats)
  double measured_s = 0;       // mean of the rows
  double predicted_s = 0;      // in sample
  double leave_one_out_s = 0;  // bf16 only: predicted without this shape's point (0 = n/a)
  std::string label;           // the first row's label (layer, kind, h, tokens)
};

struct MicrobenchImport {
  HardwareProfile profile;
  // How well ComputeCost with `profile` reproduces the inputs:
  Agreement gemm_shapes;  // per distinct (precision, m, n, k), mean time of its repeats
  Agreement gemm_rows;    // per gemm.jsonl line (repeats of a shape differ by layout/noise)
  // Out-of-sample: each bf16 shape predicted from a table without it (how well the table
  // interpolation generalises to unmeasured shapes).
  Agreement gemm_bf16_leave_one_out;
  Agreement attention_forward;           // sdpa.jsonl s_fwd
  Agreement attention_backward;          // s_fwd_bwd - s_fwd
  Agreement attention_forward_backward;  // s_fwd_bwd
  Agreement copy;                        // copy.jsonl d2d_copy/add
  Agreement memory_validation;           // copy.jsonl d2d_read/d2d_write (not fitted)
  std::vector<GemmShapeResidual> gemm_shape_residuals;  // by precision, m, n, k
  // norm.jsonl by op (layernorm_fwd, gelu_fwd, softmax_fwd), predicted as memory-bound ops:
  // validation only, not used in the fit.
  std::map<std::string, Agreement> norm_by_op;
  std::vector<std::string> notes;  // conventions detected, clamps applied
};

// Reads the files in `dir` (gemm.jsonl is required, the others optional: missing parts keep the
// datasheet defaults of `peaks`' generation).
MicrobenchImport import_microbench(const std::filesystem::path& dir, const GpuPeaks& peaks,
                                   const MicrobenchImportOptions& options = {});

}  // namespace trainsim::calibrate
