// Parameter-server data parallelism: the bytes each server carries against a hand count, the
// incast that more servers or colocated servers relieve, and a straggler that holds back every
// synchronous step but not asynchronous workers.
#include <gtest/gtest.h>

#include "sim/api/trainsim.hpp"
#include "sim/parallel/parameter_server.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {
namespace {

constexpr double kResNet50Params = 25'557'032;

// ResNet-50 on 64 A100 (8 DGX nodes), 32 images per GPU, gradients through 4 dedicated
// one-NIC servers.
Scenario resnet50_with_servers(std::vector<std::string> sets = {}) {
  constexpr const char* kScenario = R"({
    "model": "resnet50",
    "cluster": {"gpu": "a100-sxm4-80gb", "node": "dgx-a100", "gpus": 64,
                "network": "ib-hdr200-rail-fattree"},
    "parallel": {"dp_mode": "parameter_server",
                 "ps": {"servers": 4, "placement": "dedicated", "server_nics": 1}},
    "training": {"global_batch": 2048, "micro_batch": 32, "precision": "fp16",
                 "framework": "pytorch"}
  })";
  return parse_scenario_text(kScenario, sets);
}

const std::string kStraggler = R"(engine.gpu_speed=[{"gpu": 3, "factor": 0.5}])";

TEST(ParameterServer, EachServerReceivesEveryWorkersShardOfTheGradients) {
  const StepPrediction p = predict(resnet50_with_servers());
  ASSERT_TRUE(p.parameter_server.has_value());
  // 64 workers each push 25.6 M fp32 gradients split over 4 servers: 64 x P x 4 B / 4.
  EXPECT_DOUBLE_EQ(p.parameter_server->server_bytes_per_step, 64 * kResNet50Params * 4.0 / 4);
  // Through one 200 Gb/s NIC that is the floor of the push, and as much again for the pull,
  // which overlaps the next bucket's push.
  const double one_way_s = p.parameter_server->server_bytes_per_step / 25e9;
  EXPECT_GT(p.step_time_s, one_way_s);
  EXPECT_LT(p.step_time_s, 2 * one_way_s + 0.05);
  EXPECT_EQ(prediction_to_json(p).at("parameter_server").at("update"), "sync");
}

TEST(ParameterServer, MoreServersOrColocatedServersRelieveTheIncast) {
  const StepPrediction four = predict(resnet50_with_servers());
  const StepPrediction sixteen = predict(resnet50_with_servers({"parallel.ps.servers=16"}));
  const StepPrediction colocated =
      predict(resnet50_with_servers({"parallel.ps.servers=8", "parallel.ps.placement=colocated"}));
  const StepPrediction allreduce =
      predict(resnet50_with_servers({"parallel.dp_mode=allreduce", "parallel.ps=null"}));
  const auto dp = [](const StepPrediction& p) {
    return p.breakdown.exposed(TimeCategory::dp_comm);
  };
  EXPECT_LT(dp(sixteen), dp(four) / 3);
  // Colocated on the 8 nodes, each server's node brings its 8 NICs and its own workers' share
  // never leaves the node.
  EXPECT_LT(dp(colocated), dp(sixteen));
  EXPECT_LT(allreduce.step_time_s, colocated.step_time_s);
  EXPECT_FALSE(allreduce.parameter_server.has_value());
  EXPECT_EQ(four.memory.nccl_buffers_bytes, 0);  // no NCCL communicator for the gradients
}

