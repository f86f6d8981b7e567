// The fast engine: streams run their tasks in order, edges delay tasks, ties are deterministic.
#include "sim/engine/engine.hpp"

#include <gtest/gtest.h>

#include <vector>

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
  spec.parts = g.intern_parts(parts, spec.category, spec.duration_s);
  const TaskId id = g.add_task(s, spec);
  EXPECT_DOUBLE_EQ(g.part_of(id, TimeCategory::tp_comm), 1.0);
  EXPECT_EQ(g.label(g.task(id).label), "layer");
  EXPECT_EQ(g.parts_of(id), parts);
}

TEST(Engine, TaskOfOneCategoryReportsItsWholeDurationAsThatPart) {
  TaskGraph g;
  const StreamId s = g.add_stream(0, StreamKind::dp_comm);
  const TaskId id = g.add_task(s, work("all-reduce", 2.5, TimeCategory::dp_comm));
  CategoryTimes expected{};
  expected[static_cast<std::size_t>(TimeCategory::dp_comm)] = 2.5;
  EXPECT_EQ(g.parts_of(id), expected);
  EXPECT_DOUBLE_EQ(g.part_of(id, TimeCategory::compute), 0.0);
}

TEST(Engine, InternedLabelsNameTheirTasks) {
  TaskGraph g;
  const StreamId s = g.add_stream(0, StreamKind::compute);
  const LabelId forward = g.intern_label("forward");
  EXPECT_EQ(g.intern_label("forward"), forward);
  TaskSpec spec = work("", 1.0);
  spec.label = TaskLabel::interned(forward);
  const TaskId a = g.add_task(s, spec);
  const TaskId b = g.add_task(s, work("forward", 1.0));
  EXPECT_EQ(g.task(a).label, g.task(b).label);
  EXPECT_EQ(g.label(g.task(a).label), "forward");
}

// A graph cleared and rebuilt (what predict does with the storage of its previous step) runs
// exactly like a fresh graph, however different the previous one was.
TEST(Engine, ClearedGraphRunsLikeAFreshOne) {
  auto build = [](TaskGraph& g, int tasks) {
    const StreamId compute = g.add_stream(0, StreamKind::compute);
    const StreamId comm = g.add_stream(0, StreamKind::dp_comm);
    TaskId previous = g.add_task(compute, work("first", 1.0));
    for (int i = 1; i < tasks; ++i) {
      const TaskId send = g.add_task(comm, work("send", 0.5, TimeCategory::dp_comm));
      g.add_edge(previous, send);
      previous = g.add_task(compute, work("next", 1.0 + i));
      g.add_edge(send, previous);
    }
  };
  TaskGraph fresh;
  build(fresh, 5);
  const Timeline expected = run_engine(fresh);

  TaskGraph reused;
  build(reused, 40);
  reused.freeze(TaskGraph::EdgeListStorage::keep);
  Timeline timeline = run_engine(reused);
  reused.clear();
  build(reused, 5);
  reused.freeze(TaskGraph::EdgeListStorage::keep);
  run_engine(reused, timeline);
  ASSERT_EQ(timeline.timing.size(), expected.timing.size());
  for (TaskId id = 0; id < fresh.task_count(); ++id) {
    EXPECT_EQ(timeline.timing[id].start_s, expected.timing[id].start_s);
    EXPECT_EQ(timeline.timing[id].end_s, expected.timing[id].end_s);
    EXPECT_EQ(std::vector<TaskId>(reused.successors(id).begin(), reused.successors(id).end()),
              std::vector<TaskId>(fresh.successors(id).begin(), fresh.successors(id).end()));
  }
  EXPECT_EQ(timeline.makespan_s, expected.makespan_s);
  EXPECT_EQ(timeline.events, expected.events);
}

}  // namespace
}  // namespace trainsim
