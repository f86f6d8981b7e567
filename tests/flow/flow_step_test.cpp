// A whole training step on the flow engine: every GPU simulated, DP collectives and pipeline sends
// as flows. Alone on the network it agrees with the fast engine; where groups share links, what-if
// GPUs or cables are slow, it shows the extra time and where it went.
#include "sim/network/flow_step.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hardware/topology.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/parallel/predict.hpp"
#include "sim/parallel/scenario_checks.hpp"

namespace trainsim {
namespace {

Scenario scenario_from(const Json& json) {
  return checked(parse_scenario(json, data_root()));
}

// 4 DGX A100 nodes (a NIC per GPU): tp 2, pp 2, dp 8. DP groups span two nodes each, the pipeline
// crosses nodes, and every group has links of its own.
Json three_d_json() {
  return parse_json_text(R"({
    "name": "small 3D",
    "model": {"layers": 8, "hidden": 2048, "heads": 16, "vocab": 32000, "activation": "gelu"},
    "cluster": {"gpu": "a100-sxm4-80gb", "node": "dgx-a100", "nodes": 4,
                "network": "ib-hdr200-rail-fattree"},
    "parallel": {"tp": 2, "pp": 2, "dp": 8, "schedule": "1f1b", "zero": 1},
    "training": {"global_batch": 128, "micro_batch": 2, "seq_len": 2048, "precision": "bf16"}
  })",
                         "fixture");
}

Json with_engine(Json json, Json engine) {
  engine["network"] = "flow";
  json["engine"] = std::move(engine);
  return json;
}

double relative(double a, double b) {
  return std::fabs(a - b) / b;
}

TEST(FlowStep, AgreesWithTheFastEngineWhenNothingContends) {
  const Scenario s = scenario_from(three_d_json());
  const StepPrediction fast = predict_step(s);
  const StepPrediction flow = predict_step_flow(s);
  EXPECT_LT(relative(flow.step_time_s, fast.step_time_s), 0.02)
      << "flow " << flow.step_time_s << " s vs fast " << fast.step_time_s << " s";
  EXPECT_NEAR(flow.breakdown.compute_s, fast.breakdown.compute_s, 0.01 * fast.step_time_s);
  EXPECT_NEAR(flow.breakdown.total_s(), flow.step_time_s, 1e-9 * flow.step_time_s);
  // Every GPU is simulated: per stage, 8 TP pairs run the passes and 2 DP groups the reductions.
  EXPECT_GT(flow.tasks, 4 * fast.tasks);
  EXPECT_GT(flow.flows, 0u);
}

TEST(FlowStep, TheSameInputGivesTheSameTimeline) {
  const Scenario s = scenario_from(three_d_json());
  PredictOptions keep;
  keep.keep_timeline = true;
  const StepPrediction a = predict_step_flow(s, keep), b = predict_step_flow(s, keep);
  ASSERT_EQ(a.timeline->timing.size(), b.timeline->timing.size());
  for (std::size_t i = 0; i < a.timeline->timing.size(); ++i) {
    EXPECT_EQ(a.timeline->timing[i].start_s, b.timeline->timing[i].start_s);
    EXPECT_EQ(a.timeline->timing[i].end_s, b.timeline->timing[i].end_s);
  }
}

// The step's transfer sets go host-to-host while few such transfers are in flight and as mailbox
// transfers of per-GPU actors beyond, a choice of speed: every task starts and ends at the same
// instant either way, where links are shared too.
TEST(FlowStep, HostToHostAndMailboxTransfersGiveTheSameTimeline) {
  // The contention scenario with 8 micro-batches instead of 32: each transfer of the mailbox way
  // is a thread under AddressSanitizer.
  Json contention = load_json_file(data_root() / "scenarios" / "contention-shared-nics.json");
  contention["training"]["global_batch"] = 16;
  for (const Scenario& s : {scenario_from(three_d_json()), scenario_from(contention)}) {
    const ComputeCost compute(s.cluster.gpu, s.cluster.profile);
    const CollectiveCost collectives(s.cluster.gpu, s.cluster.node, s.cluster.network, s.comm);
    StepWorkload representative = build_step(s, compute, collectives);
    AllRankStep step = expand_to_all_ranks(s, representative);
    step.workload.graph.freeze();
    const Topology topology = build_topology(s.cluster);
    FlowEngineOptions host_to_host, mailboxes, mixed;
    host_to_host.host_to_host_transfers_max = std::numeric_limits<std::size_t>::max();
    mailboxes.host_to_host_transfers_max = 0;
    mixed.host_to_host_transfers_max = 16;
    const FlowStepResult a = simulate_step_on_flows(topology, step, host_to_host);
    for (const FlowEngineOptions& other : {mailboxes, mixed}) {
      const FlowStepResult b = simulate_step_on_flows(topology, step, other);
      EXPECT_EQ(a.flows, b.flows);
      EXPECT_EQ(a.timeline.makespan_s, b.timeline.makespan_s) << s.name;
      ASSERT_EQ(a.timeline.timing.size(), b.timeline.timing.size());
      std::size_t differing = 0;
      for (std::size_t i = 0; i < a.timeline.timing.size(); ++i)
        differing += a.timeline.timing[i].start_s != b.timeline.timing[i].start_s ||
                     a.timeline.timing[i].end_s != b.timeline.timing[i].end_s;
      EXPECT_EQ(differing, 0u) << s.name << ", at most " << other.host_to_host_transfers_max
                               << " host-to-host transfers";
    }
  }
}

