// calibrate/fit/check.hpp and `trainsim-calibrate check`: ComputeCost under a profile against
// measurements it was not fitted on, on the synthetic check.jsonl of tests/calibrate/data.
// Predictions are recomputed here from ComputeCost and build_transformer_layer_ops, so that the
// tests follow changes of the cost model instead of freezing its numbers.
#include "calibrate/fit/check.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "calibrate/fit/gpu_peaks.hpp"
#include "cli_runner.hpp"
#include "models/layer_ops.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::calibrate {
namespace {

namespace fs = std::filesystem;
using testing::fresh_dir;
using testing::run_calibrate;
using testing::test_data;

const fs::path kRun = test_data() / "run-synthetic";
const fs::path kH100Profile = data_root() / "hardware" / "profiles" / "h100-sxm5-80gb.json";

ComputeCost h100_cost() {
  const GpuPeaks peaks = load_gpu_peaks(gpu_preset_path("h100-sxm5-80gb"));
  return ComputeCost(to_gpu_spec(peaks), load_profile(kH100Profile));
}

double layer_prediction(const ComputeCost& cost, Framework framework, bool flash, bool backward) {
  ModelSpec model;
  model.hidden = 2048, model.heads = 16, model.kv_heads = 16, model.ffn_hidden = 8192;
  model.vocab = 1, model.layers = 1;
  model.learned_position_embeddings = true;  // "rotary": false
  ShardContext ctx;
  ctx.micro_batch = 2, ctx.seq_len = 2048, ctx.framework = framework, ctx.flash_attention = flash;
  const PassOps ops = build_transformer_layer_ops(model, ctx);
  double s = 0;
  for (const Op& op : backward ? ops.backward : ops.forward) s += cost.estimate_s(op);
  return s;
}

TEST(Check, PredictsEveryCaseWithComputeCost) {
  const ComputeCost cost = h100_cost();
  const CheckReport report = check_against_measurements(kRun, cost);
  // 13 GEMMs, 3 layers x (forward, backward)
  ASSERT_EQ(report.cases.size(), 19u);
  EXPECT_EQ(report.by_kind.at("gemm").count, 13u);
  EXPECT_EQ(report.by_kind.at("layer forward").count, 3u);
  EXPECT_EQ(report.by_kind.at("layer backward").count, 3u);

  // A GEMM case: 2mnk FLOPs of its precision.
  const CheckCase& qkv = report.cases.front();
  Op op;
  op.kind = OpKind::gemm;
  op.precision = Precision::bf16;
  op.gemm = {4096, 9216, 3072, 1};
  op.flops = 2.0 * 4096 * 9216 * 3072;
  EXPECT_DOUBLE_EQ(qkv.predicted_s, cost.estimate_s(op));
  EXPECT_NE(qkv.label.find("qkv h=3072 tokens=4096 fwd"), std::string::npos) << qkv.label;
  EXPECT_NE(qkv.where.find("check.jsonl:1"), std::string::npos) << qkv.where;

  // Layer cases: the sum of the layer's ops, style → framework, attention → flash.
  const auto layer_case = [&](const std::string& label_part, const std::string& kind) {
    for (const CheckCase& c : report.cases)
      if (c.kind == kind && c.label.find(label_part) != std::string::npos) return c;
    ADD_FAILURE() << "no case " << kind << " " << label_part;
    return CheckCase{};
  };
  EXPECT_DOUBLE_EQ(layer_case("fused materialized", "layer forward").predicted_s,
                   layer_prediction(cost, Framework::megatron, false, false));
  EXPECT_DOUBLE_EQ(layer_case("fused materialized", "layer backward").predicted_s,
                   layer_prediction(cost, Framework::megatron, false, true));
  EXPECT_DOUBLE_EQ(layer_case("unfused materialized", "layer forward").predicted_s,
                   layer_prediction(cost, Framework::pytorch, false, false));
  EXPECT_DOUBLE_EQ(layer_case("fused flash", "layer backward").predicted_s,
                   layer_prediction(cost, Framework::megatron, true, true));
  EXPECT_DOUBLE_EQ(layer_case("fused materialized", "layer forward").measured_s, 1.82e-3);

  // MAPE over all cases, and per kind.
  double sum = 0, worst = 0;
  for (const CheckCase& c : report.cases) {
    sum += std::fabs(c.predicted_s / c.measured_s - 1);
    worst = std::max(worst, std::fabs(c.predicted_s / c.measured_s - 1));
  }
  EXPECT_NEAR(report.mape, sum / report.cases.size(), 1e-12);
  EXPECT_NEAR(report.max_abs_rel_err, worst, 1e-12);
}

TEST(Check, FormatListsEveryCaseAndTheMape) {
  const CheckReport report = check_against_measurements(kRun / "check.jsonl", h100_cost());
  const std::string text = format_check_report(report);
  EXPECT_NE(text.find("unfused materialized attention"), std::string::npos);
  EXPECT_NE(text.find(fmt::format("MAPE {:6.2f}%", 100 * report.mape)), std::string::npos) << text;
}

void expect_error(const std::string& line, const std::string& field) {
  const fs::path dir = fresh_dir("check_bad");
  std::string one_line = line;  // JSON lines: one object per line
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  std::ofstream(dir / "check.jsonl") << one_line << "\n";
  try {
    check_against_measurements(dir, h100_cost());
    FAIL() << "expected InputError for " << line;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("check.jsonl:1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(Check, MalformedRecordsNameFileLineAndField) {
  expect_error(R"({"kind": "conv", "s_med": 1})", "kind");
  expect_error(R"({"kind": "gemm", "m": 64, "n": 64, "k": 64, "s_med": 1e-5})", "dtype");
  expect_error(R"({"kind": "gemm", "m": 64, "n": 64, "k": 64, "dtype": "int4", "s_med": 1e-5})",
               "dtype");
  expect_error(R"({"kind": "layer", "style": "fused", "hidden": 1024, "heads": 16,
                   "ffn_hidden": 4096, "micro_batch": 1, "seq_len": 1024, "s_fwd": 1e-3})",
               "s_bwd");
  expect_error(R"({"kind": "layer", "style": "jit", "hidden": 1024, "heads": 16,
                   "ffn_hidden": 4096, "micro_batch": 1, "seq_len": 1024, "s_fwd": 1e-3,
                   "s_bwd": 2e-3})",
               "style");
  expect_error(R"({"kind": "layer", "style": "fused", "hidden": 1000, "heads": 16,
                   "ffn_hidden": 4096, "micro_batch": 1, "seq_len": 1024, "s_fwd": 1e-3,
                   "s_bwd": 2e-3})",
               "heads");
  const fs::path empty = fresh_dir("check_empty");
  std::ofstream(empty / "check.jsonl") << "\n";
  EXPECT_THROW(check_against_measurements(empty, h100_cost()), InputError);
  EXPECT_THROW(check_against_measurements(empty / "missing.jsonl", h100_cost()), InputError);
}

