// A lone flow costs exactly its route latency + bytes / bottleneck (α-β, comm-model.md §3.1), in
// both sharing modes: CM02 with crosstraffic 0 and TCP-gamma 0 adds no factor of its own. Also:
// the trivial flows, input checks, and repeat calls in one process (each runs in a child).
#include <cmath>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "flow_test_clusters.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {
namespace {

using flow_test::dgx_h100;
using flow_test::kGB;

constexpr double kRelTol = 1e-9;

void expect_rel_near(double actual, double expected) {
  EXPECT_NEAR(actual, expected, kRelTol * expected) << "relative error " << (actual / expected - 1);
}

double alpha_beta_s(const Topology& t, int src, int dst, double bytes, double cap_Bps = 0) {
  const Route r = t.route(src, dst);
  const double bw = cap_Bps > 0 ? std::min(cap_Bps, r.bottleneck_Bps) : r.bottleneck_Bps;
  return r.latency_s + bytes / bw;
}

class LoneFlow : public ::testing::TestWithParam<SharingKind> {};

TEST_P(LoneFlow, MatchesAlphaBetaOnEveryTier) {
  const Topology t = dgx_h100(2);
  FlowEngineOptions options;
  options.sharing = GetParam();
  struct Case {
    int src, dst;
    double bytes, start_s, cap_Bps;
  };
  // NVSwitch (450 GB/s, no latency); same rail across nodes (NIC 50 GB/s, 2 × 0.6 us + 0.13 us);
  // cross rail with PXN (NVLink relay, then the receiver's rail); a capped flow; a late start.
  const std::vector<Case> cases = {
      {0, 1, 1e9, 0, 0},        {0, 8, 1e9, 0, 0},    {3, 12, 123456789, 0, 0},
      {0, 8, 1e9, 0, 20 * kGB}, {5, 6, 7e8, 0.25, 0}, {9, 2, 1e6, 1e-3, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.src << "->" << c.dst << " bytes " << c.bytes);
    const Flow flow{c.src, c.dst, c.bytes, c.start_s, c.cap_Bps, 0};
    const std::vector<double> finish = simulate_flows(t, std::vector<Flow>{flow}, options);
    ASSERT_EQ(finish.size(), 1u);
    expect_rel_near(finish[0] - c.start_s, alpha_beta_s(t, c.src, c.dst, c.bytes, c.cap_Bps));
  }
}

INSTANTIATE_TEST_SUITE_P(Sharing, LoneFlow,
                         ::testing::Values(SharingKind::max_min, SharingKind::cm02_rtt));

TEST(LoneFlow, NetworkRouteLatencyIsTwoNicsAndOneSwitch) {
  const Topology t = dgx_h100(2);
  const Route r = t.route(0, 8);
  EXPECT_NEAR(r.latency_s, 2 * 0.6e-6 + 0.13e-6, 1e-15);
  EXPECT_DOUBLE_EQ(r.bottleneck_Bps, 50 * kGB);
  const std::vector<double> finish = simulate_flows(t, std::vector<Flow>{{0, 8, 1e9, 0, 0, 0}});
  expect_rel_near(finish[0], 1.33e-6 + 1e9 / (50 * kGB));
}

TEST(LoneFlow, TrivialFlowsNeedNoSimulation) {
  const Topology t = dgx_h100(2);
  const std::vector<Flow> flows = {{4, 4, 1e9, 0.5, 0, 0}, {0, 8, 0, 0.5, 0, 0}};
  const std::vector<double> finish = simulate_flows(t, flows);
  EXPECT_DOUBLE_EQ(finish[0], 0.5);
  EXPECT_DOUBLE_EQ(finish[1], 0.5 + t.route(0, 8).latency_s);
}

TEST(LoneFlow, SameInputSameBitsAcrossCalls) {
  const Topology t = dgx_h100(2);
  std::vector<Flow> flows;
  for (int i = 0; i < 16; ++i)
    flows.push_back({i, (i + 5) % 16, 1e8 * (1 + i % 3), 1e-4 * i, 0, 0});
  const std::vector<double> a = simulate_flows(t, flows);
  const std::vector<double> b = simulate_flows(t, flows);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "flow " << i;
}

TEST(LoneFlow, RejectsBadInput) {
  const Topology t = dgx_h100(1);
  EXPECT_THROW(simulate_flows(t, std::vector<Flow>{{0, 8, 1, 0, 0, 0}}), std::invalid_argument);
  EXPECT_THROW(simulate_flows(t, std::vector<Flow>{{-1, 2, 1, 0, 0, 0}}), std::invalid_argument);
  EXPECT_THROW(simulate_flows(t, std::vector<Flow>{{0, 1, -1, 0, 0, 0}}), std::invalid_argument);
  EXPECT_THROW(simulate_flows(t, std::vector<Flow>{{0, 1, NAN, 0, 0, 0}}), std::invalid_argument);
  EXPECT_THROW(simulate_flows(t, std::vector<Flow>{{0, 1, 1, -1, 0, 0}}), std::invalid_argument);
  FlowEngineOptions bad;
  bad.degraded_links = {{0, 0.0}};
  EXPECT_THROW(simulate_flows(t, std::vector<Flow>{{0, 1, 1, 0, 0, 0}}, bad),
               std::invalid_argument);
  bad.degraded_links = {{t.n_links(), 0.5}};
  EXPECT_THROW(simulate_flows(t, std::vector<Flow>{{0, 1, 1, 0, 0, 0}}, bad),
               std::invalid_argument);
}

}  // namespace
}  // namespace trainsim