TEST(FlowStep, ASlowGpuLengthensTheStepByItsExtraComputeOnTheCriticalPath) {
  // No pipeline: the critical path is the slowest lockstep group's compute, optimizer and the DP
  // tail. Half speed on one GPU doubles its group's compute and optimizer.
  Json json = three_d_json();
  json["parallel"] = {{"tp", 2}, {"pp", 1}, {"dp", 16}, {"zero", 1}};
  const StepPrediction base = predict_step_flow(scenario_from(with_engine(json, Json::object())));
  const StepPrediction slow = predict_step_flow(
      scenario_from(with_engine(json, {{"gpu_speed", {{{"gpu", 5}, {"factor", 0.5}}}}})));
  const double expected = base.breakdown.compute_s + base.breakdown.optimizer_s;
  EXPECT_NEAR(slow.step_time_s - base.step_time_s, expected, 0.02 * expected)
      << "base " << base.step_time_s << " s, slow " << slow.step_time_s << " s";
  EXPECT_NEAR(slow.breakdown.compute_s, 2 * base.breakdown.compute_s,
              0.01 * base.breakdown.compute_s);
}

TEST(FlowStep, AHalfSpeedNicCableSlowsTheDpGroupThatCrossesIt) {
  // GPU 0 (stage 0, TP rank 0) sends its DP ring traffic through node0/nic0. Pipeline sends stay
  // beside compute so that no last-backward send meets a gradient bucket on the rail-1 links:
  // only the degraded cable may stretch anything.
  Json json = three_d_json();
  json["parallel"]["p2p_overlap"] = "all";
  const Json base_json = with_engine(json, Json::object());
  const Json slow_json = with_engine(
      json, {{"degraded_links", {{{"link", "node0/nic0->su0/leaf0"}, {"factor", 0.5}}}}});
  PredictOptions keep;
  keep.keep_timeline = true;
  const StepPrediction base = predict_step_flow(scenario_from(base_json), keep);
  const StepPrediction slow = predict_step_flow(scenario_from(slow_json), keep);
  EXPECT_GT(slow.step_time_s, base.step_time_s);
  // DP collectives of TP rank 0's groups stretch; TP rank 1's (rail 1) do not.
  const TaskGraph& g = slow.workload->graph;
  double stretched_rail0 = 0, stretched_rail1 = 0;
  for (TaskId id = 0; id < g.task_count(); ++id) {
    const Task& t = g.task(id);
    const Stream& stream = g.streams()[t.stream];
    if (stream.kind != StreamKind::dp_comm || t.duration_s < 1e-3) continue;
    const double took = slow.timeline->timing[id].end_s - slow.timeline->timing[id].start_s;
    double& worst = stream.rank % 2 == 0 ? stretched_rail0 : stretched_rail1;
    worst = std::max(worst, took / t.duration_s);
  }
  EXPECT_GT(stretched_rail0, 1.5);
  EXPECT_LT(stretched_rail1, 1.01);
}

