// The supplement beside a records file, and each record of the dev set on its way to a
// prediction: fields the source leaves unstated are filled from a cited secondary source, each
// an assumption naming the citation; stated fields win.
#include "sim/validation/supplement.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "sim/core/errors.hpp"
#include "sim/validation/published_record.hpp"

namespace trainsim {
namespace {

const std::string kDevRecords =
    std::string(TRAINSIM_TEST_DATA_DIR) + "/validation/published-dev.json";

Supplement script_supplement() {
  return Supplement("mine.supplement.json", Json::parse(R"({
    "sources": {"script": {"cite": "the run script", "detail": "where the settings come from"}},
    "records": {"r1": {"source": "script", "batch": {"micro": 2}, "parallel": {"vpp": 2}}}
  })"));
}

TEST(Supplement, FillsOnlyUnstatedFieldsAndCitesTheSource) {
  Json record = {{"id", "r1"}, {"batch", {{"global", 8}, {"micro", nullptr}}}};
  EXPECT_EQ(script_supplement().fill(record),
            (std::vector<std::string>{"batch.micro = 2 from the run script",
                                      "parallel.vpp = 2 from the run script"}));
  EXPECT_EQ(record["batch"]["micro"], 2);
  EXPECT_EQ(record["parallel"]["vpp"], 2);

  Json stated = {{"id", "r1"}, {"batch", {{"micro", 4}}}, {"parallel", {{"vpp", 3}}}};
  EXPECT_TRUE(script_supplement().fill(stated).empty());
  EXPECT_EQ(stated["batch"]["micro"], 4);

  Json other = {{"id", "r2"}};
  EXPECT_TRUE(script_supplement().fill(other).empty());
  EXPECT_EQ(other, (Json{{"id", "r2"}}));
}

TEST(Supplement, AMalformedSupplementIsAnInputErrorNamingTheEntry) {
  EXPECT_THROW(Supplement("x.supplement.json", Json::array()), InputError);
  const Supplement uncited("x.supplement.json", Json::parse(R"({
    "records": {"r1": {"source": "nowhere", "batch": {"micro": 2}}}})"));
  Json record = {{"id", "r1"}};
  try {
    uncited.fill(record);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "x.supplement.json: records.r1.source");
    EXPECT_NE(std::string(e.what()).find("'nowhere' is not a key of \"sources\""),
              std::string::npos);
  }
}

TEST(Supplement, NoFileBesideTheRecordsMeansNothingIsFilled) {
  Json record = {{"id", "mlm-sc21-t1-145.6B"}, {"batch", {{"micro", nullptr}}}};
  EXPECT_TRUE(Supplement::beside("/nonexistent/records.json").fill(record).empty());
}

TEST(PublishedRecord, TheDevSetsSupplementFillsWhatSc21LeavesUnstatedAheadOfTheDefaults) {
  const Json records = load_json_file(kDevRecords);
  const Supplement supplement = Supplement::beside(kDevRecords);
  std::size_t index = 0;
  while (index < records.size() && records[index].value("id", "") != "mlm-sc21-t1-145.6B") ++index;
  ASSERT_LT(index, records.size());
  const PublishedRecord r = convert_published(records, index, supplement);
  EXPECT_EQ(r.id, "mlm-sc21-t1-145.6B");
  const auto* c = std::get_if<RecordConversion>(&r.conversion);
  ASSERT_NE(c, nullptr);
  ASSERT_GE(c->assumptions.size(), 3u);
  const std::string cite = "Megatron-LM examples/sc21/run_table_1.sh";
  EXPECT_EQ(c->assumptions[0], "batch.micro = 2 from " + cite);
  EXPECT_EQ(c->assumptions[1], "parallel.ddp = \"local\" from " + cite);
  EXPECT_EQ(c->assumptions[2], "parallel.vpp = 2 from " + cite);
  EXPECT_EQ(c->scenario["training"]["micro_batch"], 2);
  EXPECT_EQ(c->scenario["parallel"]["schedule"], "interleaved");
  // Throughput with the paper's eq. 3 FLOP count: the record's own derived time.
  EXPECT_NEAR(c->measured_s, records[index]["derived"]["iter_time_s_from_eq3"].get<double>(), 0.01);
  EXPECT_EQ(c->measured_from, "tflops_per_gpu with the paper's eq. 3 FLOP count");
}

TEST(PublishedRecord, EveryDevRecordConvertsOrIsSkippedWithAReason) {
  const Json records = load_json_file(kDevRecords);
  const Supplement supplement = Supplement::beside(kDevRecords);
  std::size_t conversions = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const PublishedRecord r = convert_published(records, i, supplement);
    EXPECT_FALSE(r.id.empty());
    if (const auto* skip = std::get_if<SkippedRecord>(&r.conversion)) {
      EXPECT_FALSE(skip->reason.empty()) << r.id;
    } else {
      const auto& c = std::get<RecordConversion>(r.conversion);
      EXPECT_EQ(c.scenario["name"], r.id);
      EXPECT_FALSE(c.measured_from.empty()) << r.id;
      ++conversions;
    }
  }
  EXPECT_GT(conversions, 20u);
}

TEST(PublishedRecord, ARecordWithoutAnIdIsNamedByItsIndex) {
  const Json records = Json::array({Json::object(), 5});
  const PublishedRecord r = convert_published(records, 1, Supplement());
  EXPECT_EQ(r.id, "[1] (no id)");
  ASSERT_TRUE(std::holds_alternative<SkippedRecord>(r.conversion));
  EXPECT_EQ(std::get<SkippedRecord>(r.conversion).reason, "not a JSON object");
}

}  // namespace
}  // namespace trainsim
