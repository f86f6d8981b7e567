// What-ifs at frontier scale: on the 16,384-GPU Llama 3.1 405B scenario, every GPU simulated, one
// degraded cable stretches exactly the collectives whose flows cross it and nothing else. Release
// builds only (tests/flow/CMakeLists.txt): about 20 s here, minutes under the sanitizers.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/core/data_dir.hpp"
#include "sim/network/flow_step.hpp"
#include "sim/parallel/scenario_checks.hpp"

namespace trainsim {
namespace {

TEST(FrontierWhatIf, ADegradedCableIn16kGpusSlowsOnlyTheDpGroupThatCrossesIt) {
  Json json = load_json_file(data_root() / "scenarios" / "llama3.1-405b-16k-h100.json");
  // GPU 0 (stage 0, TP rank 0) reaches its DP ring through node0's NIC 0, at a tenth of its speed.
  json["engine"] = {{"network", "flow"},
                    {"degraded_links", {{{"link", "node0/nic0->su0/leaf0"}, {"factor", 0.1}}}}};
  const Scenario s = checked(parse_scenario(json, data_root()));
  ASSERT_EQ(s.gpus, 16384);
  PredictOptions keep;
  keep.keep_timeline = true;
  const StepPrediction slow = predict_step_flow(s, keep);
  const StepPrediction analytic = predict_step(s);
  EXPECT_GT(slow.step_time_s, 1.02 * analytic.step_time_s)
      << "flow " << slow.step_time_s << " s, analytic " << analytic.step_time_s << " s";

  // Stage 0's DP groups are its 8 TP ranks (dp stream rank = stage * tp + TP rank). Only TP rank
  // 0's crosses the cable; the other seven run on their own rails, untouched.
  const TaskGraph& g = slow.workload->graph;
  double crossing = 0, others = 0;
  for (TaskId id = 0; id < g.task_count(); ++id) {
    const Task& t = g.task(id);
    const Stream& stream = g.streams()[t.stream];
    if (stream.kind != StreamKind::dp_comm || stream.rank >= 8 || t.duration_s < 1e-3) continue;
    const double took = slow.timeline->timing[id].end_s - slow.timeline->timing[id].start_s;
    double& worst = stream.rank == 0 ? crossing : others;
    worst = std::max(worst, took / t.duration_s);
  }
  EXPECT_GT(crossing, 3.0);
  EXPECT_LT(others, 1.01);
  EXPECT_GT(slow.breakdown.exposed(TimeCategory::dp_comm),
            2 * analytic.breakdown.exposed(TimeCategory::dp_comm));
}

}  // namespace
}  // namespace trainsim