TEST(FlowStep, SendsSharingANicShowContentionTheFastEngineCannotSee) {
  // scenarios/contention-shared-nics.json: 8 TP ranks per node send their pipeline slices through
  // one NIC, forward and backward sends of the interleaved schedule at once. NCCL's model prices
  // each send with the NIC to itself.
  const Scenario s =
      scenario_from(load_json_file(data_root() / "scenarios" / "contention-shared-nics.json"));
  const StepPrediction fast = predict_step(s);
  PredictOptions keep;
  keep.keep_timeline = true;
  const StepPrediction flow = predict_step_flow(s, keep);
  EXPECT_GT(flow.step_time_s, 1.1 * fast.step_time_s);
  EXPECT_GT(flow.breakdown.exposed(TimeCategory::pp_comm),
            5 * fast.breakdown.exposed(TimeCategory::pp_comm));
  EXPECT_NEAR(flow.breakdown.compute_s, fast.breakdown.compute_s, 1e-6 * fast.breakdown.compute_s);
  // 8 sends per direction leave each node at once; with forward and backward both leaving, up to
  // 16 share its one NIC: every send takes at least 8× its time alone, none more than 16×.
  const TaskGraph& g = flow.workload->graph;
  double worst = 0, least = 1e9;
  for (TaskId id = 0; id < g.task_count(); ++id) {
    const Task& t = g.task(id);
    if (t.category != TimeCategory::pp_comm || t.duration_s <= 0) continue;
    const TaskTiming& timing = flow.timeline->timing[id];
    const double slowdown = (timing.end_s - timing.start_s) / t.duration_s;
    worst = std::max(worst, slowdown);
    least = std::min(least, slowdown);
  }
  EXPECT_GT(worst, 8.0);
  EXPECT_LT(worst, 16.5);
  EXPECT_GT(flow.worst_sharing_slowdown[static_cast<std::size_t>(TimeCategory::pp_comm)], 8.0);
}

TEST(FlowStep, GroupsWhoseNicShareTheModelAlreadyAssumesAgreeWithIt) {
  // 8 TP ranks' DP rings through 2 NICs per node: NCCL's model already grants each ring a
  // quarter of a NIC (the node's GPUs all communicate), so the flows, which find exactly that
  // sharing, agree with it instead of counting it twice. One pipeline stage: the pipeline's
  // traffic (sends, the tied-embedding all-reduce between first and last stage) is the case
  // above, where the flows do see more than the model.
  Json json = load_json_file(data_root() / "scenarios" / "contention-shared-nics.json");
  json["cluster"]["node"]["nics_per_node"] = 2;
  json["parallel"] = {{"tp", 8}, {"pp", 1}, {"dp", 8}, {"zero", 1}};
  json["training"]["global_batch"] = 256;
  json["training"]["seq_len"] = 2048;
  const Scenario s = scenario_from(json);
  const StepPrediction fast = predict_step(s);
  const StepPrediction flow = predict_step_flow(s);
  EXPECT_NEAR(flow.breakdown.exposed(TimeCategory::dp_comm),
              fast.breakdown.exposed(TimeCategory::dp_comm),
              0.02 * fast.breakdown.exposed(TimeCategory::dp_comm));
  EXPECT_LT(relative(flow.step_time_s, fast.step_time_s), 0.02);
}

TEST(FlowStep, ExpertParallelMixtralRunsOnEveryGpu) {
  const Scenario s = scenario_from(
      load_json_file(data_root() / "scenarios" / "mixtral-8x7b-expert-parallel.json"));
  const StepPrediction fast = predict_step(s);
  const StepPrediction flow = predict_step_flow(s);
  EXPECT_LT(relative(flow.step_time_s, fast.step_time_s), 0.02);
  EXPECT_GT(flow.breakdown.exposed(TimeCategory::ep_comm), 0);
}

TEST(FlowStep, AnAllToAllSlowedBySharingIsExposedExpertCommunication) {
  // EP 4 with expert TP 4 puts each EP group's GPUs 4 apart, across two nodes: the dispatch and
  // combine all-to-alls leave through NICs that pipeline sends and gradient reductions use too.
  // The time they lose to that sharing is the critical GPU's exposed EP time, so the breakdown
  // still adds up to the step.
  const Scenario s = scenario_from(parse_json_text(R"({
    "model": "mixtral-8x7b",
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "nodes": 16,
                "network": "ib-ndr400-rail-fattree"},
    "parallel": {"tp": 4, "pp": 4, "ep": 4, "sequence_parallel": true, "zero": 1},
    "training": {"global_batch": 128, "micro_batch": 2, "seq_len": 1024, "precision": "bf16"}
  })",
                                                   "fixture"));
  const StepPrediction fast = predict_step(s);
  const StepPrediction flow = predict_step_flow(s);
  EXPECT_GT(flow.worst_sharing_slowdown[static_cast<std::size_t>(TimeCategory::ep_comm)], 1.1);
  EXPECT_NEAR(flow.breakdown.total_s(), flow.step_time_s, 1e-9 * flow.step_time_s);
  EXPECT_GT(flow.breakdown.exposed(TimeCategory::ep_comm),
            fast.breakdown.exposed(TimeCategory::ep_comm));
}

