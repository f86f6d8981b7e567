// `trainsim sweep` (sim/plan/sweep.hpp): variations parse as lists or ranges, the points are the
// cartesian product in a fixed order, each predicted exactly as `predict` with those --set values
// would, a bad point is reported without stopping the sweep, and --search finds at each point
// what `search` finds.
#include "sim/plan/sweep.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "sim/parallel/prediction_serial.hpp"
#include "tests/common/thread_ranks.hpp"

namespace trainsim {
namespace {

std::vector<Json> values(std::initializer_list<Json> list) {
  return std::vector<Json>(list);
}

std::string refusal(std::string_view spec) {
  try {
    parse_variation(spec);
  } catch (const InputError& e) {
    return e.json_path();
  }
  return "accepted";
}

TEST(Variation, ListsTakeJsonValuesAndBareStrings) {
  const Variation v = parse_variation("cluster.gpu=a100-sxm4-80gb, h100-sxm5-80gb");
  EXPECT_EQ(v.path, "cluster.gpu");
  EXPECT_EQ(v.values, values({"a100-sxm4-80gb", "h100-sxm5-80gb"}));
  EXPECT_EQ(parse_variation("parallel.sequence_parallel=true,false").values, values({true, false}));
  EXPECT_EQ(parse_variation("training.micro_batch=1,2,4").values, values({1, 2, 4}));
}

TEST(Variation, RangesAreGeometricArithmeticOrUnitSteps) {
  EXPECT_EQ(parse_variation("cluster.gpus=64..4096*2").values,
            values({64, 128, 256, 512, 1024, 2048, 4096}));
  EXPECT_EQ(parse_variation("cluster.nodes=1..3").values, values({1, 2, 3}));
  EXPECT_EQ(parse_variation("cluster.nodes=8..20+4").values, values({8, 12, 16, 20}));
  EXPECT_EQ(parse_variation("comm.x=0.5..1.5+0.5").values, values({0.5, 1, 1.5}));
}

TEST(Variation, MalformedSpecificationsAreRefusedNamingTheOption) {
  for (const char* bad : {"cluster.gpus", "=1,2", "cluster.gpus=", "cluster.gpus=1,,2",
                          "cluster.gpus=64..8*2", "cluster.gpus=64..4096*1", "cluster.gpus=a..b",
                          "cluster.gpus=1..10+0", "cluster.gpus=0..8*2"})
    EXPECT_EQ(refusal(bad), "--vary") << bad;
}

SweepOptions varying(std::initializer_list<const char*> specs) {
  SweepOptions options;
  for (const char* spec : specs) options.vary.push_back(parse_variation(spec));
  return options;
}

TEST(Sweep, PointsAreTheProductFirstVariationSlowestEachPredictedAsWithSet) {
  const SweepOptions options =
      varying({"training.micro_batch=1,2", "parallel.schedule=1f1b,zb-h1"});
  const std::vector<SweepPoint> points = sweep(default_scenario_file(), options);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[1].values, values({1, "zb-h1"}));
  EXPECT_EQ(points[2].values, values({2, "1f1b"}));
  for (const SweepPoint& p : points) {
    ASSERT_EQ(p.status, SweepPoint::Status::ok) << p.message;
    const StepPrediction alone = predict(load_scenario(
        default_scenario_file(), {"training.micro_batch=" + p.values[0].dump(),
                                  "parallel.schedule=" + p.values[1].get<std::string>()}));
    EXPECT_EQ(p.prediction->step_time_s, alone.step_time_s);
    EXPECT_EQ(p.prediction->memory.peak_bytes, alone.memory.peak_bytes);
  }
}

TEST(Sweep, VaryingTheClusterSizeDerivesDpForEachSize) {
  const std::vector<SweepPoint> points =
      sweep(default_scenario_file(), varying({"cluster.gpus=256..1024*2"}));
  ASSERT_EQ(points.size(), 3u);
  for (const SweepPoint& p : points) {
    ASSERT_EQ(p.status, SweepPoint::Status::ok) << p.message;
    EXPECT_EQ(p.prediction->gpus, p.values[0].get<int>());
  }
  EXPECT_GT(points[0].prediction->step_time_s, points[2].prediction->step_time_s);
}

TEST(Sweep, AnInvalidPointIsReportedAndTheSweepGoesOn) {
  const std::vector<SweepPoint> points =
      sweep(default_scenario_file(), varying({"parallel.tp=8,7"}));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].status, SweepPoint::Status::ok);
  EXPECT_EQ(points[1].status, SweepPoint::Status::invalid);
  EXPECT_NE(points[1].message.find("parallel.tp"), std::string::npos) << points[1].message;
}

