#include "sim/parallel/pipeline_schedule.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>

namespace trainsim {
namespace {

std::vector<ScheduleStep> gpipe(std::int32_t m) {
  std::vector<ScheduleStep> order;
  order.reserve(2 * static_cast<std::size_t>(m));
  for (std::int32_t i = 0; i < m; ++i) order.push_back({PassKind::forward, i, 0});
  for (std::int32_t i = 0; i < m; ++i) order.push_back({PassKind::backward, i, 0});
  return order;
}

// PipeDream-Flush: (pp - stage - 1) warm-up forwards, then one-forward-one-backward, then the
// cool-down backwards.
std::vector<ScheduleStep> one_f_one_b(int pp, int stage, std::int32_t m) {
  const std::int32_t warmup = std::min<std::int32_t>(pp - stage - 1, m);
  std::vector<ScheduleStep> order;
  order.reserve(2 * static_cast<std::size_t>(m));
  std::int32_t next_forward = 0, next_backward = 0;
  for (; next_forward < warmup; ++next_forward)
    order.push_back({PassKind::forward, next_forward, 0});
  while (next_forward < m) {
    order.push_back({PassKind::forward, next_forward++, 0});
    order.push_back({PassKind::backward, next_backward++, 0});
  }
  while (next_backward < m) order.push_back({PassKind::backward, next_backward++, 0});
  return order;
}

// Megatron-LM's interleaved 1F1B: virtual micro-batch k runs chunk (k / pp) % vpp on micro-batch
// (k / (pp·vpp))·pp + k % pp; backwards visit the chunks in reverse.
std::vector<ScheduleStep> interleaved(int pp, int stage, std::int32_t m, int vpp) {
  if (m % pp != 0) throw std::logic_error("interleaved schedule needs micro-batches % pp == 0");
  const std::int32_t total = m * vpp;
  const std::int32_t group = pp * vpp;
  auto step_for = [&](std::int32_t k, PassKind pass) {
    const std::int32_t in_group = k % group;
    std::int32_t chunk = in_group / pp;
    if (pass == PassKind::backward) chunk = vpp - 1 - chunk;
    return ScheduleStep{pass, (k / group) * pp + k % pp, chunk};
  };
  const std::int32_t warmup = std::min<std::int32_t>(total, (pp - stage - 1) * 2 + (vpp - 1) * pp);
  std::vector<ScheduleStep> order;
  order.reserve(2 * static_cast<std::size_t>(total));
  std::int32_t next_forward = 0, next_backward = 0;
  for (; next_forward < warmup; ++next_forward)
    order.push_back(step_for(next_forward, PassKind::forward));
  while (next_forward < total) {
    order.push_back(step_for(next_forward++, PassKind::forward));
    order.push_back(step_for(next_backward++, PassKind::backward));
  }
  while (next_backward < total) order.push_back(step_for(next_backward++, PassKind::backward));
  return order;
}

// ZB-H1 (Qi et al., "Zero Bubble Pipeline Parallelism", 2023): 1F1B with the backward split into
// B and W. B alone travels back through the pipeline, so the backward wave reaches the first
// stage sooner; stage i runs W of micro-batch j only after B of micro-batch j + stage, so later
// stages keep W passes for the end of the step, where 1F1B would leave them idle. With
// t_f = t_b = t_w the bubble is (p - 1)(t_f + t_b - t_w), a third of 1F1B's; the warm-up (and so
// the activation memory) is that of 1F1B.
std::vector<ScheduleStep> zb_h1(int pp, int stage, std::int32_t m) {
  const std::int32_t warmup = std::min<std::int32_t>(pp - stage - 1, m);
  const std::int32_t lag = std::min<std::int32_t>(stage, m);
  std::vector<ScheduleStep> order;
  order.reserve(3 * static_cast<std::size_t>(m));
  std::int32_t next_weight = 0;
  auto backward = [&](std::int32_t mb) {
    order.push_back({PassKind::backward, mb, 0});
    if (mb - next_weight >= lag) order.push_back({PassKind::weight, next_weight++, 0});
  };
  std::int32_t next_forward = 0, next_backward = 0;
  for (; next_forward < warmup; ++next_forward)
    order.push_back({PassKind::forward, next_forward, 0});
  while (next_forward < m) {
    order.push_back({PassKind::forward, next_forward++, 0});
    backward(next_backward++);
  }
  while (next_backward < m) backward(next_backward++);
  while (next_weight < m) order.push_back({PassKind::weight, next_weight++, 0});
  return order;
}

// ZB-V (Qi et al., ICLR 2024, section 6): two chunks per stage placed as a V, the backward split
// into B and W as in ZB-H1. The orders come from a list schedule of the whole pipeline with the
// passes' durations (unit ones, t_F = t_B = t_W, the case the paper designs for, when none are
// given): whenever a stage is free it runs, in priority order, the oldest ready B (it unblocks
// the stage before it and leads to the W that frees memory), else a ready F, deeper chunk first,
// as long as fewer than 2·pp chunk passes hold activations (pp micro-batches of the whole stage:
// 1F1B's peak), else the oldest pending W; with nothing to run it waits for an input already on
// its way, or for a neighbouring stage to schedule a pass. With unit durations the warm-up leaves a
// bubble of about (pp − 1) chunk forwards: half of ZB-H1's and a quarter of 1F1B's, at 1F1B's
// activation memory.
std::vector<std::vector<ScheduleStep>> zb_v_orders(int pp, std::int32_t m,
                                                   const PassDurations* durations) {
  const int vstages = 2 * pp;
  const auto duration = [&](PassKind pass, int vs) {
    if (!durations) return 1.0;
    const auto& v = pass == PassKind::forward    ? durations->forward_s
                    : pass == PassKind::backward ? durations->backward_s
                                                 : durations->weight_s;
    return v[static_cast<std::size_t>(vs)];
  };
  const double hop_s = durations ? durations->transfer_s : 0.0;
  constexpr double kNotScheduled = -1;
  std::vector<double> forward_end(static_cast<std::size_t>(vstages) * m, kNotScheduled);
  std::vector<double> backward_end(forward_end.size(), kNotScheduled);
  const auto at = [m](int vs, std::int32_t mb) { return static_cast<std::size_t>(vs) * m + mb; };
  const auto stage_of = [pp](int vs) { return stage_of_virtual(ScheduleKind::zb_v, pp, vs); };
  // When the input of a pass coming from virtual stage `from` is on stage `to`'s GPU.
  const auto arrival = [&](double end, int from, int to) {
    return end == kNotScheduled ? kNotScheduled
                                : end + (stage_of(from) == stage_of(to) ? 0.0 : hop_s);
  };

  struct StageState {
    std::int32_t next_forward[2] = {0, 0};
    std::int32_t next_backward[2] = {0, 0};
    std::deque<std::pair<std::int32_t, std::int32_t>> pending_weight;  // (micro-batch, chunk)
    int in_flight = 0;
    int in_flight_coming_back = 0;  // of which chunk-1 passes
    double free_at = 0;             // when it next decides
    double busy_until = 0;          // end of its last pass
    bool waiting = false;           // nothing can run until a neighbour schedules a pass
  };
  std::vector<StageState> state(static_cast<std::size_t>(pp));
  std::vector<std::vector<ScheduleStep>> orders(static_cast<std::size_t>(pp));
  const std::int64_t total = 3LL * vstages * m;
  for (std::int64_t issued = 0; issued < total;) {
    // The stage that is free first (the lowest index on ties) decides next.
    int s = -1;
    for (int k = 0; k < pp; ++k) {
      const StageState& candidate = state[static_cast<std::size_t>(k)];
      if (!candidate.waiting &&
          (s < 0 || candidate.free_at < state[static_cast<std::size_t>(s)].free_at))
        s = k;
    }
    if (s < 0) throw std::logic_error("ZB-V list schedule deadlocked");
    StageState& st = state[static_cast<std::size_t>(s)];
    const double now = st.free_at;
    const auto ready_at = [&](PassKind pass, int chunk) {
      const int vs = virtual_stage_of(ScheduleKind::zb_v, pp, s, chunk);
      if (pass == PassKind::forward) {
        const std::int32_t mb = st.next_forward[chunk];
        if (mb >= m) return kNotScheduled;
        return vs == 0 ? 0.0 : arrival(forward_end[at(vs - 1, mb)], vs - 1, vs);
      }
      const std::int32_t mb = st.next_backward[chunk];
      if (mb >= m) return kNotScheduled;
      const double own = forward_end[at(vs, mb)];
      if (own == kNotScheduled) return kNotScheduled;
      if (vs + 1 == vstages) return own;
      const double grad = arrival(backward_end[at(vs + 1, mb)], vs + 1, vs);
      return grad == kNotScheduled ? kNotScheduled : std::max(own, grad);
    };
    const auto is_ready = [&](double t) { return t != kNotScheduled && t <= now; };

    std::optional<ScheduleStep> pick;
    for (int c : {1, 0}) {  // oldest ready B; the deeper chunk on ties
      if (!is_ready(ready_at(PassKind::backward, c))) continue;
      const std::int32_t mb = st.next_backward[c];
      if (!pick || mb < pick->micro_batch) pick = ScheduleStep{PassKind::backward, mb, c};
    }
    if (!pick && st.in_flight < 2 * pp) {
      for (int c : {1, 0}) {
        if (!is_ready(ready_at(PassKind::forward, c))) continue;
        // Without a chunk-1 pass in flight, the last slot is kept for a micro-batch coming back
        // up the V: filled with chunk-0 forwards, a stage could never run the chunk-1 forward its
        // next backward needs. (A chunk-1 pass in flight frees its slot without one: its
        // backward comes down from stage 0, where the loss needs nothing more.)
        const bool coming_back = st.next_forward[0] > st.next_forward[1];
        if (c == 0 && coming_back && st.in_flight_coming_back == 0 && st.in_flight + 1 >= 2 * pp)
          continue;
        pick = ScheduleStep{PassKind::forward, st.next_forward[c], c};
        break;
      }
    }
    if (!pick && !st.pending_weight.empty()) {
      const auto [mb, c] = st.pending_weight.front();
      st.pending_weight.pop_front();
      pick = ScheduleStep{PassKind::weight, mb, c};
    }
    if (!pick) {
      // Idle until an input already on its way arrives, or until a neighbour schedules a pass
      // (which wakes it below).
      double wake = kNotScheduled;
      for (PassKind pass : {PassKind::forward, PassKind::backward})
        for (int c : {0, 1}) {
          const double t = ready_at(pass, c);
          if (t != kNotScheduled && t > now && (wake == kNotScheduled || t < wake)) wake = t;
        }
      if (wake == kNotScheduled)
        st.waiting = true;
      else
        st.free_at = wake;
      continue;
    }
    const int vs = virtual_stage_of(ScheduleKind::zb_v, pp, s, pick->chunk);
    const double end = now + duration(pick->pass, vs);
    switch (pick->pass) {
      case PassKind::forward:
        forward_end[at(vs, pick->micro_batch)] = end;
        ++st.next_forward[pick->chunk];
        ++st.in_flight;
        st.in_flight_coming_back += pick->chunk;
        break;
      case PassKind::backward:
        backward_end[at(vs, pick->micro_batch)] = end;
        ++st.next_backward[pick->chunk];
        st.pending_weight.emplace_back(pick->micro_batch, pick->chunk);
        break;
      case PassKind::weight:
        --st.in_flight;
        st.in_flight_coming_back -= pick->chunk;
        break;
    }
    st.free_at = st.busy_until = end;
    // Only the stages next to this one take its output (the turn at the last stage stays home).
    // An idle neighbour looks again when this pass ends: its output may be ready sooner than
    // what that neighbour was waiting for.
    for (int k = std::max(0, s - 1); k <= std::min(pp - 1, s + 1); ++k) {
      StageState& other = state[static_cast<std::size_t>(k)];
      if (k == s) continue;
      if (other.waiting)
        other.free_at = std::max(other.busy_until, end);
      else if (other.free_at > other.busy_until)
        other.free_at = std::max(other.busy_until, std::min(other.free_at, end));
      other.waiting = false;
    }
    orders[static_cast<std::size_t>(s)].push_back(*pick);
    ++issued;
  }
  return orders;
}

}  // namespace

int peak_chunks_in_flight(const std::vector<ScheduleStep>& order) {
  const bool split = std::any_of(order.begin(), order.end(),
                                 [](const ScheduleStep& s) { return s.pass == PassKind::weight; });
  const PassKind frees = split ? PassKind::weight : PassKind::backward;
  int now = 0, peak = 0;
  for (const ScheduleStep& step : order) {
    if (step.pass == PassKind::forward) peak = std::max(peak, ++now);
    if (step.pass == frees) --now;
  }
  return peak;
}

std::vector<std::vector<ScheduleStep>> pipeline_orders(ScheduleKind schedule, int pp,
                                                       std::int32_t micro_batches, int vpp,
                                                       const PassDurations* durations) {
  if (schedule == ScheduleKind::zb_v) return zb_v_orders(pp, micro_batches, durations);
  std::vector<std::vector<ScheduleStep>> orders;
  orders.reserve(static_cast<std::size_t>(pp));
  for (int stage = 0; stage < pp; ++stage)
    orders.push_back(pipeline_order(schedule, pp, stage, micro_batches, vpp));
  return orders;
}

std::vector<ScheduleStep> pipeline_order(ScheduleKind schedule, int pp, int stage,
                                         std::int32_t micro_batches, int vpp) {
  switch (schedule) {
    case ScheduleKind::gpipe:
      return gpipe(micro_batches);
    case ScheduleKind::one_f_one_b:
      return one_f_one_b(pp, stage, micro_batches);
    case ScheduleKind::interleaved:
      return interleaved(pp, stage, micro_batches, vpp);
    case ScheduleKind::zb_h1:
      return zb_h1(pp, stage, micro_batches);
    case ScheduleKind::zb_v:
      return std::move(zb_v_orders(pp, micro_batches, nullptr)[static_cast<std::size_t>(stage)]);
  }
  throw std::logic_error("unknown schedule");
}

}  // namespace trainsim
