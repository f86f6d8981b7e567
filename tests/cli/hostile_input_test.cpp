// The defects a hostile-input campaign found (issue 24, reproducers in tests/data): each class of
// input now ends in exit 0, 2 or 3 with at most a one-line message naming the field, never a
// crash, an internal error, a hang or a nonsensical number.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_run.hpp"

namespace {

using trainsim::test::CliRun;
using trainsim::test::trainsim;

const std::string kCorpus = TRAINSIM_TEST_DATA_DIR;

void expect_one_line_refusal(const CliRun& r, const std::string& names, int status = 2) {
  EXPECT_EQ(r.status, status) << r.err << r.out.substr(0, 300);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << "should name " << names << ": " << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_LT(r.err.size(), 600U) << "a message, not a dump";
}

// '[' * depth, `inner`, ']' * depth.
std::string nested(std::size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("trainsim_hostile_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(HostileInput, DeeplyNestedJsonIsRefusedWhereverJsonIsRead) {
  // V1: a deep value inside a scenario field that an error message prints.
  const auto scenario =
      write_temp("deep_scenario.json",
                 R"({"model": "gpt3-125m", "cluster": {"node": "dgx-h100", "gpus": 8},
          "parallel": {"pp": 2, "layer_split": [)" +
                     nested(200000) + R"(, 6]}, "training": {"global_batch": 8}})");
  expect_one_line_refusal(trainsim("predict " + scenario.string()), "nested deeper than 64");
  // V2: a deeply nested records file; V3: a deep value in its supplement.
  const auto records = write_temp("deep_records.json", nested(200000));
  expect_one_line_refusal(trainsim("validate " + records.string()), "nested deeper than 64");
  const auto with_supplement = write_temp("deep_sup.json", R"([{"id": "r1"}])");
  write_temp(
      "deep_sup.supplement.json",
      R"({"sources": {}, "records": {"r1": {"model": {"layers": )" + nested(200000) + "}}}}");
  expect_one_line_refusal(trainsim("validate " + with_supplement.string()),
                          "nested deeper than 64");
  // And through --set, --vary and an HF config.
  expect_one_line_refusal(trainsim("predict --set 'parallel.layer_split=" + nested(50000) + "'"),
                          "--set parallel.layer_split=[[[[");
  const auto hf = write_temp("deep_hf.json", R"({"model_type": )" + nested(100000) + "}");
  expect_one_line_refusal(
      trainsim("predict --set 'model={\"hf_config\": \"" + hf.string() + "\"}'"),
      "nested deeper than 64");
  for (const char* name : {"deep_scenario.json", "deep_records.json", "deep_sup.json",
                           "deep_sup.supplement.json", "deep_hf.json"})
    std::filesystem::remove(std::filesystem::temp_directory_path() /
                            ("trainsim_hostile_" + std::to_string(::getpid()) + "_" + name));
}

TEST(HostileInput, HugeOrMalformedFreeTextAndSupplementValuesAreNamed) {
  // V4: "99999999999999999999 OPA links" skips that record, saying why.
  const CliRun opa = trainsim("validate " + kCorpus + "/bad_records/opa_links_beyond_int.json");
  EXPECT_EQ(opa.status, 0) << opa.err;
  EXPECT_NE(opa.out.find("hardware.inter states 9999"), std::string::npos) << opa.out;
  // V5: a supplement whose cite is a number.
  expect_one_line_refusal(trainsim("validate " + kCorpus + "/bad_records/cite_not_a_string.json"),
                          "sources.s.cite");
}

TEST(HostileInput, InvalidUtf8OnTheCommandLineIsRefused) {
  // V7: JSON output cannot hold the byte 0xff.
  expect_one_line_refusal(trainsim("predict --set 'name=\xff' --format json"), "UTF-8");
  expect_one_line_refusal(trainsim("sweep --vary 'name=a,\xff'"), "UTF-8");
}

TEST(HostileInput, ControlCharactersInAValueAreEscapedInTheMessage) {
  // V12: a newline inside a value or a path.
  expect_one_line_refusal(trainsim("predict " + kCorpus + "/bad_scenarios/newline_in_value.json"),
                          "'a\\nb'");
  expect_one_line_refusal(trainsim("predict --set 'training.precision=a\nb'"),
                          "training.precision");
  expect_one_line_refusal(trainsim("predict --set '\n=1'"), "unknown field '\\n'");
}

TEST(HostileInput, SizesBeyondWhatAModelCanBeAreRefusedNotSimulated) {
  // V8 (a hang in gigabytes) and V9 (2^32 + 8 layers computed as 8).
  for (const char* file :
       {"layers_ten_million.json", "layers_int_max.json", "layers_beyond_int.json"})
    expect_one_line_refusal(trainsim("predict " + kCorpus + "/bad_scenarios/" + file),
                            "model.layers");
  expect_one_line_refusal(trainsim("predict --set training.seq_len=1e9"), "training.seq_len");
  expect_one_line_refusal(
      trainsim("predict --set 'model={\"layers\": 8, \"hidden\": 4194304, \"heads\": 16, "
               "\"vocab\": 1000}'"),
      "model.hidden");
}

TEST(HostileInput, ImplausibleHardwareIsRefusedNamingTheQuantity) {
  // V6: a 1e297 TFLOP/s GPU made every duration zero, then NaN.
  expect_one_line_refusal(
      trainsim("predict " + kCorpus + "/bad_scenarios/gpu_peak_beyond_limit.json --format json"),
      "cluster.gpu.dense_peak_TFLOPs.bf16");
  expect_one_line_refusal(trainsim("predict --set cluster.node.nic_Gbps=1e12"),
                          "cluster.node.nic_Gbps");
}

TEST(HostileInput, CollectiveSizesAreWholePositiveBytesInABoundedTable) {
  // V10: -e inf printed 10,000 rows of NaN; V11: -b 0.5 printed 10,000 rows of 0 bytes.
  expect_one_line_refusal(trainsim("collective -e inf --format json"), "--max-bytes");
  expect_one_line_refusal(trainsim("collective -b 0.5 -e 8 --format json"), "--min-bytes");
  expect_one_line_refusal(trainsim("collective -b 1 -e 1G -f 1.0001"), "--step-factor");
  const CliRun ok = trainsim("collective -b 1 -e 8 -f 1.5 --format json");
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out.find("null"), std::string::npos) << ok.out;
}

TEST(HostileInput, AnAttentionKernelNeverBeatsThePeakOfItsPrecision) {
  // V13: FP32 training with flash attention reported MFU 1.64 on an H100.
  const CliRun r =
      trainsim("predict " + kCorpus + "/fp32_attention_bound_scenario.json --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto mfu_at = r.out.find("\"mfu\": ");
  ASSERT_NE(mfu_at, std::string::npos);
  const double mfu = std::stod(r.out.substr(mfu_at + 7));
  EXPECT_GT(mfu, 0.0);
  EXPECT_LE(mfu, 1.0);
}

TEST(HostileInput, AnUnwritableTraceFailsBeforePrintingAResult) {
  const CliRun r = trainsim("predict --trace /nonexistent-folder/t.json --format json");
  expect_one_line_refusal(r, "--trace");
  EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 200);
}

}  // namespace
