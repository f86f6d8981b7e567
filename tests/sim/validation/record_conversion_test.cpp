// Published records as scenarios, without the binary: the fields a record states, the framework
// defaults it is given where it is silent (each an assumption), and why a record is skipped.
#include "sim/validation/record_conversion.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <variant>

namespace trainsim {
namespace {

// An H100 record that states everything the conversion reads.
Json complete_record() {
  return Json::parse(R"({
    "id": "mcore-llama31-8b-example", "type": "training_step", "source": "Megatron-Core",
    "precision": "FP8 hybrid",
    "model": {"layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8, "ffn_hidden": 14336,
              "vocab": 128256, "seq_len": 8192, "mlp": "SwiGLU"},
    "hardware": {"gpu": "H100-SXM5-80GB", "gpus": 16},
    "parallel": {"tp": 2, "pp": 1, "dp": 8, "cp": 1, "vpp": null, "sp": true, "zero": 1,
                 "recompute": "selective"},
    "batch": {"global": 128, "micro": 1},
    "measured": {"iter_time_s": 1.25}
  })");
}

const RecordConversion& converted(const std::variant<RecordConversion, SkippedRecord>& v) {
  if (const auto* skip = std::get_if<SkippedRecord>(&v))
    ADD_FAILURE() << "skipped: " << skip->reason;
  return std::get<RecordConversion>(v);
}

std::string skip_reason(const Json& record) {
  const auto v = convert_record(record);
  if (const auto* skip = std::get_if<SkippedRecord>(&v)) return skip->reason;
  return "converted";
}

TEST(RecordConversion, ARecordThatStatesEverythingBecomesItsScenarioWithoutAssumptions) {
  const auto v = convert_record(complete_record());
  const RecordConversion& c = converted(v);
  EXPECT_EQ(c.scenario, Json::parse(R"({
    "name": "mcore-llama31-8b-example",
    "model": {"layers": 32, "hidden": 4096, "heads": 32, "vocab": 128256, "kv_heads": 8.0,
              "ffn_hidden": 14336.0, "activation": "swiglu", "norm": "rmsnorm"},
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "network": "ib-ndr400-rail-fattree",
                "gpus": 16.0},
    "parallel": {"tp": 2, "pp": 1, "dp": 8.0, "cp": 1.0, "schedule": "1f1b",
                 "sequence_parallel": true, "zero": 1.0},
    "training": {"global_batch": 128, "seq_len": 8192, "precision": "fp8",
                 "recompute": "selective", "micro_batch": 1.0}
  })"))
      << c.scenario.dump(2);
  EXPECT_TRUE(c.assumptions.empty()) << c.assumptions.front();
  EXPECT_DOUBLE_EQ(c.measured_s, 1.25);
  EXPECT_EQ(c.measured_from, "measured.iter_time_s");
  EXPECT_DOUBLE_EQ(c.measured_time_s(1e18, 16), 1.25);  // stated: the prediction is not used
}

TEST(RecordConversion, UnstatedFieldsGetTheFrameworkDefaultEachAsAnAssumption) {
  Json record = complete_record();
  record["id"] = "dgxc-llama31-8b-example";  // NVIDIA's NeMo benchmark recipes
  record["parallel"]["pp"] = 2;
  for (const char* key : {"sp", "zero", "recompute"}) record["parallel"].erase(key);
  record["batch"].erase("micro");
  const auto v = convert_record(record);
  const RecordConversion& c = converted(v);
  EXPECT_EQ(c.assumptions, (std::vector<std::string>{
                               "vpp unstated: plain 1F1B",
                               "sequence_parallel unstated: on (NeMo)",
                               "distributed optimizer (zero 1), NeMo's default",
                               "gradients kept and reduced in bf16 (NeMo's performance recipes)",
                               "recompute unstated: none",
                               "micro_batch unstated: 1",
                           }));
  EXPECT_EQ(c.scenario["parallel"]["sequence_parallel"], true);
  EXPECT_EQ(c.scenario["parallel"]["zero"], 1);
  // NeMo's performance_mode recipes set grad_reduce_in_fp32 = False: half the gradient buffer
  // and half the reduce-scatter bytes of Megatron-Core's fp32 default.
  EXPECT_EQ(c.scenario["parallel"]["grad_reduce_in_fp32"], false);
  EXPECT_EQ(c.scenario["training"]["recompute"], "none");
  EXPECT_EQ(c.scenario["training"]["micro_batch"], 1);
  EXPECT_NE(c.described_scenario()["description"].get<std::string>().find(
                "assumptions: vpp unstated: plain 1F1B; sequence_parallel unstated"),
            std::string::npos);
}

TEST(RecordConversion, MegatronCoreThroughputLeavesTheTimeToThePredictedFlops) {
  Json record = complete_record();
  record["source"] = "NVIDIA/Megatron-LM README";
  record["measured"] = {{"tflops_per_gpu", 400}};
  const auto v = convert_record(record);
  const RecordConversion& c = converted(v);
  EXPECT_EQ(c.measured_s, 0);
  EXPECT_EQ(c.measured_from, "tflops_per_gpu with Megatron-Core's FLOP count");
  EXPECT_DOUBLE_EQ(c.measured_time_s(16 * 400e12 * 2.5, 16), 2.5);
}

