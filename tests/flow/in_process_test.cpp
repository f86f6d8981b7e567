// IsolationKind::in_process runs SimGrid in the test process itself, which allows it once per
// process: this file is its own executable (as every file in tests/flow) and runs one test, in
// order: a forked run, the same run in-process (bit-identical), then the refusals.
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "flow_test_clusters.hpp"
#include "sim/network/flow_engine.hpp"

namespace trainsim {
namespace {

using flow_test::dgx_h100;
using flow_test::iota_ranks;
using flow_test::kGiB;

TEST(InProcess, SameBitsAsTheChildThenRefusesAnotherEngine) {
  const Topology t = dgx_h100(2);
  FlowCollective ar;
  ar.ranks = iota_ranks(16);
  ar.bytes = kGiB;
  ar.channels = 0;
  FlowCollective send;
  send.kind = CollectiveKind::send_recv;
  send.ranks = {3, 11};
  send.bytes = 3e8;
  send.start_s = 1e-3;
  const std::vector<FlowCollective> collectives = {ar, send};

  const std::vector<CollectiveFlowTime> forked = estimate_collectives_flow(t, collectives);
  FlowEngineOptions in_process;
  in_process.isolation = IsolationKind::in_process;
  const std::vector<CollectiveFlowTime> here =
      estimate_collectives_flow(t, collectives, in_process);
  ASSERT_EQ(forked.size(), here.size());
  for (std::size_t i = 0; i < here.size(); ++i) EXPECT_EQ(forked[i].end_s, here[i].end_s) << i;

  EXPECT_THROW(estimate_collectives_flow(t, collectives, in_process), std::logic_error);
  EXPECT_THROW(estimate_collectives_flow(t, collectives), std::logic_error);
  // Flows that need no simulation still work.
  EXPECT_DOUBLE_EQ(simulate_flows(t, std::vector<Flow>{{2, 2, 1e9, 0.5, 0, 0}})[0], 0.5);
}

}  // namespace
}  // namespace trainsim
