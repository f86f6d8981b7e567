// `validate` on comparison sets: each set's strategies predicted and ranked against their
// measurements (Kendall's tau, regret of the predicted best, memory agreement), what cannot be
// modelled skipped with the reason.
#include "sim/plan/ranking_run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sim/core/json_fields.hpp"
#include "sim/validation/ranking_record.hpp"

namespace trainsim {
namespace {

const std::filesystem::path kDevSets =
    std::filesystem::path(TRAINSIM_TEST_DATA_DIR) / "validation" / "ranking-dev.json";

const RankedSet& set_named(const RankingReport& report, const std::string& id) {
  const auto it = std::find_if(report.sets.begin(), report.sets.end(),
                               [&](const RankedSet& s) { return s.id == id; });
  if (it == report.sets.end()) throw std::runtime_error("no set " + id);
  return *it;
}

TEST(RankingRun, RanksEveryModelledSetOfTheDevFileAndSaysWhyTheOthersAreNot) {
  ASSERT_TRUE(is_ranking_file(kDevSets));
  const RankingReport report = rank_sets(kDevSets);
  EXPECT_GE(report.sets.size(), 15u);
  for (const RankedSet& s : report.sets) {
    if (s.kendall_tau) {
      EXPECT_GE(*s.kendall_tau, -1.0);
      EXPECT_LE(*s.kendall_tau, 1.0);
    }
    if (s.regret) {
      EXPECT_GE(*s.regret, 0.0) << s.id;
    }
    EXPECT_EQ(s.memory_records, static_cast<int>(s.records.size()));
  }
  ASSERT_TRUE(report.mean_kendall_tau.has_value());
  const auto skipped = [&](const std::string& id) {
    return std::find_if(report.skipped_sets.begin(), report.skipped_sets.end(),
                        [&](const auto& s) { return s.first == id; });
  };
  ASSERT_NE(skipped("bloom-0220-194B-48n"), report.skipped_sets.end());
  EXPECT_EQ(skipped("bloom-0220-194B-48n")->second, "model.layers is not stated");
  // TorchTitan's per-op selective checkpointing runs as recompute selective_op, and says so.
  EXPECT_EQ(skipped("torchtitan-8B-64gpu-asynctp-2025-bf16"), report.skipped_sets.end());
  const RankedSet& sac = set_named(report, "torchtitan-8B-64gpu-asynctp-2025-bf16");
  ASSERT_FALSE(sac.records.empty());
  const std::vector<std::string>& said = sac.records.front().assumptions;
  EXPECT_TRUE(std::any_of(said.begin(), said.end(), [](const std::string& a) {
    return a.find("per-op SAC") != std::string::npos;
  }));
}

TEST(RankingRun, ReadsTheSetsTextFieldsByTheirLeadingNumberAndSaysSo) {
  const RankingReport report = rank_sets(kDevSets);
  const RankedSet& s = set_named(report, "bloom-0225-181B-48n-gbs2048");
  ASSERT_FALSE(s.records.empty());
  const std::vector<std::string>& said = s.records.front().assumptions;
  EXPECT_NE(std::find(said.begin(), said.end(),
                      "model.vocab = 250000, read from \"250k (prequel text "
                      "'VOCAB_LENGTH=250k'; README: 250,680)\""),
            said.end());
  // The set records runs that ran out of memory: they count for memory agreement only.
  const bool has_oom = std::any_of(s.records.begin(), s.records.end(),
                                   [](const RankedRecord& r) { return r.measured_oom; });
  EXPECT_TRUE(has_oom);
}

TEST(RankingRun, ComparesThePredictedPeakWithTheMemoryRunsReported) {
  const RankingReport report = rank_sets(kDevSets);
  const RankedSet& s = set_named(report, "bloom-0221-181B-48n");
  ASSERT_FALSE(s.records.empty());
  const RankedRecord& first = s.records.front();  // "Mem 29GB"
  ASSERT_TRUE(first.measured_memory_bytes.has_value());
  EXPECT_DOUBLE_EQ(*first.measured_memory_bytes, 29.0 * (1 << 30));
  EXPECT_GT(first.predicted_peak_bytes, 0.0);
  ASSERT_TRUE(s.memory_error.has_value());
  ASSERT_TRUE(report.mean_memory_error.has_value());
  // The model still predicts below what DeepSpeed-era runs reported (its buffers are not
  // modelled), but by less than before the runtime terms (-28%): a regression shows here.
  EXPECT_GT(*report.mean_memory_error, -0.27);
  EXPECT_LT(*report.mean_memory_error, 0.0);
  EXPECT_GE(report.memory_agreements, 66);
}

TEST(RankingRun, DeepSpeedsBf16OptimizerShardsLikeZeroOne) {
  const RankingReport report = rank_sets(kDevSets);
  const RankedSet& s = set_named(report, "bloom-0228-176B-48n-h64");
  ASSERT_FALSE(s.records.empty());
  const std::vector<std::string>& said = s.records.front().assumptions;
  EXPECT_TRUE(std::any_of(said.begin(), said.end(), [](const std::string& a) {
    return a.find("BF16 optimizer") != std::string::npos && a.find("ZeRO-1") != std::string::npos;
  }));
  // All three ran, and with the optimizer states sharded the model agrees they fit.
  EXPECT_EQ(s.memory_agreements, 3);
}

// TorchTitan's pages state the layout and the techniques; the rest comes from TorchTitan's code
// and configs at the pages' commits, each said.
TEST(RankingRun, TorchTitanSetsRunOnFsdp2WithWhatTheirConfigsLeaveUnstated) {
  const Json dev = load_json_file(kDevSets);
  const Json* pp_set = nullptr;
  for (const Json& set : dev["sets"])
    if (set["set_id"] == "torchtitan-405B-512gpu-pp-schedule") pp_set = &set;
  ASSERT_NE(pp_set, nullptr);
  const auto converted = ranking_record(*pp_set, (*pp_set)["records"][1]);  // interleaved
  ASSERT_TRUE(std::holds_alternative<RankingRecord>(converted));
  const RankingRecord& r = std::get<RankingRecord>(converted);
  const Json& published = r.published;
  EXPECT_EQ(published["framework"], "fsdp2");
  EXPECT_EQ(published["compile"], true);
  EXPECT_EQ(published["attention_kernel"], "flash_attention_2");  // SDPA of torch 1963fc8
  EXPECT_EQ(published["precision"], "fp8");                       // Float8 linears
  const Json& p = published["parallel"];
  EXPECT_EQ(p["dp"], 8);
  EXPECT_EQ(p["zero"], 3);
  EXPECT_EQ(p["sp"], true);
  EXPECT_EQ(p["tp_comm_overlap"], true);  // "AsyncTP"
  EXPECT_EQ(p["schedule"], "interleaved");
  EXPECT_EQ(p["vpp"], 2);                     // two stages per rank by default
  EXPECT_EQ(published["batch"]["micro"], 4);  // local batch 32 over 8 micro-batches
  EXPECT_EQ(published["model"]["seq_len"], 8192);
  const auto said = [&](std::string_view what) {
    return std::any_of(r.assumptions.begin(), r.assumptions.end(),
                       [&](const std::string& a) { return a.find(what) != std::string::npos; });
  };
  EXPECT_TRUE(said("seq_len not stated: 8192"));
  EXPECT_TRUE(said("vpp not stated: 2"));
  EXPECT_TRUE(said("micro-batch = local batch / pp = 4"));

  const RankingReport report = rank_sets(kDevSets);
  const RankedSet& ranked = set_named(report, "torchtitan-405B-512gpu-pp-schedule");
  ASSERT_EQ(ranked.records.size(), 2u);
  ASSERT_TRUE(ranked.kendall_tau.has_value());
  // Interleaving shrinks the 1F1B bubble of 8 stages and 8 micro-batches: measured 128 vs 100
  // tokens/s per GPU, and predicted faster too.
  EXPECT_EQ(*ranked.kendall_tau, 1.0);
}

// A set whose measurements are the model's own predictions ranks perfectly, with no regret.
TEST(RankingRun, MeasurementsInThePredictedOrderGiveTauOneAndNoRegret) {
  const Json dev = load_json_file(kDevSets);
  const RankingReport first = rank_sets(kDevSets);
  const RankedSet& ranked = set_named(first, "bloom-0221-181B-48n");
  Json set;
  for (const Json& s : dev["sets"])
    if (s["set_id"] == "bloom-0221-181B-48n") set = s;
  for (Json& record : set["records"])
    for (const RankedRecord& r : ranked.records)
      if (record["id"] == r.id) record["measured"]["sec_per_iter"] = r.predicted_s;
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "trainsim-ranking-self.json";
  std::ofstream(file) << Json{{"sets", Json::array({set})}}.dump();
  const RankingReport self = rank_sets(file);
  std::filesystem::remove(file);
  ASSERT_EQ(self.sets.size(), 1u);
  EXPECT_DOUBLE_EQ(*self.sets[0].kendall_tau, 1.0);
  EXPECT_DOUBLE_EQ(*self.sets[0].regret, 0.0);
  for (const RankedRecord& r : self.sets[0].records) EXPECT_NEAR(r.error, 0.0, 1e-12);
}

// Sets publish seconds per iteration, or throughput: tokens per second per GPU or per job,
// samples per second. Each is the same step time for the record's batch; statuses are read as
// people write them.
TEST(RankingRun, ThroughputAndStatusAreReadAsSetsPublishThem) {
  const Json dev = load_json_file(kDevSets);
  Json set;
  for (const Json& s : dev["sets"])
    if (s["set_id"] == "bloom-0225-181B-48n-gbs2048") set = s;
  ASSERT_FALSE(set.is_null());
  const RankingReport as_seconds = [&] {
    const auto file = std::filesystem::temp_directory_path() / "trainsim-ranking-seconds.json";
    std::ofstream(file) << Json{{"sets", Json::array({set})}}.dump();
    RankingReport r = rank_sets(file);
    std::filesystem::remove(file);
    return r;
  }();
  const char* kinds[] = {"tokens_per_s", "tokens_per_s_per_gpu", "samples_per_s"};
  int i = 0;
  for (Json& record : set["records"]) {
    Json& measured = record["measured"];
    const std::string status = record.value("status", "");
    if (status == "OOM") {
      record["status"] = "CUDA out of memory";
      continue;
    }
    if (!measured.contains("sec_per_iter")) continue;
    const double seconds = measured["sec_per_iter"].get<double>();
    const double samples = record["batch"]["global_batch_samples"].get<double>();
    const double tokens = samples * 2048;
    const double gpus = record["gpus"].get<double>();
    const std::string kind = kinds[i++ % 3];
    measured.erase("sec_per_iter");
    measured[kind] = kind == "tokens_per_s"           ? tokens / seconds
                     : kind == "tokens_per_s_per_gpu" ? tokens / seconds / gpus
                                                      : samples / seconds;
    record["status"] = "success";
  }
  const auto file = std::filesystem::temp_directory_path() / "trainsim-ranking-throughput.json";
  std::ofstream(file) << Json{{"sets", Json::array({set})}}.dump();
  const RankingReport as_throughput = rank_sets(file);
  std::filesystem::remove(file);
  ASSERT_EQ(as_throughput.sets.size(), 1u);
  const RankedSet& a = as_seconds.sets.at(0);
  const RankedSet& b = as_throughput.sets.at(0);
  ASSERT_EQ(a.records.size(), b.records.size());
  for (std::size_t r = 0; r < a.records.size(); ++r) {
    EXPECT_EQ(a.records[r].measured_oom, b.records[r].measured_oom) << a.records[r].id;
    EXPECT_NEAR(a.records[r].measured_s, b.records[r].measured_s, 1e-9 * a.records[r].measured_s);
  }
  EXPECT_DOUBLE_EQ(*a.kendall_tau, *b.kendall_tau);
  EXPECT_EQ(a.memory_agreements, b.memory_agreements);
}

TEST(RankingRun, AFileWithoutSetsIsRefusedNamingIt) {
  const std::filesystem::path records =
      std::filesystem::path(TRAINSIM_TEST_DATA_DIR) / "validation" / "published-dev.json";
  EXPECT_FALSE(is_ranking_file(records));
  EXPECT_THROW(rank_sets(records), InputError);
}

}  // namespace
}  // namespace trainsim

namespace trainsim {
namespace {

TEST(RankingRun, MalformedSetsAndRecordsAreSkippedNotCrashed) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "trainsim-ranking-malformed.json";
  std::ofstream(file) << R"({"sets": [1, {"set_id": 5, "records": [2, {"id": []},
    {"id": "x", "status": "ok", "parallel": {"tp": "a lot"}, "measured": {"sec_per_iter": -1}}]},
    {"set_id": "s", "model": {"layers": 1e300, "hidden": "64k", "heads": 8, "vocab": 8,
     "seq_len": 8}, "records": [{"id": "r", "status": "ok", "parallel": {"tp": 1, "pp": 1},
     "batch": {"global_batch_samples": 8}, "measured": {"sec_per_iter": 1}}]}]})";
  RankingReport report;
  EXPECT_NO_THROW(report = rank_sets(file));
  std::filesystem::remove(file);
  EXPECT_TRUE(report.sets.empty());
  EXPECT_EQ(report.skipped_sets.size(), 3u);
}

}  // namespace
}  // namespace trainsim
