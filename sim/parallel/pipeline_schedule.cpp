#include "sim/parallel/pipeline_schedule.hpp"

#include <algorithm>
#include <stdexcept>

namespace trainsim {
namespace {

std::vector<ScheduleStep> gpipe(std::int32_t m) {
  std::vector<ScheduleStep> order;
  for (std::int32_t i = 0; i < m; ++i) order.push_back({PassKind::forward, i, 0});
  for (std::int32_t i = 0; i < m; ++i) order.push_back({PassKind::backward, i, 0});
  return order;
}

// PipeDream-Flush: (pp - stage - 1) warm-up forwards, then one-forward-one-backward, then the
// cool-down backwards.
std::vector<ScheduleStep> one_f_one_b(int pp, int stage, std::int32_t m) {
  const std::int32_t warmup = std::min<std::int32_t>(pp - stage - 1, m);
  std::vector<ScheduleStep> order;
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

}  // namespace

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
  }
  throw std::logic_error("unknown schedule");
}

}  // namespace trainsim
