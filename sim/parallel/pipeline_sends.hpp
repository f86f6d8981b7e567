#pragma once
// Pipeline point-to-point sends: after each forward (backward) pass of a chunk, its activations
// (gradients) go to the next (previous) virtual stage, and the receiving pass waits for them.
// Whether a send also blocks the sender's next pass is Strategy::p2p_overlap.
#include <cstddef>
#include <vector>

#include "sim/parallel/pass_costs.hpp"
#include "sim/parallel/pipeline_schedule.hpp"
#include "sim/parallel/scenario.hpp"
#include "sim/parallel/step_builder_internal.hpp"
#include "sim/parallel/step_graph_writer.hpp"

namespace trainsim {

// Which sends of a stage's order block its next pass (Strategy::p2p_overlap). The
// one-forward-one-backward phase runs from the forward just before the first backward to the
// backward just after the last forward; before it is the warm-up, after it the flush.
class BlockingSends {
 public:
  BlockingSends(const std::vector<ScheduleStep>& order, Strategy::P2pOverlap mode);
  // Whether the send after the order's pass `index` blocks the next pass.
  bool blocks(std::size_t index) const {
    switch (mode_) {
      case Strategy::P2pOverlap::none:
        return true;
      case Strategy::P2pOverlap::steady_state:
        return steady_begin_ >= steady_end_ || index < steady_begin_ || index > steady_end_;
      default:
        return false;
    }
  }

 private:
  Strategy::P2pOverlap mode_;
  std::size_t steady_begin_ = 0, steady_end_ = 0;  // inclusive; empty when begin >= end
};

// Adds the sends of `stage`'s passes (in `order`), once every stage's passes are in `passes`.
// Under ZB-V a chunk's next chunk may sit on the same GPU: then the pass waits without a send.
void add_pipeline_sends(StepGraphWriter& writer, const Scenario& scenario,
                        const PassCostTable& costs, const detail::PassTaskIndex& passes, int stage,
                        const std::vector<ScheduleStep>& order);

}  // namespace trainsim