TEST(RecordConversion, APerGpuTokenRateIsTheGlobalBatchsTokensOverItsGpus) {
  // TorchTitan's TPS/GPU: FSDP over 8 GPUs, 16 sequences of 8192 tokens at 6,667 tokens/s/GPU.
  Json record = complete_record();
  record["hardware"]["gpus"] = 8;
  record["batch"]["global"] = 16;
  record["measured"] = {{"tokens_per_s_per_gpu", 6667}, {"memory_gib", 77.0}};
  const auto v = convert_record(record);
  const RecordConversion& c = converted(v);
  EXPECT_DOUBLE_EQ(c.measured_s, 16.0 * 8192 / (8 * 6667.0));
  EXPECT_EQ(c.measured_from, "tokens_per_s_per_gpu with the global batch");
  EXPECT_DOUBLE_EQ(*c.measured_memory_bytes, 77.0 * 1024 * 1024 * 1024);  // GiB as logged
  EXPECT_FALSE(converted(convert_record(complete_record())).measured_memory_bytes);

  record["measured"]["memory_gib"] = -1;
  EXPECT_EQ(skip_reason(record), "measured.memory_gib = -1 is not positive");
  record["measured"]["memory_gib"] = 77.0;
  record["measured"]["tokens_per_s_per_gpu"] = 0;
  EXPECT_EQ(skip_reason(record),
            "measured.tokens_per_s_per_gpu needs a positive rate and hardware.gpus");
}

TEST(RecordConversion, TorchTitansGrandTetonRunsAreFsdp2OnTheFiveHundredWattPart) {
  Json record = complete_record();
  record["id"] = "torchtitan-llama31-8b-8-fsdp-compile";
  record["framework"] = "fsdp2";
  record["compile"] = true;
  record["hardware"]["gpu"] = "H100 SXM 96GB HBM2e (500 W power limit)";
  record["parallel"]["recompute"] = "selective_op";
  const auto v = convert_record(record);
  const RecordConversion& c = converted(v);
  EXPECT_EQ(c.scenario["cluster"]["gpu"], "h100-96gb-hbm2e");
  EXPECT_EQ(c.scenario["training"]["framework"], "fsdp2");
  EXPECT_EQ(c.scenario["training"]["compile"], true);
  EXPECT_EQ(c.scenario["training"]["recompute"], "selective_op");
  EXPECT_EQ(group_of("torchtitan-llama31-8b-8-fsdp"), "TorchTitan Llama 3.1 8B (H100 500 W)");
}

TEST(RecordConversion, MalformedRecordsAreSkippedSayingWhy) {
  const std::map<std::string, Json> cases = {
      {"not a JSON object", Json(5)},
      {"a 'inference' record, not a training step",
       [] {
         Json r = complete_record();
         r["type"] = "inference";
         return r;
       }()},
      {"model is missing or not an object",
       [] {
         Json r = complete_record();
         r.erase("model");
         return r;
       }()},
      {"parallel.tp is not a number",
       [] {
         Json r = complete_record();
         r["parallel"]["tp"] = "eight";
         return r;
       }()},
      {"model.layers is not stated",
       [] {
         Json r = complete_record();
         r["model"]["layers"] = nullptr;
         return r;
       }()},
      {"measured.iter_time_s = -1 is not positive",
       [] {
         Json r = complete_record();
         r["measured"]["iter_time_s"] = -1;
         return r;
       }()},
      {"no iteration time, and no throughput with a stated FLOP convention",
       [] {
         Json r = complete_record();
         r["measured"] = {{"tflops_per_gpu", 400}};  // source "NeMo recipe": no convention
         return r;
       }()},
      {"no preset for GPU 'V100-SXM2'",
       [] {
         Json r = complete_record();
         r["hardware"]["gpu"] = "V100-SXM2";
         return r;
       }()},
      {"model.moe is not an object",
       [] {
         Json r = complete_record();
         r["model"]["moe"] = 8;
         return r;
       }()},
  };
  for (const auto& [reason, record] : cases) EXPECT_EQ(skip_reason(record), reason);
}

// complete_record() on `gpus` GPUs of type `gpu`, 8 per node, with interconnect `inter`.
Json record_on(const char* gpu, int gpus, const char* inter) {
  Json record = complete_record();
  record["hardware"] = {{"gpu", gpu}, {"gpus", gpus}, {"gpus_per_node", 8}, {"inter", inter}};
  return record;
}