// Every schedule and feature runs on the flow engine, its breakdown adds up, and with nothing
// shared it stays within 2% of the fast engine.
class EveryFeature : public ::testing::TestWithParam<std::pair<std::string, Json>> {};

TEST_P(EveryFeature, RunsAndAgreesWithTheFastEngine) {
  Json json = three_d_json();
  for (const auto& [key, value] : GetParam().second.items()) {
    const bool training = key == "framework" || key == "recompute" || key == "compile";
    json[training ? "training" : "parallel"][key] = value;
  }
  const Scenario s = scenario_from(json);
  const StepPrediction fast = predict_step(s);
  const StepPrediction flow = predict_step_flow(s);
  EXPECT_NEAR(flow.breakdown.total_s(), flow.step_time_s, 1e-9 * flow.step_time_s);
  EXPECT_LT(relative(flow.step_time_s, fast.step_time_s), 0.02)
      << "flow " << flow.step_time_s << " s vs fast " << fast.step_time_s << " s";
}

INSTANTIATE_TEST_SUITE_P(
    Features, EveryFeature,
    ::testing::Values(
        std::pair<std::string, Json>{"OneFOneB", Json::object()},
        std::pair<std::string, Json>{"Gpipe", {{"schedule", "gpipe"}}},
        std::pair<std::string, Json>{"Interleaved", {{"schedule", "interleaved"}, {"vpp", 2}}},
        std::pair<std::string, Json>{"ZeroBubble", {{"schedule", "zb-h1"}}},
        std::pair<std::string, Json>{"ZeroBubbleV", {{"schedule", "zb-v"}}},
        std::pair<std::string, Json>{"Zero3", {{"zero", 3}}},
        std::pair<std::string, Json>{"HybridShard", {{"zero", 3}, {"zero_shard_size", 4}}},
        std::pair<std::string, Json>{
            "Zero3Blocking",
            {{"zero", 3}, {"zero3_prefetch", false}, {"zero3_grad_reduce", "all_reduce"}}},
        std::pair<std::string, Json>{
            "Zero3PerTensor",
            {{"zero", 3}, {"zero3_prefetch", false}, {"zero3_gather", "per_tensor"}}},
        std::pair<std::string, Json>{"SixteenBitGradients", {{"grad_reduce_in_fp32", false}}},
        std::pair<std::string, Json>{"NoOverlap", {{"overlap_grad_reduce", false}}},
        std::pair<std::string, Json>{"ContextParallel", {{"cp", 2}, {"dp", 4}}},
        std::pair<std::string, Json>{"SequenceParallel", {{"sequence_parallel", true}}},
        // The frameworks' own behaviour: DeepSpeed's blocking sends and unoverlapped 16-bit
        // gradient reduction; FSDP2's per-block gathers, once per step under PP, and its per-op
        // selective recomputation; JAX's fsdp axis with XLA's combined collectives and a MaxText
        // remat policy (no pipeline parallelism).
        std::pair<std::string, Json>{"DeepSpeed", {{"framework", "deepspeed"}, {"zero", 1}}},
        std::pair<std::string, Json>{"Fsdp2", {{"framework", "fsdp2"}, {"zero", 3}}},
        std::pair<std::string, Json>{"Fsdp2CompiledSelectiveOp",
                                     {{"framework", "fsdp2"},
                                      {"zero", 3},
                                      {"compile", true},
                                      {"sequence_parallel", true},
                                      {"recompute", "selective_op"}}},
        std::pair<std::string, Json>{"JaxFsdpMinimalRemat",
                                     {{"framework", "jax"},
                                      {"zero", 3},
                                      {"pp", 1},
                                      {"dp", 16},
                                      {"sequence_parallel", true},
                                      {"recompute", "minimal"}}}),
    [](const auto& info) { return info.param.first; });

}  // namespace
}  // namespace trainsim