TEST(CheckCli, ExitStatusFollowsMaxMape) {
  const CheckReport report = check_against_measurements(kRun, h100_cost());
  const double mape = 100 * report.mape;
  const std::string base =
      "check " + kRun.string() + " --profile " + kH100Profile.string() + " --max-mape ";
  const auto pass = run_calibrate(base + fmt::format("{:.3f}", mape + 0.5));
  EXPECT_EQ(pass.status, 0) << pass.output;
  EXPECT_NE(pass.output.find("OK: MAPE"), std::string::npos) << pass.output;
  EXPECT_NE(pass.output.find("layer backward"), std::string::npos) << pass.output;
  const auto fail = run_calibrate(base + fmt::format("{:.3f}", mape - 0.5));
  EXPECT_EQ(fail.status, 1) << fail.output;
  EXPECT_NE(fail.output.find("FAIL: MAPE"), std::string::npos) << fail.output;
  // Without --max-mape the table is printed and the status is 0.
  EXPECT_EQ(run_calibrate("check " + kRun.string() + " --profile " + kH100Profile.string()).status,
            0);
}

TEST(CheckCli, InvalidInputExitsWith2) {
  EXPECT_EQ(run_calibrate("check " + kRun.string() + " --profile /no/such/profile.json").status, 2);
  EXPECT_EQ(run_calibrate("check /no/such/dir --profile " + kH100Profile.string()).status, 2);
  EXPECT_EQ(run_calibrate("check " + kRun.string() + " --profile " + kH100Profile.string() +
                          " --gpu no-such-gpu")
                .status,
            2);
}

}  // namespace
}  // namespace trainsim::calibrate
