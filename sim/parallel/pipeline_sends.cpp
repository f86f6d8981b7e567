#include "sim/parallel/pipeline_sends.hpp"

#include <algorithm>

namespace trainsim {

BlockingSends::BlockingSends(const std::vector<ScheduleStep>& order, Strategy::P2pOverlap mode)
    : mode_(mode) {
  if (mode != Strategy::P2pOverlap::steady_state) return;
  const auto is = [](PassKind kind) {
    return [kind](const ScheduleStep& s) { return s.pass == kind; };
  };
  const auto first_backward = std::find_if(order.begin(), order.end(), is(PassKind::backward));
  const auto last_forward = std::find_if(order.rbegin(), order.rend(), is(PassKind::forward));
  if (first_backward != order.end() && last_forward != order.rend()) {
    steady_begin_ = static_cast<std::size_t>(first_backward - order.begin()) - 1;
    steady_end_ = static_cast<std::size_t>(order.rend() - last_forward);
  }
}

void add_pipeline_sends(StepGraphWriter& writer, const Scenario& sc, const PassCostTable& costs,
                        const detail::PassTaskIndex& passes, int stage,
                        const std::vector<ScheduleStep>& order) {
  const Strategy& p = sc.parallel;
  const ScheduleKind schedule = p.schedule;
  const int pp = p.pp;
  const int vstages = pp * p.model_chunks();
  if (vstages == 1) return;
  const RankStreams r = writer.rank(stage);
  const BlockingSends blocking(order, p.p2p_overlap);
  const TaskLabel send_activations =
      TaskLabel::interned(writer.graph().intern_label("pp send activations"));
  const TaskLabel send_gradients =
      TaskLabel::interned(writer.graph().intern_label("pp send gradients"));
  for (std::size_t index = 0; index < order.size(); ++index) {
    const ScheduleStep& step = order[index];
    if (step.pass == PassKind::weight) continue;  // nothing to send
    const int vs = virtual_stage_of(schedule, pp, stage, step.chunk);
    const bool forward = step.pass == PassKind::forward;
    const int peer = forward ? vs + 1 : vs - 1;
    if (peer < 0 || peer >= vstages) continue;
    const int peer_stage = stage_of_virtual(schedule, pp, peer);
    if (peer_stage == stage) {  // ZB-V's turn: the next chunk is on this GPU
      writer.add_edge(passes.last(vs, step.micro_batch, step.pass),
                      passes.first(peer, step.micro_batch, step.pass));
      continue;
    }
    TaskSpec spec;
    spec.label = forward ? send_activations : send_gradients;
    spec.category = TimeCategory::pp_comm;
    const int boundary = std::min(vs, peer);
    spec.duration_s = costs.p2p_s_at(boundary);
    spec.micro_batch = step.micro_batch;
    spec.bytes = costs.p2p_bytes_at(boundary);
    const TaskId send =
        writer.add_comm_task(r.pp, spec,
                             CommTag{0, CommScope::pp, CollectiveKind::send_recv, spec.bytes,
                                     static_cast<std::int32_t>(peer_stage)});
    writer.add_edge(passes.last(vs, step.micro_batch, step.pass), send);
    writer.add_edge(send, passes.first(peer, step.micro_batch, step.pass));
    if (blocking.blocks(index) && index + 1 < order.size()) {
      const ScheduleStep& next = order[index + 1];
      writer.add_edge(send, passes.first(virtual_stage_of(schedule, pp, stage, next.chunk),
                                         next.micro_batch, next.pass));
    }
  }
}

}  // namespace trainsim
