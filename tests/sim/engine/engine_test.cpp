// The fast engine: streams run their tasks in order, edges delay tasks, ties are deterministic.
#include "sim/engine/engine.hpp"

#include <gtest/gtest.h>

#include "sim/engine/event_queue.hpp"

namespace trainsim {
namespace {

TaskSpec work(std::string_view label, double seconds,
              TimeCategory category = TimeCategory::compute) {
  TaskSpec spec;
  spec.label = label;
  spec.duration_s = seconds;
  spec.category = category;
  return spec;
}

TEST(EventQueue, PopsByTimeThenInsertionOrder) {
  EventQueue<int> q;
  q.push(2.0, 1);
  q.push(1.0, 2);
  q.push(2.0, 3);
  q.push(1.0, 4);
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop().payload);
  EXPECT_EQ(order, (std::vector<int>{2, 4, 1, 3}));
}

TEST(Engine, TasksOfOneStreamRunBackToBackInProgramOrder) {
  TaskGraph g;
  const StreamId s = g.add_stream(0, StreamKind::compute);
  const TaskId a = g.add_task(s, work("a", 1.0));
  const TaskId b = g.add_task(s, work("b", 2.0));
  const Timeline t = run_engine(g);
  EXPECT_DOUBLE_EQ(t.timing[a].end_s, 1.0);
  EXPECT_DOUBLE_EQ(t.timing[b].start_s, 1.0);
  EXPECT_DOUBLE_EQ(t.makespan_s, 3.0);
  EXPECT_EQ(t.events, 2u);
}

TEST(Engine, StreamsOverlapUnlessAnEdgeOrdersThem) {
  TaskGraph g;
  const StreamId compute = g.add_stream(0, StreamKind::compute);
  const StreamId comm = g.add_stream(0, StreamKind::dp_comm);
  const TaskId backward = g.add_task(compute, work("backward", 4.0));
  const TaskId early = g.add_task(comm, work("independent", 3.0, TimeCategory::dp_comm));
  const TaskId reduce = g.add_task(comm, work("reduce", 2.0, TimeCategory::dp_comm));
  g.add_edge(backward, reduce);
  const Timeline t = run_engine(g);
  EXPECT_DOUBLE_EQ(t.timing[early].start_s, 0.0);  // overlaps the backward pass
  EXPECT_DOUBLE_EQ(t.timing[reduce].start_s, 4.0);
  EXPECT_DOUBLE_EQ(t.makespan_s, 6.0);
  EXPECT_EQ(t.critical_predecessor(g, reduce), static_cast<std::int64_t>(backward));
}

TEST(Engine, ACycleIsReportedNotHung) {
  TaskGraph g;
  const StreamId s0 = g.add_stream(0, StreamKind::compute);
  const StreamId s1 = g.add_stream(1, StreamKind::compute);
  const TaskId a = g.add_task(s0, work("a", 1.0));
  const TaskId b = g.add_task(s1, work("b", 1.0));
  g.add_edge(a, b);
  g.add_edge(b, a);
  EXPECT_THROW(run_engine(g), std::logic_error);
}

TEST(Engine, RejectsMisuse) {
  TaskGraph g;
  const StreamId s = g.add_stream(0, StreamKind::compute);
  const TaskId a = g.add_task(s, work("a", 1.0));
  EXPECT_THROW(g.add_edge(a, a), std::logic_error);
  EXPECT_THROW(g.add_task(s, work("negative", -1.0)), std::logic_error);
  run_engine(g);
  EXPECT_THROW(g.add_task(s, work("late", 1.0)), std::logic_error);
}

TEST(Engine, CompositeTaskKeepsItsParts) {
  TaskGraph g;
  const StreamId s = g.add_stream(0, StreamKind::compute);
  CategoryTimes parts{};
  parts[static_cast<std::size_t>(TimeCategory::compute)] = 3.0;
  parts[static_cast<std::size_t>(TimeCategory::tp_comm)] = 1.0;
  TaskSpec spec = work("layer", 4.0);
  spec.parts_s = &parts;
  const TaskId id = g.add_task(s, spec);
  EXPECT_DOUBLE_EQ(g.task(id).parts_s[static_cast<std::size_t>(TimeCategory::tp_comm)], 1.0);
  EXPECT_EQ(g.label(g.task(id).label), "layer");
}

}  // namespace
}  // namespace trainsim