TEST(RecordConversion, AnOmniPathFabricIsModelledAsTheRecordStatesIt) {
  const Json record = record_on("A100-SXM4-80GB", 384, "Omni-Path 100, 4 OPA links per node");
  const auto v = convert_record(record);
  const RecordConversion& c = converted(v);
  EXPECT_EQ(c.scenario["cluster"]["gpu"], "a100-sxm4-80gb");
  EXPECT_EQ(c.scenario["cluster"]["node"]["nics_per_node"], 4);
  EXPECT_EQ(c.scenario["cluster"]["network"]["link_Gbps"], 100.0);
  ASSERT_FALSE(c.assumptions.empty());
  EXPECT_EQ(c.assumptions.front(),
            "Omni-Path as stated: 4 x 100 Gb/s per node, non-blocking fat tree, no in-network "
            "reduction");
}

TEST(RecordConversion, AnOmniPathFabricSpelledOutReadsTheSame) {
  const Json record = record_on("A100-SXM4-80GB", 384,
                                "NVLink intra-node; 4 Omni-Path (OPA) links per node inter-node");
  const auto v = convert_record(record);
  const RecordConversion& c = converted(v);
  EXPECT_EQ(c.scenario["cluster"]["node"]["nics_per_node"], 4);
  EXPECT_EQ(c.scenario["cluster"]["network"]["link_Gbps"], 100.0);
}

TEST(RecordConversion, ACloudFabricNamedInTheRecordGetsItsPresets) {
  Json record = record_on("H100 80GB HBM3", 64, "AWS EFA, 3200 Gbps per node (p5.48xlarge)");
  Json s = converted(convert_record(record)).scenario;
  EXPECT_EQ(s["cluster"]["node"], "aws-p5");
  EXPECT_EQ(s["cluster"]["network"], "aws-efa");

  record["hardware"]["gpu"] = "A100-SXM4-40GB";
  record["hardware"]["inter"] = "Elastic Fabric Adapter, 400 Gbps";
  s = converted(convert_record(record)).scenario;
  EXPECT_EQ(s["cluster"]["node"], "aws-p4d");
  EXPECT_EQ(s["cluster"]["network"], "aws-efa");

  record["hardware"]["gpu"] = "H100";
  record["hardware"]["inter"] = "8x 400 Gb/s RoCEv2";
  s = converted(convert_record(record)).scenario;
  EXPECT_EQ(s["cluster"]["node"], "dgx-h100");
  EXPECT_EQ(s["cluster"]["network"], "roce400-rail-fattree");

  // A word that merely contains the letters is not a fabric; InfiniBand keeps its preset.
  record["hardware"]["inter"] = "8x 400 Gb/s InfiniBand (ConnectX-7, also Ethernet-capable)";
  s = converted(convert_record(record)).scenario;
  EXPECT_EQ(s["cluster"]["network"], "ib-ndr400-rail-fattree");
  record["hardware"]["inter"] = "defaults";
  s = converted(convert_record(record)).scenario;
  EXPECT_EQ(s["cluster"]["network"], "ib-ndr400-rail-fattree");
}

TEST(RecordConversion, RecordIdsFallInTheirPublicationsGroup) {
  EXPECT_EQ(group_of("mlm-sc21-t1-145.6B"), "Megatron SC'21 Table 1 (A100)");
  EXPECT_EQ(group_of("mlm-sc21-t2-zero3-174B-384"), "Megatron SC'21 Table 2 ZeRO-3 (A100)");
  EXPECT_EQ(group_of("dgxc-llama31-8b-fp8-8"), "H100 Llama 3.1 recipes");
  EXPECT_EQ(group_of("bloom-176b-384a100"), "bloom");
  EXPECT_EQ(group_of("nodash"), "nodash");
}

TEST(RecordConversion, UnstatedSettingsCanBeLeftToTheSearchWhereTheFrameworkOffersAChoice) {
  Json record = complete_record();
  record["id"] = "mcore-example";  // Megatron-Core: SP and selective recomputation exist
  record["parallel"].erase("sp");
  record["parallel"].erase("recompute");
  record["batch"].erase("micro");
  const auto fixed = convert_record(record);
  EXPECT_EQ(converted(fixed).scenario["training"]["micro_batch"], 1);
  const auto fastest = convert_record(record, UnstatedSettings::fastest);
  const Json s = converted(fastest).scenario;
  EXPECT_EQ(s["training"]["micro_batch"], "auto");
  EXPECT_EQ(s["training"]["recompute"], "auto");
  EXPECT_EQ(s["parallel"]["sequence_parallel"], "auto");
  EXPECT_EQ(s["parallel"]["tp"], 2) << "stated settings stay";

  // 2021 Megatron had neither sequence parallelism nor selective recomputation to choose.
  record["id"] = "mlm-sc21-example";
  const auto old_conversion = convert_record(record, UnstatedSettings::fastest);
  const Json old = converted(old_conversion).scenario;
  EXPECT_EQ(old["parallel"]["sequence_parallel"], false);
  EXPECT_EQ(old["training"]["recompute"], "none");
  EXPECT_EQ(old["training"]["micro_batch"], "auto");
}

}  // namespace
}  // namespace trainsim