TEST(ParameterServer, AStragglerHoldsBackEverySynchronousStepButNotAsynchronousWorkers) {
  const StepPrediction sync = predict(resnet50_with_servers());
  const StepPrediction sync_straggler = predict(resnet50_with_servers({kStraggler}));
  const StepPrediction async_straggler =
      predict(resnet50_with_servers({kStraggler, "parallel.ps.update=async"}));
  // Synchronous: the step is the slow GPU's, twice the compute.
  EXPECT_GT(sync_straggler.step_time_s, sync.step_time_s);
  EXPECT_NEAR(sync_straggler.breakdown.compute_s, 2 * sync.breakdown.compute_s,
              1e-9 * sync.step_time_s);
  // Asynchronous: 63 workers at full pace and one at its own.
  ASSERT_TRUE(async_straggler.parameter_server.has_value());
  const ParameterServerStep& ps = *async_straggler.parameter_server;
  EXPECT_GT(*async_straggler.images_per_s, *sync_straggler.images_per_s);
  const double expected_rate = 63.0 / async_straggler.step_time_s + 1.0 / ps.slowest_worker_step_s;
  EXPECT_NEAR(*async_straggler.images_per_s, 32 * expected_rate, 1e-6 * 32 * expected_rate);
  EXPECT_DOUBLE_EQ(ps.slowest_worker_step_s, sync_straggler.step_time_s);
  // Every update is stale by the others' updates during its worker's step: 63 on average.
  EXPECT_NEAR(ps.mean_staleness_steps, 63, 1e-9);
  EXPECT_GT(ps.max_staleness_steps, 63);
  // Bounded staleness holds everyone within k steps of the slowest: its pace, sync's rate.
  const StepPrediction bounded = predict(
      resnet50_with_servers({kStraggler, "parallel.ps.update=async", "parallel.ps.staleness=4"}));
  EXPECT_NEAR(*bounded.images_per_s, *sync_straggler.images_per_s,
              1e-6 * *sync_straggler.images_per_s);
}

TEST(ParameterServer, WithoutAStragglerAsynchronousUpdatesMatchTheSynchronousRate) {
  const StepPrediction sync = predict(resnet50_with_servers());
  const StepPrediction async = predict(resnet50_with_servers({"parallel.ps.update=async"}));
  EXPECT_NEAR(*async.images_per_s, *sync.images_per_s, 1e-9 * *sync.images_per_s);
  EXPECT_NEAR(async.parameter_server->max_staleness_steps, 63, 1e-9);
}

TEST(ParameterServer, AStragglerHoldsBackAnAllReduceStepToo) {
  const Scenario allreduce =
      resnet50_with_servers({"parallel.dp_mode=allreduce", "parallel.ps=null"});
  const StepPrediction nominal = predict(allreduce);
  Scenario slow = allreduce;
  slow.engine.gpu_speed.push_back({3, 0.5});
  EXPECT_NEAR(predict(slow).breakdown.compute_s, 2 * nominal.breakdown.compute_s,
              1e-9 * nominal.step_time_s);
}

TEST(ParameterServer, OnTheFlowEngineDedicatedServersAloneTakeTheirAnalyticTime) {
  // Pushes use the links one way and pulls the other, and nothing else crosses the network:
  // every transfer runs as if alone, which is how the flows are calibrated.
  const StepPrediction analytic = predict(resnet50_with_servers());
  const StepPrediction flows = predict(resnet50_with_servers({"engine.network=flow"}));
  EXPECT_EQ(flows.engine, NetworkEngineKind::flow);
  EXPECT_GT(flows.flows, 64u * 4 * 2);  // every worker to every server and back, per bucket
  EXPECT_NEAR(flows.step_time_s, analytic.step_time_s, 0.01 * analytic.step_time_s);
  ASSERT_TRUE(flows.parameter_server.has_value());
  EXPECT_DOUBLE_EQ(flows.parameter_server->server_bytes_per_step,
                   analytic.parameter_server->server_bytes_per_step);
}

TEST(ParameterServer, OnTheFlowEngineColocatedServersShareTheirNicsWithTheWorkersPulls) {
  // A server's node takes the next bucket's pushes in through the NICs that bring its own
  // workers the last bucket's pulls: the analytic model, which gives each its own direction,
  // misses that; the flows find it.
  const std::vector<std::string> colocated = {"parallel.ps.placement=colocated"};
  const StepPrediction analytic = predict(resnet50_with_servers(colocated));
  std::vector<std::string> on_flows = colocated;
  on_flows.push_back("engine.network=flow");
  const StepPrediction flows = predict(resnet50_with_servers(on_flows));
  EXPECT_GT(flows.step_time_s, 1.05 * analytic.step_time_s);
  EXPECT_GT(flows.worst_sharing_slowdown[static_cast<std::size_t>(TimeCategory::dp_comm)], 1.2);
}

