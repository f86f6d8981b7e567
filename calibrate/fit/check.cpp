#include "calibrate/fit/check.hpp"

#include <cmath>

#include <fmt/format.h>

#include "calibrate/fit/microbench_import.hpp"
#include "models/layer_ops.hpp"
#include "models/model_spec.hpp"
#include "sim/core/error_stats.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::calibrate {

namespace fs = std::filesystem;

namespace {

Precision require_precision(const Json& v, const char* key, Precision fallback) {
  const auto dtype = optional_string(v, key, "");
  if (!dtype) return fallback;
  const auto p = precision_from_dtype(*dtype);
  if (!p)
    throw InputError(key, fmt::format("unknown dtype '{}'; allowed: bf16/bfloat16, fp16/float16, "
                                      "fp32/float32, tf32, fp8",
                                      *dtype));
  return *p;
}

void check_gemm(const Json& v, const std::string& where, const ComputeCost& cost,
                CheckReport& report) {
  Op op;
  op.name = "gemm";
  op.kind = OpKind::gemm;
  require_string(v, "dtype", "");  // required here (layers default to bf16)
  op.precision = require_precision(v, "dtype", Precision::bf16);
  op.gemm.m = require_positive_int(v, "m", "");
  op.gemm.n = require_positive_int(v, "n", "");
  op.gemm.k = require_positive_int(v, "k", "");
  op.gemm.batch = optional_positive_int(v, "batch", "").value_or(1);
  op.flops = 2.0 * static_cast<double>(op.gemm.m) * static_cast<double>(op.gemm.n) *
             static_cast<double>(op.gemm.k) * static_cast<double>(op.gemm.batch);
  const double measured = require_positive_number(v, "s_med", "");
  std::string label =
      fmt::format("{}{}x{}x{} {}", op.gemm.batch > 1 ? fmt::format("{}x ", op.gemm.batch) : "",
                  op.gemm.m, op.gemm.n, op.gemm.k, name_of(op.precision));
  if (const auto l = optional_string(v, "label", "")) label += " (" + *l + ")";
  report.cases.push_back({"gemm", label, where, measured, cost.estimate_s(op)});
}

void check_layer(const Json& v, const std::string& where, const ComputeCost& cost,
                 CheckReport& report) {
  ModelSpec model;
  model.name = "check";
  model.hidden = require_positive_int(v, "hidden", "");
  model.heads = require_positive_int(v, "heads", "");
  model.kv_heads = optional_positive_int(v, "kv_heads", "").value_or(model.heads);
  model.ffn_hidden = require_positive_int(v, "ffn_hidden", "");
  model.vocab = 1;  // not used by one layer
  model.layers = 1;
  if (model.hidden % model.heads != 0)
    throw InputError("heads",
                     fmt::format("{} heads do not divide hidden {}", model.heads, model.hidden));
  if (model.heads % model.kv_heads != 0)
    throw InputError(
        "kv_heads", fmt::format("{} kv_heads do not divide {} heads", model.kv_heads, model.heads));
  const std::string activation = optional_string(v, "activation", "").value_or("gelu");
  if (activation == "gelu") {
    model.activation = Activation::gelu;
  } else if (activation == "swiglu") {
    model.activation = Activation::swiglu;
  } else if (activation == "squared_relu") {
    model.activation = Activation::squared_relu;
  } else {
    throw InputError("activation", unknown_name_message("activation", activation,
                                                        {"gelu", "swiglu", "squared_relu"}));
  }
  const std::string norm = optional_string(v, "norm", "").value_or("layernorm");
  if (norm == "layernorm") {
    model.norm = NormKind::layernorm;
  } else if (norm == "rmsnorm") {
    model.norm = NormKind::rmsnorm;
  } else {
    throw InputError("norm", unknown_name_message("norm", norm, {"layernorm", "rmsnorm"}));
  }
  model.linear_bias = optional_bool(v, "linear_bias", "").value_or(true);
  model.learned_position_embeddings = !optional_bool(v, "rotary", "").value_or(false);

  ShardContext ctx;
  ctx.micro_batch = require_positive_int(v, "micro_batch", "");
  ctx.seq_len = require_positive_int(v, "seq_len", "");
  ctx.tp = 1;
  ctx.gemm_precision = require_precision(v, "dtype", Precision::bf16);
  ctx.activation_precision = Precision::bf16;
  const std::string style = require_string(v, "style", "");
  if (style == "fused") {
    ctx.framework = Framework::megatron;
  } else if (style == "unfused") {
    ctx.framework = Framework::pytorch;
  } else {
    throw InputError("style", unknown_name_message("style", style, {"fused", "unfused"}));
  }
  const std::string attention = optional_string(v, "attention", "").value_or("flash");
  if (attention == "flash") {
    ctx.flash_attention = true;
  } else if (attention == "materialized") {
    ctx.flash_attention = false;
  } else {
    throw InputError("attention",
                     unknown_name_message("attention", attention, {"flash", "materialized"}));
  }
  const double measured_fwd = require_positive_number(v, "s_fwd", "");
  const double measured_bwd = require_positive_number(v, "s_bwd", "");

  const PassOps ops = build_transformer_layer_ops(model, ctx);
  double fwd = 0, bwd = 0;
  for (const Op& op : ops.forward) fwd += cost.estimate_s(op);
  for (const Op& op : ops.backward) bwd += cost.estimate_s(op);
  const std::string label =
      fmt::format("{} {} attention, h={} heads={} ffn={} {} b={} s={} {}", style, attention,
                  model.hidden, model.heads, model.ffn_hidden, activation, ctx.micro_batch,
                  ctx.seq_len, name_of(ctx.gemm_precision));
  report.cases.push_back({"layer forward", label, where, measured_fwd, fwd});
  report.cases.push_back({"layer backward", label, where, measured_bwd, bwd});
}

CheckReport::Summary summary_of(const ErrorStats& errors) {
  return {errors.count(), errors.mape(), errors.worst_abs(), errors.mean()};
}

}  // namespace

