#pragma once
// A training step on the flow engine (architecture.md "Two engines, one workload"): the step of
// every GPU (sim/parallel/all_ranks.hpp) run as a discrete-event simulation in which compute tasks
// take their (speed-scaled) durations and every DP collective and pipeline send becomes flows on
// the cluster topology, started when the task becomes ready and sharing links by max-min fairness
// with whatever else is in flight: other DP groups, other stages' sends.
//
// Calibration: a communication task of analytic duration D (the NCCL model, alone on the network)
// is lowered to its flows (lower_collective: ring edges, chains, pairs) plus a latency tail L (its
// steps' route latencies) paid after its last flow. Every flow's bytes are scaled by one factor so
// that, with the task alone on an undegraded network, its most loaded link finishes after D − L:
// an uncontended task then takes D, as in the fast engine (architecture.md: "calibrate SimGrid's
// network factors so that an uncontended flow matches the alpha-beta model"), and any sharing —
// another group's flows on a link, a degraded cable — lengthens it by what max-min sharing gives.
// The scale also carries NCCL's protocol and channel efficiency, so a task shares a link as if it
// needed that link for its whole analytic duration.
//
// What stays inside compute tasks: TP and CP collectives of a pass (blocking, on NVLink in the
// usual layouts). Expert-parallel all-to-alls leave their pass as a task of their own right after
// it (sim/parallel/all_ranks.hpp), so an EP group that crosses nodes meets DP and PP traffic. The
// pass of a lockstep group lasts as long as its slowest GPU needs (per-GPU speed factors).
#include <cstdint>

#include "sim/engine/engine.hpp"
#include "sim/network/flow_engine.hpp"
#include "sim/parallel/all_ranks.hpp"
#include "sim/parallel/predict.hpp"

namespace trainsim {

struct FlowStepResult {
  Timeline timeline;
  std::uint64_t flows = 0;  // transfers simulated
};

// `options.degraded_links` and `options.routes` apply; the sharing is max-min.
FlowStepResult simulate_step_on_flows(const Topology& topology, const AllRankStep& step,
                                      const FlowEngineOptions& options = {});

// predict_step (sim/parallel/predict.hpp) on the flow engine: scenario.engine's GPU speed factors
// and degraded links apply. The breakdown explains the slowest lockstep group; critical_stage is
// its stage. Asynchronous parameter-server workers at several speeds take one simulation per
// speed (child_process isolation).
StepPrediction predict_step_flow(const Scenario& scenario, const PredictOptions& options = {},
                                 IsolationKind isolation = IsolationKind::child_process);

}  // namespace trainsim