TEST(ParameterServer, OnTheFlowEngineAsynchronousWorkersKeepTheirOwnPaceToo) {
  // Colocated servers, one GPU at half speed: synchronous steps wait for it, asynchronous
  // workers do not; a nominal worker's step is the flow engine's step with nobody slowed.
  const std::vector<std::string> base = {"parallel.ps.placement=colocated", kStraggler,
                                         "engine.network=flow"};
  std::vector<std::string> async = base;
  async.push_back("parallel.ps.update=async");
  std::vector<std::string> nominal = {"parallel.ps.placement=colocated", "engine.network=flow"};
  const StepPrediction sync_step = predict(resnet50_with_servers(base));
  const StepPrediction async_step = predict(resnet50_with_servers(async));
  const StepPrediction nobody_slowed = predict(resnet50_with_servers(nominal));
  EXPECT_EQ(async_step.engine, NetworkEngineKind::flow);
  EXPECT_DOUBLE_EQ(async_step.step_time_s, nobody_slowed.step_time_s);
  EXPECT_GT(*async_step.images_per_s, 1.3 * *sync_step.images_per_s);
  ASSERT_TRUE(async_step.parameter_server.has_value());
  EXPECT_NEAR(async_step.parameter_server->mean_staleness_steps, 63, 1e-9);
  EXPECT_GT(async_step.parameter_server->slowest_worker_step_s, async_step.step_time_s);
}

TEST(ParameterServer, OnTheFlowEngineADedicatedServerHasAtMostANodesNics) {
  try {
    predict(resnet50_with_servers({"parallel.ps.server_nics=9", "engine.network=flow"}));
    ADD_FAILURE() << "9 NICs on a server beside 8-NIC DGX nodes should be refused on flows";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "parallel.ps.server_nics");
  }
}

TEST(ParameterServer, ServersSitOnHostsOfTheirOwnOrOnTheWorkersNodes) {
  // 8 DGX A100 nodes of 8 GPUs and 8 NICs. Dedicated servers are nodes 8, 9, ... of the
  // topology, on their first server_nics rails; colocated ones spread over nodes 0-7, each on
  // all 8 NICs of its node.
  const std::vector<std::vector<int>> dedicated =
      ps_server_endpoints(resnet50_with_servers({"parallel.ps.server_nics=2"}));
  EXPECT_EQ(dedicated, (std::vector<std::vector<int>>{{64, 65}, {72, 73}, {80, 81}, {88, 89}}));
  EXPECT_EQ(ps_server_nodes(resnet50_with_servers()), 4);
  const Scenario colocated =
      resnet50_with_servers({"parallel.ps.placement=colocated", "parallel.ps.servers=9"});
  const std::vector<std::vector<int>> spread = ps_server_endpoints(colocated);
  ASSERT_EQ(spread.size(), 9u);
  EXPECT_EQ(spread[1], (std::vector<int>{8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(spread[8], spread[0]);  // the ninth server shares node 0
  EXPECT_EQ(ps_server_nodes(colocated), 0);
}

TEST(ParameterServer, AsyncThroughputFollowsEachWorkersPace) {
  // Two workers at 1 s and 2 s: 1.5 updates/s; worker 1's update is stale by 0.5 of the
  // other's, worker 2's by 2 of worker 1's; averaged over updates: 1 = W - 1.
  const AsyncThroughput free = async_throughput({1.0, 2.0}, 0);
  EXPECT_DOUBLE_EQ(free.steps_per_s, 1.5);
  EXPECT_DOUBLE_EQ(free.max_staleness_steps, 2.0);
  EXPECT_DOUBLE_EQ(free.mean_staleness_steps, 1.0);
  const AsyncThroughput bounded = async_throughput({1.0, 2.0}, 3);
  EXPECT_DOUBLE_EQ(bounded.steps_per_s, 1.0);
}

}  // namespace
}  // namespace trainsim
