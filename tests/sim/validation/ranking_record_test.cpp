// A strategy of a comparison set becomes a published training-step record, and from it a
// scenario, the way every validation record does (ranking_record.hpp).
#include "sim/validation/ranking_record.hpp"

#include <gtest/gtest.h>

#include <variant>

namespace trainsim {
namespace {

Json llama_set() {
  return parse_json_text(R"({
    "set_id": "llama-sweep",
    "model": {"name": "Llama 3.1 8B", "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8,
              "ffn": 14336, "vocab": 128256, "seq_len": 8192},
    "hardware": {"gpu": "NVIDIA H100 80GB HBM3", "gpus_per_node": 8,
                 "interconnect": "NVLink inside the node; AWS EFA (3200 Gbps) between nodes",
                 "gpus": 16},
    "precision": "bf16"
  })",
                         "set");
}

Json record(const char* status, Json measured) {
  return Json{{"id", "r"},
              {"status", status},
              {"parallel", {{"tp", 8}, {"pp", 1}, {"dp", 2}}},
              {"batch", {{"global_batch_samples", 32}, {"micro_batch", 1}}},
              {"gpus", 16},
              {"measured", std::move(measured)}};
}

TEST(RankingRecord, ALlamaFamilySetKeepsItsMlpWidthAndSwiGlu) {
  const auto read = ranking_record(llama_set(), record("success", {{"sec_per_iter", 10}}));
  ASSERT_TRUE(std::holds_alternative<RankingRecord>(read));
  const RankingRecord& r = std::get<RankingRecord>(read);
  const auto converted = convert_record(r.published);
  ASSERT_TRUE(std::holds_alternative<RecordConversion>(converted));
  const Json& model = std::get<RecordConversion>(converted).scenario["model"];
  EXPECT_EQ(model["ffn_hidden"], 14336);
  EXPECT_EQ(model["kv_heads"], 8);
  EXPECT_EQ(model["activation"], "swiglu");
  EXPECT_EQ(model["norm"], "rmsnorm");
  EXPECT_NE(std::find_if(r.assumptions.begin(), r.assumptions.end(),
                         [](const std::string& a) { return a.find("llama") != std::string::npos; }),
            r.assumptions.end());
  // The set's fabric reaches the cluster.
  const Json& cluster = std::get<RecordConversion>(converted).scenario["cluster"];
  EXPECT_EQ(cluster["node"], "aws-p5");
  EXPECT_EQ(cluster["network"], "aws-efa");
}

TEST(RankingRecord, ThroughputPerGpuIsTheStepTimeOfTheBatch) {
  const auto read = ranking_record(
      llama_set(), record("ok", {{"tokens_per_s_per_gpu", 3000}, {"memory_gib", 61}}));
  ASSERT_TRUE(std::holds_alternative<RankingRecord>(read));
  const RankingRecord& r = std::get<RankingRecord>(read);
  EXPECT_DOUBLE_EQ(r.published["measured"]["iter_time_s"].get<double>(),
                   32.0 * 8192 / (3000.0 * 16));
  ASSERT_TRUE(r.measured_memory_bytes.has_value());
  EXPECT_DOUBLE_EQ(*r.measured_memory_bytes, 61.0 * (1 << 30));
}

TEST(RankingRecord, StatusesAreReadAsPeopleWriteThem) {
  const auto oom = ranking_record(llama_set(), record("CUDA out of memory", Json::object()));
  ASSERT_TRUE(std::holds_alternative<RankingRecord>(oom));
  EXPECT_EQ(std::get<RankingRecord>(oom).outcome, RankingOutcome::out_of_memory);
  const auto crashed = ranking_record(llama_set(), record("NCCL timeout", Json::object()));
  ASSERT_TRUE(std::holds_alternative<SkippedRecord>(crashed));
  EXPECT_EQ(std::get<SkippedRecord>(crashed).reason, "status 'NCCL timeout'");
  const auto unmeasured = ranking_record(llama_set(), record("ok", Json::object()));
  ASSERT_TRUE(std::holds_alternative<SkippedRecord>(unmeasured));
}

TEST(RankingRecord, ScheduleCheckpointingAndAccumulationAreReadAsStated) {
  Json r = record("ok", {{"sec_per_iter", 10}});
  r["parallel"]["pp"] = 2;
  r["parallel"]["dp"] = 1;
  r["parallel"]["pp_schedule"] = "AFAB (all forward, all backward)";
  r["parallel"]["activation_checkpointing"] = true;
  r["batch"] = {{"micro_batch", 2}, {"grad_accum", 16}};
  const auto read = ranking_record(llama_set(), r);
  ASSERT_TRUE(std::holds_alternative<RankingRecord>(read));
  const RankingRecord& rec = std::get<RankingRecord>(read);
  const auto converted = convert_record(rec.published);
  ASSERT_TRUE(std::holds_alternative<RecordConversion>(converted));
  const Json& scenario = std::get<RecordConversion>(converted).scenario;
  EXPECT_EQ(scenario["parallel"]["schedule"], "gpipe");  // nanotron's AFAB is GPipe's order
  EXPECT_EQ(scenario["training"]["recompute"], "full");
  EXPECT_EQ(scenario["training"]["global_batch"], 32);  // 2 x 16 x dp 1
}

TEST(RankingRecord, TheGpuCountComesFromTheRecordItsNodesTheSetOrItsDegrees) {
  Json set = llama_set();
  Json r = record("ok", {{"tokens_per_s_per_gpu", 3000}});
  r.erase("gpus");
  r["nodes"] = 4;  // a sweep over cluster sizes: 4 nodes of the set's 8 GPUs
  r["parallel"]["dp"] = 4;
  const auto by_nodes = ranking_record(set, r);
  ASSERT_TRUE(std::holds_alternative<RankingRecord>(by_nodes));
  EXPECT_EQ(std::get<RankingRecord>(by_nodes).published["hardware"]["gpus"], 32);

  r.erase("nodes");
  set["hardware"].erase("gpus");
  const auto by_degrees = ranking_record(set, r);
  ASSERT_TRUE(std::holds_alternative<RankingRecord>(by_degrees));
  const RankingRecord& rec = std::get<RankingRecord>(by_degrees);
  EXPECT_EQ(rec.published["hardware"]["gpus"], 32);  // tp 8 x pp 1 x dp 4
  // The throughput per GPU converts with that count.
  EXPECT_DOUBLE_EQ(rec.published["measured"]["iter_time_s"].get<double>(),
                   32.0 * 8192 / (3000.0 * 32));
}

}  // namespace
}  // namespace trainsim
