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
  const std::int32_t warmup =
      std::min<std::int32_t>(total, (pp - stage - 1) * 2 + (vpp - 1) * pp);
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

}  // namespace

std::vector<ScheduleStep> pipeline_order(ScheduleKind schedule, int pp, int stage,
                                         std::int32_t micro_batches, int vpp) {
  switch (schedule) {
    case ScheduleKind::gpipe: return gpipe(micro_batches);
    case ScheduleKind::one_f_one_b: return one_f_one_b(pp, stage, micro_batches);
    case ScheduleKind::interleaved: return interleaved(pp, stage, micro_batches, vpp);
    case ScheduleKind::zb_h1:
      throw std::logic_error("zb-h1 ordering is built by the zero-bubble builder");
  }
  throw std::logic_error("unknown schedule");
}

}  // namespace trainsim
