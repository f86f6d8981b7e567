// Pipeline schedules: orderings that cover every pass once, with the bubbles the papers derive.
#include "sim/parallel/pipeline_schedule.hpp"

#include <gtest/gtest.h>

#include <set>

#include "sim/engine/engine.hpp"

namespace trainsim {
namespace {

// Runs the schedule alone on the engine: forward t_f, backward t_b (input gradients; plus t_w of
// weight gradients, a separate pass under zero-bubble schedules) per stage and chunk, free p2p.
double makespan(ScheduleKind kind, int pp, int m, int vpp, double t_f, double t_b, double t_w = 0) {
  TaskGraph g;
  const int vstages = pp * vpp;
  std::vector<TaskId> fwd(vstages * m), bwd(vstages * m);
  const bool split = kind == ScheduleKind::zb_h1;
  std::vector<std::vector<ScheduleStep>> orders;
  for (int stage = 0; stage < pp; ++stage) {
    const StreamId s = g.add_stream(stage, StreamKind::compute);
    orders.push_back(pipeline_order(kind, pp, stage, m, vpp));
    for (const ScheduleStep& step : orders.back()) {
      const int vs = step.chunk * pp + stage;
      TaskSpec spec;
      spec.label = step.pass == PassKind::forward    ? "F"
                   : step.pass == PassKind::backward ? "B"
                                                     : "W";
      spec.duration_s = step.pass == PassKind::forward  ? t_f / vpp
                        : step.pass == PassKind::weight ? t_w
                        : split                         ? t_b
                                                        : (t_b + t_w) / vpp;
      const TaskId id = g.add_task(s, spec);
      if (step.pass != PassKind::weight)
        (step.pass == PassKind::forward ? fwd : bwd)[vs * m + step.micro_batch] = id;
    }
  }
  for (int vs = 0; vs < vstages; ++vs)
    for (int mb = 0; mb < m; ++mb) {
      if (vs + 1 < vstages) g.add_edge(fwd[vs * m + mb], fwd[(vs + 1) * m + mb]);
      if (vs > 0) g.add_edge(bwd[vs * m + mb], bwd[(vs - 1) * m + mb]);
      if (vs + 1 == vstages) g.add_edge(fwd[vs * m + mb], bwd[vs * m + mb]);
    }
  return run_engine(g).makespan_s;
}

TEST(PipelineOrder, EveryStageRunsEachPassOfEachMicroBatchOnceForwardFirst) {
  for (ScheduleKind kind : {ScheduleKind::gpipe, ScheduleKind::one_f_one_b}) {
    for (int stage = 0; stage < 4; ++stage) {
      const auto order = pipeline_order(kind, 4, stage, 8, 1);
      ASSERT_EQ(order.size(), 16u);
      std::set<std::pair<int, int>> seen;
      for (const ScheduleStep& step : order) {
        if (step.pass == PassKind::backward) {
          EXPECT_TRUE(seen.count({0, step.micro_batch})) << "backward before forward";
        }
        EXPECT_TRUE(seen.insert({static_cast<int>(step.pass), step.micro_batch}).second);
      }
    }
  }
}

TEST(PipelineOrder, OneFOneBWarmsUpWithPMinusStageMinusOneForwards) {
  const auto order = pipeline_order(ScheduleKind::one_f_one_b, 4, 1, 8, 1);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(order[i].pass, PassKind::forward);
  EXPECT_EQ(order[2].pass, PassKind::forward);
  EXPECT_EQ(order[3].pass, PassKind::backward);
  EXPECT_EQ(order[3].micro_batch, 0);
}

TEST(PipelineOrder, InterleavedVisitsEveryChunk) {
  const auto order = pipeline_order(ScheduleKind::interleaved, 4, 2, 8, 2);
  ASSERT_EQ(order.size(), 32u);
  std::set<std::tuple<int, int, int>> seen;
  for (const ScheduleStep& s : order)
    EXPECT_TRUE(seen.insert({static_cast<int>(s.pass), s.micro_batch, s.chunk}).second);
}

class Bubble : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(Bubble, GpipeAndOneFOneBIdleForPMinusOneOverMOfTheIdealTime) {
  const auto [pp, m] = GetParam();
  const double t_f = 1.0, t_b = 2.0;
  const double ideal = m * (t_f + t_b);
  for (ScheduleKind kind : {ScheduleKind::gpipe, ScheduleKind::one_f_one_b}) {
    const double bubble = makespan(kind, pp, m, 1, t_f, t_b) - ideal;
    EXPECT_NEAR(bubble / ideal, (pp - 1.0) / m, 1e-9) << name_of(kind);
  }
}

TEST_P(Bubble, InterleavingDividesTheBubbleByTheChunkCount) {
  const auto [pp, m] = GetParam();
  if (m % pp != 0) GTEST_SKIP() << "interleaving needs m % pp == 0";
  const double t_f = 1.0, t_b = 2.0, ideal = m * (t_f + t_b);
  for (int v : {2, 4}) {
    const double bubble = makespan(ScheduleKind::interleaved, pp, m, v, t_f, t_b) - ideal;
    EXPECT_NEAR(bubble / ideal, (pp - 1.0) / (v * m), 1e-9) << "v = " << v;
  }
}

TEST_P(Bubble, ZeroBubbleH1CutsTheBubbleToPMinusOneTimesFPlusBMinusW) {
  const auto [pp, m] = GetParam();
  if (m < pp) GTEST_SKIP();
  // Qi et al. 2023: with t_f = t_b = t_w the ZB-H1 bubble is a third of 1F1B's.
  const double t = 1.0, ideal = m * 3 * t;
  const double zb = makespan(ScheduleKind::zb_h1, pp, m, 1, t, t, t) - ideal;
  const double one_f_one_b = makespan(ScheduleKind::one_f_one_b, pp, m, 1, t, t, t) - ideal;
  EXPECT_NEAR(zb, (pp - 1) * (t + t - t), 1e-9);
  EXPECT_NEAR(one_f_one_b, (pp - 1) * 3 * t, 1e-9);
}

TEST(PipelineOrder, ZeroBubbleRunsEveryWeightPassAfterItsBackward) {
  for (int stage = 0; stage < 4; ++stage) {
    const auto order = pipeline_order(ScheduleKind::zb_h1, 4, stage, 8, 1);
    ASSERT_EQ(order.size(), 24u);
    std::set<int> backward_done;
    for (const ScheduleStep& s : order) {
      if (s.pass == PassKind::backward) backward_done.insert(s.micro_batch);
      if (s.pass == PassKind::weight) {
        EXPECT_TRUE(backward_done.count(s.micro_batch));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Bubble,
                         ::testing::Values(std::make_tuple(2, 4), std::make_tuple(4, 8),
                                           std::make_tuple(4, 16), std::make_tuple(8, 32),
                                           std::make_tuple(4, 6)));

}  // namespace
}  // namespace trainsim