TEST(Sweep, RanksSharingThePointsEachGetWhatOneProcessGets) {
  // Point i is predicted by rank i mod N and sent to the others as bytes: every rank ends with
  // every point as one process predicts it, bit for bit, an invalid point with its message.
  const SweepOptions options = varying({"parallel.tp=8,7,4", "training.micro_batch=1,2"});
  const std::vector<SweepPoint> alone = sweep(default_scenario_file(), options);
  for (int size : {2, 4}) {
    ThreadRanks ranks(size);
    std::vector<std::vector<SweepPoint>> shared(static_cast<std::size_t>(size));
    std::vector<std::thread> threads;
    for (int r = 0; r < size; ++r)
      threads.emplace_back([&, r] {
        SweepOptions mine = options;
        mine.search_options.spread = std::make_shared<ThreadRanks::Rank>(ranks, r);
        shared[static_cast<std::size_t>(r)] = sweep(default_scenario_file(), mine);
      });
    for (std::thread& t : threads) t.join();
    for (const std::vector<SweepPoint>& points : shared) {
      ASSERT_EQ(points.size(), alone.size());
      for (std::size_t i = 0; i < alone.size(); ++i) {
        EXPECT_EQ(points[i].values, alone[i].values);
        EXPECT_EQ(points[i].status, alone[i].status) << i;
        EXPECT_EQ(points[i].message, alone[i].message) << i;
        ASSERT_EQ(points[i].prediction.has_value(), alone[i].prediction.has_value()) << i;
        if (alone[i].prediction) {
          EXPECT_EQ(prediction_to_bytes(*points[i].prediction),
                    prediction_to_bytes(*alone[i].prediction))
              << size << " ranks, point " << i;
        }
      }
    }
  }
  EXPECT_EQ(alone[2].status, SweepPoint::Status::invalid);  // tp 7
}

TEST(Sweep, NoValidPointAtAllIsAnInputError) {
  EXPECT_THROW(sweep(default_scenario_file(), varying({"parallel.colour=1,2"})), InputError);
}

TEST(Sweep, SearchFindsAtEachPointWhatSearchFinds) {
  SweepOptions options = varying({"cluster.nodes=1,2"});
  options.overrides = {"model=gpt3-1.3b", "training.global_batch=64"};
  options.search = true;
  const std::vector<SweepPoint> points = sweep(default_scenario_file(), options);
  ASSERT_EQ(points.size(), 2u);
  for (const SweepPoint& p : points) {
    ASSERT_EQ(p.status, SweepPoint::Status::ok) << p.message;
    Scenario s = load_scenario(
        default_scenario_file(),
        {"model=gpt3-1.3b", "training.global_batch=64", "cluster.nodes=" + p.values[0].dump()});
    SearchOptions search_options;
    search_options.top = 1;
    const SearchResult alone = search(s, search_options);
    EXPECT_EQ(*p.strategy, alone.best.front().choice);
    EXPECT_EQ(p.prediction->step_time_s, alone.best.front().prediction.step_time_s);
  }
}

TEST(Sweep, RefusesRepeatedOrTooManyVariations) {
  EXPECT_THROW(sweep(default_scenario_file(), varying({"parallel.tp=1,2", "parallel.tp=4"})),
               InputError);
  EXPECT_THROW(sweep(default_scenario_file(),
                     varying({"cluster.nodes=1..1000", "training.micro_batch=1..1000"})),
               InputError);
  EXPECT_THROW(sweep(default_scenario_file(), SweepOptions{}), InputError);
}

}  // namespace
}  // namespace trainsim
