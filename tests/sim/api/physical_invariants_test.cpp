// Physical invariants over randomly generated valid scenarios (a seeded generator; each property
// holds for every case, and a failure prints the scenario in full): more bandwidth or a faster
// GPU never slows a step, a larger batch never shortens it, a larger micro-batch never needs
// less memory, the reported numbers agree with each other (breakdown, throughput, MFU), the same
// input gives the same bytes, and the two engines agree where the network is not contended.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>

#include "sim/api/trainsim.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {
namespace {

constexpr int kCases = 120;

struct Case {
  Json json;
  Scenario scenario;
};

template <typename T>
T pick(std::mt19937_64& rng, std::initializer_list<T> choices) {
  std::uniform_int_distribution<std::size_t> at(0, choices.size() - 1);
  return *(choices.begin() + at(rng));
}

// A valid scenario drawn from small dense and MoE models on 8 to 64 A100s or H100s, with every
// strategy setting drawn too; draws the façade refuses are redrawn.
Case valid_case(std::mt19937_64& rng) {
  while (true) {
    const bool h100 = pick(rng, {false, true});
    const int nodes = pick(rng, {1, 2, 4, 8});
    const int tp = pick(rng, {1, 2, 4, 8}), pp = pick(rng, {1, 2, 4});
    if (nodes * 8 % (tp * pp) != 0) continue;
    const int dp = nodes * 8 / (tp * pp);
    const int micro_batch = pick(rng, {1, 2, 4});
    Json j;
    j["model"] = pick<std::string>(
        rng, {"gpt3-125m", "gpt3-1.3b", "gpt3-6.7b", "llama3.1-8b", "llama2-13b", "mixtral-8x7b"});
    j["cluster"] = {{"gpu", h100 ? "h100-sxm5-80gb" : "a100-sxm4-80gb"},
                    {"node", h100 ? "dgx-h100" : "dgx-a100"},
                    {"nodes", nodes},
                    {"network", h100 ? "ib-ndr400-rail-fattree" : "ib-hdr200-rail-fattree"}};
    const std::string schedule = pick<std::string>(rng, {"1f1b", "gpipe", "interleaved"});
    j["parallel"] = {{"tp", tp},
                     {"pp", pp},
                     {"dp", dp},
                     {"schedule", schedule},
                     {"zero", pick(rng, {0, 1, 2})},
                     {"sequence_parallel", tp > 1 && pick(rng, {false, true})}};
    if (schedule == "interleaved") j["parallel"]["vpp"] = 2;
    if (j["model"] == "mixtral-8x7b" && dp % 2 == 0) j["parallel"]["ep"] = pick(rng, {1, 2});
    j["training"] = {{"global_batch", dp * micro_batch * pick(rng, {1, 2, 4, 8, 16})},
                     {"micro_batch", micro_batch},
                     {"seq_len", pick(rng, {1024, 2048, 4096})},
                     {"precision", pick<std::string>(rng, {"bf16", "fp16"})},
                     {"recompute", pick<std::string>(rng, {"none", "selective", "full"})}};
    try {
      Scenario s = parse_scenario(j, data_root());
      predict(s);
      return {j, std::move(s)};
    } catch (const InputError&) {
    } catch (const InfeasibleError&) {
    }
  }
}

// Runs `property` on kCases valid scenarios; stops at the first failure, printing its scenario.
void for_valid_scenarios(std::uint64_t seed,
                         const std::function<void(const Case&, const StepPrediction&)>& property) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < kCases; ++i) {
    const Case c = valid_case(rng);
    const StepPrediction p = predict(c.scenario);
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.json.dump());
    property(c, p);
    if (::testing::Test::HasFailure()) return;
  }
}

// Relative slack for floating-point noise only.
constexpr double kNoise = 1e-9;

TEST(PhysicalInvariants, MoreNetworkBandwidthNeverSlowsAStep) {
  for_valid_scenarios(1, [](const Case& c, const StepPrediction& p) {
    Scenario faster = c.scenario;
    faster.cluster.node.nic_Bps *= 2;
    faster.cluster.network.link_Bps *= 2;
    faster.cluster.gpu.nvlink_Bps *= 2;
    EXPECT_LE(predict(faster).step_time_s, p.step_time_s * (1 + kNoise));
  });
}