CheckReport check_against_measurements(const fs::path& measured, const ComputeCost& cost) {
  std::error_code ec;
  const fs::path file = fs::is_directory(measured, ec) ? measured / "check.jsonl" : measured;
  CheckReport report;
  for (const JsonlRow& row : read_jsonl(file)) {
    const std::string where = fmt::format("{}:{}", file.string(), row.line);
    try {
      const std::string kind = require_string(row.value, "kind", "");
      if (kind == "gemm") {
        check_gemm(row.value, where, cost, report);
      } else if (kind == "layer") {
        check_layer(row.value, where, cost, report);
      } else {
        throw InputError("kind",
                         unknown_name_message("check record kind", kind, {"gemm", "layer"}));
      }
    } catch (const InputError& e) {
      throw InputError(where, e.what());
    }
  }
  if (report.cases.empty()) throw InputError(file.string(), "no check case in the file");

  ErrorStats all;
  std::map<std::string, ErrorStats> by_kind;
  for (const CheckCase& c : report.cases) {
    all.add(c.rel_err());
    by_kind[c.kind].add(c.rel_err());
  }
  for (const auto& [kind, errors] : by_kind) report.by_kind[kind] = summary_of(errors);
  report.mape = all.mape();
  report.max_abs_rel_err = all.worst_abs();
  report.mean_rel_err = all.mean();
  return report;
}

std::string format_check_report(const CheckReport& report) {
  std::string out = fmt::format("{:<15} {:>12} {:>12} {:>9}  {}\n", "case", "measured", "predicted",
                                "error", "what");
  for (const CheckCase& c : report.cases)
    out += fmt::format("{:<15} {:>9.2f} us {:>9.2f} us {:>+8.2f}%  {}\n", c.kind,
                       c.measured_s * 1e6, c.predicted_s * 1e6, 100 * c.rel_err(), c.label);
  for (const auto& [kind, s] : report.by_kind)
    out += fmt::format("{:<15} n={:<4} MAPE {:6.2f}%  max |err| {:6.2f}%  mean err {:+6.2f}%\n",
                       kind, s.count, 100 * s.mape, 100 * s.max_abs_rel_err, 100 * s.mean_rel_err);
  out += fmt::format("{:<15} n={:<4} MAPE {:6.2f}%  max |err| {:6.2f}%  mean err {:+6.2f}%\n",
                     "all", report.cases.size(), 100 * report.mape, 100 * report.max_abs_rel_err,
                     100 * report.mean_rel_err);
  return out;
}

}  // namespace trainsim::calibrate
