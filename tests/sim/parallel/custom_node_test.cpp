// A scenario's own node object: the GPU comes from cluster.gpu, or from the node's default_gpu.
#include <gtest/gtest.h>

#include "scenario_fixture.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

Json with_custom_node(bool default_gpu, bool cluster_gpu) {
  Json json = testing::small_gpt_scenario();
  json["cluster"]["node"] = {
      {"gpus_per_node", 8}, {"nvswitch", true}, {"nics_per_node", 2}, {"nic_Gbps", 200}};
  if (default_gpu) json["cluster"]["node"]["default_gpu"] = "a100-sxm4-80gb";
  if (!cluster_gpu) json["cluster"].erase("gpu");
  return json;
}

TEST(CustomNode, NeedsNoDefaultGpuWhenTheClusterNamesOne) {
  const Scenario s = testing::scenario_from(with_custom_node(false, true));
  EXPECT_EQ(s.cluster.node.nics_per_node, 2);
  EXPECT_EQ(s.cluster.gpu.name, "a100-sxm4-80gb");
}

TEST(CustomNode, TakesItsDefaultGpuWhenTheClusterNamesNone) {
  const Scenario s = testing::scenario_from(with_custom_node(true, false));
  EXPECT_EQ(s.cluster.gpu.name, "a100-sxm4-80gb");
}

TEST(CustomNode, WithoutAnyGpuTheErrorNamesClusterGpu) {
  const std::string message = testing::refusal(with_custom_node(false, false));
  EXPECT_NE(message.find("cluster.gpu"), std::string::npos) << message;
}

}  // namespace
}  // namespace trainsim