TEST(PhysicalInvariants, AFasterGpuNeverSlowsAStep) {
  for_valid_scenarios(2, [](const Case& c, const StepPrediction& p) {
    Scenario faster = c.scenario;
    for (double& peak : faster.cluster.gpu.dense_peak_flops_per_s) peak *= 2;
    faster.cluster.gpu.hbm_Bps *= 2;
    EXPECT_LE(predict(faster).step_time_s, p.step_time_s * (1 + kNoise));
  });
}

TEST(PhysicalInvariants, ALargerGlobalBatchOfTheSameMicroBatchesNeverShortensAStep) {
  for_valid_scenarios(3, [](const Case& c, const StepPrediction& p) {
    Scenario larger = c.scenario;
    larger.training.global_batch *= 2;
    EXPECT_GE(predict(larger).step_time_s, p.step_time_s * (1 - kNoise));
  });
}

TEST(PhysicalInvariants, ALargerMicroBatchNeverNeedsLessMemory) {
  for_valid_scenarios(4, [](const Case& c, const StepPrediction& p) {
    Scenario larger = c.scenario;
    larger.training.micro_batch *= 2;
    larger.training.global_batch *= 2;  // still a whole number of micro-batches per replica
    EXPECT_GE(predict(larger).memory.peak_bytes, p.memory.peak_bytes * (1 - kNoise));
  });
}

TEST(PhysicalInvariants, TheReportedNumbersAgreeWithEachOther) {
  for_valid_scenarios(5, [](const Case& c, const StepPrediction& p) {
    const Breakdown& b = p.breakdown;
    double parts_s = b.compute_s + b.optimizer_s + b.bubble_s;
    for (double exposed_s : b.exposed_comm_s) parts_s += exposed_s;
    EXPECT_NEAR(parts_s, p.step_time_s, 0.01 * p.step_time_s);
    const double tokens_per_step =
        double(c.scenario.training.global_batch) * double(c.scenario.training.seq_len);
    EXPECT_NEAR(p.tokens_per_s * p.step_time_s, tokens_per_step, 1e-9 * tokens_per_step);
    EXPECT_GT(p.mfu, 0);
    EXPECT_LE(p.mfu, 1);
    EXPECT_TRUE(std::isfinite(p.memory.peak_bytes) && p.memory.peak_bytes > 0);
  });
}

// The same input gives the same bytes (search's independence from the thread count is
// tests/sim/search's).
TEST(PhysicalInvariants, ThePredictionIsByteIdenticalEveryTime) {
  for_valid_scenarios(7, [](const Case& c, const StepPrediction& p) {
    const Scenario again = parse_scenario(c.json, data_root());
    EXPECT_EQ(prediction_to_json(predict(again)).dump(), prediction_to_json(p).dump());
  });
}

// On a non-blocking rail-optimized fat tree each GPU's traffic between nodes has its rail to
// itself (and NVLink inside a node is non-blocking): the flow engine's SimGrid transfers take
// what the analytic model prices, within 2%.
TEST(PhysicalInvariants, OnAnUncontendedNetworkTheFlowEngineAgreesWithTheAnalyticEngine) {
  if (!has_flow_engine()) GTEST_SKIP() << "built without the flow engine";
  std::mt19937_64 rng(6);
  int checked = 0;
  double worst = 0;
  std::string worst_case;
  while (checked < 40) {
    Case c = valid_case(rng);
    Scenario flow = c.scenario;
    flow.engine.network = NetworkEngineKind::flow;
    const double analytic_s = predict(c.scenario).step_time_s;
    const double flow_s = predict(flow).step_time_s;
    const double gap = std::abs(flow_s / analytic_s - 1);
    if (gap > worst) {
      worst = gap;
      worst_case = c.json.dump();
    }
    ++checked;
  }
  EXPECT_LE(worst, 0.02) << worst_case;
  RecordProperty("worst_gap", std::to_string(worst));
}

}  // namespace
}  // namespace trainsim
