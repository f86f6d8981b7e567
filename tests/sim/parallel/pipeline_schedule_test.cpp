// Pipeline schedules: orderings that cover every pass once, with the bubbles the papers derive.
#include "sim/parallel/pipeline_schedule.hpp"

#include <gtest/gtest.h>

#include <set>

#include "sim/engine/engine.hpp"

namespace trainsim {
namespace {

// Runs the given orders alone on the engine: forward t_f, backward t_b (input gradients; plus t_w
// of weight gradients, a separate pass under zero-bubble schedules) per stage, split evenly over
// its chunks; a hop between stages takes `hop_s`.
double run_orders(ScheduleKind kind, int pp, int m, int chunks,
                  const std::vector<std::vector<ScheduleStep>>& orders, double t_f, double t_b,
                  double t_w, double hop_s = 0) {
  TaskGraph g;
  const int vstages = pp * chunks;
  std::vector<TaskId> fwd(vstages * m), bwd(vstages * m);
  const bool split = kind == ScheduleKind::zb_h1 || kind == ScheduleKind::zb_v;
  for (int stage = 0; stage < pp; ++stage) {
    const StreamId s = g.add_stream(stage, StreamKind::compute);
    for (const ScheduleStep& step : orders[stage]) {
      const int vs = virtual_stage_of(kind, pp, stage, step.chunk);
      TaskSpec spec;
      spec.label = step.pass == PassKind::forward    ? "F"
                   : step.pass == PassKind::backward ? "B"
                                                     : "W";
      spec.duration_s = step.pass == PassKind::forward  ? t_f / chunks
                        : step.pass == PassKind::weight ? t_w / chunks
                        : split                         ? t_b / chunks
                                                        : (t_b + t_w) / chunks;
      const TaskId id = g.add_task(s, spec);
      if (step.pass != PassKind::weight)
        (step.pass == PassKind::forward ? fwd : bwd)[vs * m + step.micro_batch] = id;
    }
  }
  // A hop is a delay, not a shared link: each gets its own stream.
  const auto link = [&](TaskId from, TaskId to, int from_vs, int to_vs) {
    if (hop_s == 0 || stage_of_virtual(kind, pp, from_vs) == stage_of_virtual(kind, pp, to_vs)) {
      g.add_edge(from, to);
      return;
    }
    TaskSpec spec;
    spec.duration_s = hop_s;
    const TaskId hop = g.add_task(g.add_stream(pp, StreamKind::pp_comm), spec);
    g.add_edge(from, hop);
    g.add_edge(hop, to);
  };
  for (int vs = 0; vs < vstages; ++vs)
    for (int mb = 0; mb < m; ++mb) {
      if (vs + 1 < vstages) link(fwd[vs * m + mb], fwd[(vs + 1) * m + mb], vs, vs + 1);
      if (vs > 0) link(bwd[vs * m + mb], bwd[(vs - 1) * m + mb], vs, vs - 1);
      if (vs + 1 == vstages) g.add_edge(fwd[vs * m + mb], bwd[vs * m + mb]);
    }
  return run_engine(g).makespan_s;
}

double makespan(ScheduleKind kind, int pp, int m, int vpp, double t_f, double t_b, double t_w = 0) {
  const int chunks = kind == ScheduleKind::zb_v ? 2 : vpp;
  return run_orders(kind, pp, m, chunks, pipeline_orders(kind, pp, m, vpp), t_f, t_b, t_w);
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

TEST_P(Bubble, ZeroBubbleVHalvesZbH1sBubbleAtOneFOneBsMemory) {
  const auto [pp, m] = GetParam();
  if (m < pp) GTEST_SKIP();
  // Qi et al. 2024 (section 6): with t_f = t_b = t_w the V placement leaves only the warm-up of
  // the first micro-batch, (p - 1) forwards of a half-stage chunk, against ZB-H1's (p - 1)·t.
  const double t = 1.0, ideal = m * 3 * t;
  const double zb_v = makespan(ScheduleKind::zb_v, pp, m, 1, t, t, t) - ideal;
  EXPECT_NEAR(zb_v, (pp - 1) * t / 2, 1e-9);
  for (const auto& order : pipeline_orders(ScheduleKind::zb_v, pp, m, 1))
    EXPECT_EQ(peak_chunks_in_flight(order), std::min(2 * pp, 2 * m)) << "1F1B's pp micro-batches";
}

TEST(PipelineOrder, ZeroBubbleVCoversEveryChunkPassOnceAndTurnsAtTheLastStage) {
  const int pp = 4, m = 8;
  EXPECT_EQ(virtual_stage_of(ScheduleKind::zb_v, pp, 0, 1), 2 * pp - 1) << "loss on stage 0";
  EXPECT_EQ(virtual_stage_of(ScheduleKind::zb_v, pp, pp - 1, 1), pp) << "the V turns in place";
  for (int vs = 0; vs < 2 * pp; ++vs)
    EXPECT_EQ(virtual_stage_of(ScheduleKind::zb_v, pp, stage_of_virtual(ScheduleKind::zb_v, pp, vs),
                               chunk_of_virtual(ScheduleKind::zb_v, pp, vs)),
              vs);
  for (const auto& order : pipeline_orders(ScheduleKind::zb_v, pp, m, 1)) {
    ASSERT_EQ(order.size(), 3u * 2 * m);
    std::set<std::tuple<int, int, int>> seen;
    for (const ScheduleStep& s : order) {
      EXPECT_TRUE(seen.insert({static_cast<int>(s.pass), s.micro_batch, s.chunk}).second);
      if (s.pass != PassKind::forward) {
        EXPECT_TRUE(seen.count({static_cast<int>(s.pass) - 1, s.micro_batch, s.chunk}))
            << "B after its F, W after its B";
      }
    }
  }
}

TEST(PipelineOrder, ZeroBubbleVFollowsTheRealPassTimes) {
  // A slow backward, a cheap weight pass and a costly hop between GPUs: the list schedule built
  // with those times does not deadlock, and beats the unit-time order run with them.
  const int pp = 8, m = 32;
  const double t_f = 1.0, t_b = 1.6, t_w = 0.6, hop_s = 0.05;
  PassDurations d;
  for (int vs = 0; vs < 2 * pp; ++vs) {
    d.forward_s.push_back(t_f / 2);
    d.backward_s.push_back(t_b / 2);
    d.weight_s.push_back(t_w / 2);
  }
  d.transfer_s = hop_s;
  const auto timed = pipeline_orders(ScheduleKind::zb_v, pp, m, 1, &d);
  const auto unit = pipeline_orders(ScheduleKind::zb_v, pp, m, 1);
  const double with_times = run_orders(ScheduleKind::zb_v, pp, m, 2, timed, t_f, t_b, t_w, hop_s);
  const double with_units = run_orders(ScheduleKind::zb_v, pp, m, 2, unit, t_f, t_b, t_w, hop_s);
  const double one_f_one_b =
      run_orders(ScheduleKind::one_f_one_b, pp, m, 1,
                 pipeline_orders(ScheduleKind::one_f_one_b, pp, m, 1), t_f, t_b, t_w, hop_s);
  EXPECT_LT(with_times, 0.8 * with_units);
  EXPECT_LT(with_times, one_f_one_b);
  // Still within 1F1B's activation memory, which is what costs ZB-V here: a backward slower than
  // the forward keeps more chunks waiting for it than the cap allows.
  for (const auto& order : timed) EXPECT_LE(peak_chunks_in_flight(order), 2 * pp);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Bubble,
                         ::testing::Values(std::make_tuple(2, 4), std::make_tuple(4, 8),
                                           std::make_tuple(4, 16), std::make_tuple(8, 32),
                                           std::make_tuple(4, 6)));

}  // namespace
}  // namespace trainsim
