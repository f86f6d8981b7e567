// The step of every GPU: the representative stage programs copied onto each lockstep group and
// DP group, with each communication task resolved to the GPUs it connects.
#include "sim/parallel/all_ranks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "scenario_fixture.hpp"
#include "sim/core/errors.hpp"
#include "sim/engine/engine.hpp"
#include "sim/parallel/memory.hpp"

namespace trainsim {
namespace {

using testing::scenario_from;

// 2 nodes of 8 GPUs: tp 2, pp 2, dp 4 (global rank = t + 2·(d + 4·stage)).
Json three_d_json() {
  Json json = testing::small_gpt_scenario();
  json["parallel"] = {{"tp", 2}, {"pp", 2}, {"dp", 4}, {"schedule", "1f1b"}};
  return json;
}

struct Built {
  Scenario scenario;
  StepWorkload representative;
  AllRankStep all;
};

Built build(const Json& json) {
  Built b{scenario_from(json), {}, {}};
  const ComputeCost compute(b.scenario.cluster.gpu, b.scenario.cluster.profile);
  const CollectiveCost collectives(b.scenario.cluster.gpu, b.scenario.cluster.node,
                                   b.scenario.cluster.network, b.scenario.comm);
  b.representative = build_step(b.scenario, compute, collectives);
  b.all = expand_to_all_ranks(b.scenario, b.representative);
  return b;
}

TEST(AllRanks, EveryTaskIsCopiedOncePerGroupOfItsStream) {
  Built b = build(three_d_json());
  // Lockstep groups are the TP pairs: dp = 4 per stage; DP groups one per TP rank: 2 per stage.
  EXPECT_EQ(b.all.lockstep_groups_per_stage, 4);
  EXPECT_EQ(b.all.dp_groups_per_stage, 2);
  std::size_t expected = 0;
  for (const Task& t : b.representative.graph.tasks())
    expected += b.representative.graph.streams()[t.stream].kind == StreamKind::dp_comm ? 2 : 4;
  EXPECT_EQ(b.all.workload.graph.task_count(), expected);
  EXPECT_EQ(b.all.workload.ranks.size(), 8u);  // 2 stages × 4 lockstep groups
}

TEST(AllRanks, AParameterServersPushesAndPullsKeepStreamsOfTheirOwn) {
  // 16 workers, 2 servers: each bucket's pull runs beside the next bucket's push (the links'
  // other direction), on every expansion as on the representative rank.
  Json json = three_d_json();
  json["parallel"] = {
      {"tp", 1}, {"pp", 1}, {"dp_mode", "parameter_server"}, {"ps", {{"servers", 2}}}};
  Built b = build(json);
  int dp_streams = 0;
  for (const Stream& s : b.all.workload.graph.streams())
    dp_streams += s.kind == StreamKind::dp_comm ? 1 : 0;
  EXPECT_EQ(dp_streams, 2);
  int pushes = 0, pulls = 0;
  for (const AllRankComm& c : b.all.comms) {
    pushes += c.ps == PsTraffic::push ? 1 : 0;
    pulls += c.ps == PsTraffic::pull ? 1 : 0;
    if (c.ps != PsTraffic::none) {
      EXPECT_EQ(b.all.gpus_of(c).size(), 16u);  // every worker
    }
  }
  EXPECT_GT(pushes, 0);
  EXPECT_EQ(pushes, pulls);
  EXPECT_EQ(b.all.ps_servers.size(), 2u);
  EXPECT_EQ(b.all.ps_server_nodes, 2);  // dedicated by default
  const Timeline rep = run_engine(b.representative.graph);
  const Timeline all = run_engine(b.all.workload.graph);
  EXPECT_DOUBLE_EQ(all.makespan_s, rep.makespan_s);
}

TEST(AllRanks, IdenticalGpusReproduceTheRepresentativeTimeline) {
  Built b = build(three_d_json());
  const Timeline rep = run_engine(b.representative.graph);
  const Timeline all = run_engine(b.all.workload.graph);
  EXPECT_DOUBLE_EQ(all.makespan_s, rep.makespan_s);
}

TEST(AllRanks, DpCollectivesSpanTheStagesGpusOfOneTpRank) {
  Built b = build(three_d_json());
  std::set<std::vector<int>> groups;
  for (const AllRankComm& c : b.all.comms) {
    if (c.scope != CommScope::dp) continue;
    const std::span<const int> gpus = b.all.gpus_of(c);
    groups.emplace(gpus.begin(), gpus.end());
  }
  // Stage 0: ranks t + 2d, d = 0..3 (GPUs 0..7 on node 0); stage 1: GPUs 8..15 on node 1.
  const std::set<std::vector<int>> expected = {
      {0, 2, 4, 6}, {1, 3, 5, 7}, {8, 10, 12, 14}, {9, 11, 13, 15}};
  EXPECT_EQ(groups, expected);
}

TEST(AllRanks, PipelineSendsGoToTheSameCoordinatesOnThePeerStage) {
  Built b = build(three_d_json());
  std::size_t sends = 0;
  for (const AllRankComm& c : b.all.comms) {
    if (c.scope != CommScope::pp) continue;
    const std::span<const int> pairs = b.all.gpus_of(c);
    ASSERT_EQ(pairs.size(), 4u);  // the TP pair, each GPU to its peer
    for (std::size_t i = 0; i < pairs.size(); i += 2)
      EXPECT_EQ(std::abs(pairs[i + 1] - pairs[i]), 8);
    ++sends;
  }
  // 2 stages: m forward sends from stage 0 and m backward sends from stage 1, per lockstep group.
  const auto m = static_cast<std::size_t>(b.scenario.micro_batches());
  EXPECT_EQ(sends, 2 * m * 4);
}

TEST(AllRanks, HybridShardingSplitsDpCollectivesIntoShardAndReplicaGroups) {
  // 4 nodes, tp 1, dp 32, ZeRO-3 sharded within each node: gathers and reduce-scatters run in
  // the four 8-GPU shard groups, the gradient all-reduce in the eight 4-GPU replica groups.
  Json json = testing::small_gpt_scenario();
  json["cluster"]["nodes"] = 4;
  json["parallel"] = {{"tp", 1}, {"pp", 1}, {"zero", 3}, {"zero_shard_size", 8}};
  Built b = build(json);
  bool saw_shard = false, saw_replica = false;
  for (const AllRankComm& c : b.all.comms) {
    const std::span<const int> gpus = b.all.gpus_of(c);
    ASSERT_EQ(gpus.size(), 32u);
    if (c.scope == CommScope::dp_shard) {
      saw_shard = true;
      EXPECT_EQ(c.group_size, 8u);
      for (std::size_t g = 0; g < 32; g += 8)  // one node each
        EXPECT_EQ(std::vector<int>(gpus.begin() + g, gpus.begin() + g + 8),
                  (std::vector<int>{int(g), int(g) + 1, int(g) + 2, int(g) + 3, int(g) + 4,
                                    int(g) + 5, int(g) + 6, int(g) + 7}));
    } else if (c.scope == CommScope::dp_replica) {
      saw_replica = true;
      EXPECT_EQ(c.group_size, 4u);
      // Replica group j: GPU j of every node.
      EXPECT_EQ(std::vector<int>(gpus.begin(), gpus.begin() + 4), (std::vector<int>{0, 8, 16, 24}));
      EXPECT_EQ(c.kind, CollectiveKind::all_reduce);
    }
  }
  EXPECT_TRUE(saw_shard);
  EXPECT_TRUE(saw_replica);
}

TEST(AllRanks, HybridShardingMovesTheShardsSliceOverTheReplicas) {
  // Per step and GPU: ZeRO-3 gathers 2 B/param twice (forward, backward) inside the shard group,
  // reduce-scatters 2 B/param there, and all-reduces its 1/8 slice over the replicas.
  Json json = testing::small_gpt_scenario();
  json["cluster"]["nodes"] = 4;
  json["parallel"] = {{"tp", 1}, {"pp", 1}, {"zero", 3}, {"zero_shard_size", 8}};
  json["training"]["global_batch"] = 64;  // 1 micro-batch of 2 per GPU
  Built b = build(json);
  const double params = stage_params_per_rank(b.scenario, 0);
  double gathered = 0, scattered = 0, replicated = 0;
  for (const CommTag& t : b.representative.comm_tags) {
    if (t.scope == CommScope::dp_shard && t.kind == CollectiveKind::all_gather) gathered += t.bytes;
    if (t.scope == CommScope::dp_shard && t.kind == CollectiveKind::reduce_scatter)
      scattered += t.bytes;
    if (t.scope == CommScope::dp_replica) replicated += t.bytes;
  }
  EXPECT_NEAR(gathered, 2 * 2 * params, 1e-6 * params);
  EXPECT_NEAR(scattered, 2 * params, 1e-6 * params);
  EXPECT_NEAR(replicated, 2 * params / 8, 1e-6 * params);
}

// The EP groups the all-to-all tasks connect, per GPU list of one group.
std::vector<std::vector<int>> ep_groups_of(const Built& b) {
  std::vector<std::vector<int>> groups;
  for (const AllRankComm& c : b.all.comms) {
    if (c.scope != CommScope::ep) continue;
    const std::span<const int> gpus = b.all.gpus_of(c);
    for (std::size_t i = 0; i < gpus.size(); i += c.group_size)
      groups.emplace_back(gpus.begin() + static_cast<std::ptrdiff_t>(i),
                          gpus.begin() + static_cast<std::ptrdiff_t>(i + c.group_size));
  }
  return groups;
}

// three_d_json() with a small MoE model: 4 experts, top 2.
Json three_d_moe_json() {
  Json json = three_d_json();
  json["model"] = {
      {"layers", 8},    {"hidden", 1024},         {"heads", 16},
      {"vocab", 32000}, {"activation", "swiglu"}, {"moe", {{"experts", 4}, {"top_k", 2}}}};
  return json;
}

TEST(AllRanks, ExpertParallelFoldsOverTheRanksOfTheExpertGrid) {
  // Megatron-Core's parallel folding: experts see a stage's GPUs as ETP × EP × expert-DP, ETP
  // fastest. tp 2 with etp 1 and ep 4 puts each EP group on 4 consecutive GPUs (one node's
  // half) instead of 4 DP ranks 2 apart; tp 2 = etp with cp 2 folds EP over the CP ranks.
  Json json = three_d_moe_json();
  json["parallel"]["ep"] = 4;
  json["parallel"]["etp"] = 1;
  json["parallel"]["sequence_parallel"] = true;
  Built etp1 = build(json);
  const auto groups = ep_groups_of(etp1);
  ASSERT_FALSE(groups.empty());
  for (const std::vector<int>& g : groups) {
    ASSERT_EQ(g.size(), 4u);
    for (std::size_t i = 1; i < g.size(); ++i) EXPECT_EQ(g[i] - g[i - 1], 1);
  }
  EXPECT_EQ(parallel_groups(etp1.scenario).ep.nodes, 1);

  json["parallel"] = {{"tp", 2},           {"pp", 2}, {"cp", 2},
                      {"dp", 2},           {"ep", 4}, {"sequence_parallel", true},
                      {"schedule", "1f1b"}};
  Built folded = build(json);
  std::set<int> cp_ranks_in_first_group;
  const std::vector<int> first = ep_groups_of(folded).front();
  for (int gpu : first) cp_ranks_in_first_group.insert((gpu / 2) % 2);  // rank = t + 2(c + 2d)
  EXPECT_EQ(cp_ranks_in_first_group.size(), 2u);
  EXPECT_EQ(first[1] - first[0], 2);
  const Timeline rep = run_engine(folded.representative.graph);
  const Timeline all = run_engine(folded.all.workload.graph);
  EXPECT_NEAR(all.makespan_s, rep.makespan_s, 1e-9 * rep.makespan_s);
}

TEST(AllRanks, ExpertAllToAllsLeaveThePassAsTasksOfTheirOwn) {
  // MoE with tp 2, ep 2 of dp 4: each pass's dispatches and combines become one all-to-all task
  // after the pass, over the EP pairs (DP ranks 2k, 2k+1 with the same TP rank).
  Json json = three_d_moe_json();
  json["parallel"]["ep"] = 2;
  json["parallel"]["sequence_parallel"] = true;  // Megatron-Core needs it for EP with tp > 1
  Built b = build(json);
  const TaskGraph& g = b.all.workload.graph;
  std::size_t a2a_tasks = 0;
  for (TaskId id = 0; id < g.task_count(); ++id) {
    const Task& t = g.task(id);
    if (t.category == TimeCategory::compute) {
      EXPECT_EQ(g.part_of(id, TimeCategory::ep_comm), 0);
    }
    if (t.category == TimeCategory::ep_comm) ++a2a_tasks;
  }
  EXPECT_GT(a2a_tasks, 0u);
  std::size_t comms = 0;
  for (const AllRankComm& c : b.all.comms) {
    if (c.scope != CommScope::ep) continue;
    ++comms;
    EXPECT_EQ(c.kind, CollectiveKind::all_to_all);
    EXPECT_EQ(c.group_size, 2u);
    const std::span<const int> gpus = b.all.gpus_of(c);
    ASSERT_EQ(gpus.size(), 4u);       // 2 TP ranks × an EP pair
    EXPECT_EQ(gpus[1] - gpus[0], 2);  // DP neighbours: global ranks tp apart
  }
  EXPECT_EQ(comms, a2a_tasks);
  // The split keeps the timeline: identical GPUs give the representative's step.
  const Timeline rep = run_engine(b.representative.graph);
  const Timeline all = run_engine(b.all.workload.graph);
  EXPECT_NEAR(all.makespan_s, rep.makespan_s, 1e-9 * rep.makespan_s);
}

TEST(AllRanks, ASlowGpuSlowsItsWholeLockstepGroupAndOnlyIt) {
  Json json = three_d_json();
  json["engine"] = {{"network", "flow"}, {"gpu_speed", {{{"gpu", 3}, {"factor", 0.5}}}}};
  Built slow = build(json);
  Built base = build(three_d_json());
  const TaskGraph& g = slow.all.workload.graph;
  // GPU 3 is TP rank 1 of DP rank 1 on stage 0: lockstep group 1 of stage 0.
  const StreamId slowed = slow.all.workload.ranks[1].compute;
  const StreamId other = slow.all.workload.ranks[2].compute;
  for (TaskId id = 0; id < g.task_count(); ++id) {
    const Task& t = g.task(id);
    const Task& ref = base.all.workload.graph.task(id);
    const TaskGraph& ref_graph = base.all.workload.graph;
    const double compute = ref_graph.part_of(id, TimeCategory::compute) +
                           ref_graph.part_of(id, TimeCategory::optimizer);
    if (t.stream == slowed) {
      EXPECT_NEAR(t.duration_s, ref.duration_s + compute, 1e-12 * (1 + ref.duration_s));
    } else if (t.stream == other) {
      EXPECT_DOUBLE_EQ(t.duration_s, ref.duration_s);
    }
  }
}

TEST(AllRanks, GpuSpeedAndDegradedLinksNeedTheFlowEngine) {
  Json json = three_d_json();
  json["engine"] = {{"gpu_speed", {{{"gpu", 3}, {"factor", 0.5}}}}};
  const std::string message = testing::refusal(json);  // a per-GPU speed on the analytic engine
  EXPECT_NE(message.find("engine.gpu_speed"), std::string::npos) << message;
}

TEST(AllRanks, BadWhatIfsAreRefusedWithTheirPath) {
  const auto message = [](Json engine) {
    Json json = three_d_json();
    if (!engine.contains("network")) engine["network"] = "flow";
    json["engine"] = std::move(engine);
    return testing::refusal(json);
  };
  EXPECT_NE(message({{"gpu_speed", {{{"gpu", 16}, {"factor", 0.5}}}}}).find("gpu_speed[0].gpu"),
            std::string::npos);
  EXPECT_NE(message({{"gpu_speed", {{{"gpu", 1}, {"factor", 0}}}}}).find("gpu_speed[0].factor"),
            std::string::npos);
  const std::string link =
      message({{"degraded_links", {{{"link", "node0/nic3->su0/leaf9"}, {"factor", 0.5}}}}});
  EXPECT_NE(link.find("degraded_links[0].link"), std::string::npos) << link;
  EXPECT_NE(link.find("did you mean 'node0/nic3->su0/leaf3'"), std::string::npos) << link;
  EXPECT_NE(message({{"network", "flows"}}).find("engine.network"), std::string::npos);
}

}  // namespace
}  // namespace trainsim
