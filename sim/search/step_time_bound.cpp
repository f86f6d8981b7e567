#include "sim/search/step_time_bound.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "sim/parallel/memory.hpp"
#include "sim/parallel/parameter_server.hpp"
#include "sim/parallel/pipeline_schedule.hpp"

namespace trainsim {
namespace {

double total(const CategoryTimes& parts) {
  return std::accumulate(parts.begin(), parts.end(), 0.0);
}

}  // namespace

double step_time_lower_bound(const Scenario& s, const PassCostTable& costs) {
  const Strategy& p = s.parallel;
  const std::vector<std::int64_t> layers = s.layers_per_virtual_stage();
  const int vstages = static_cast<int>(layers.size());
  // One micro-batch's forward and backward (the weight pass included) through each virtual
  // stage, as the step builder sums its pieces.
  std::vector<double> forward_s(layers.size()), backward_s(layers.size());
  std::int64_t first_layer = 0;
  for (int vs = 0; vs < vstages; ++vs) {
    const auto n = static_cast<double>(layers[static_cast<std::size_t>(vs)]);
    double f = n * total(costs.layer.forward), b = n * total(costs.layer.backward);
    if (!costs.blocks.empty()) {  // a CNN's blocks differ
      f = b = 0;
      for (std::int64_t l = first_layer; l < first_layer + layers[static_cast<std::size_t>(vs)];
           ++l) {
        f += total(costs.layer_at(l).forward);
        b += total(costs.layer_at(l).backward);
      }
    }
    first_layer += layers[static_cast<std::size_t>(vs)];
    if (vs == 0) {
      f += total(costs.embedding.forward);
      b += total(costs.embedding.backward);
    }
    if (vs == vstages - 1) {
      f += total(costs.head.forward);
      b += total(costs.head.backward);
    }
    forward_s[static_cast<std::size_t>(vs)] = f;
    backward_s[static_cast<std::size_t>(vs)] = b;
  }
  const auto micro_batches = static_cast<double>(s.micro_batches());
  std::vector<double> stage_s(static_cast<std::size_t>(p.pp), 0.0);
  for (int vs = 0; vs < vstages; ++vs)
    stage_s[static_cast<std::size_t>(stage_of_virtual(p.schedule, p.pp, vs))] +=
        micro_batches *
        (forward_s[static_cast<std::size_t>(vs)] + backward_s[static_cast<std::size_t>(vs)]);

  double bound = *std::max_element(stage_s.begin(), stage_s.end());
  double pipeline = stage_s.back();
  for (int vs = 0; vs + 1 < p.pp; ++vs) pipeline += forward_s[static_cast<std::size_t>(vs)];
  if (p.schedule == ScheduleKind::gpipe || p.schedule == ScheduleKind::one_f_one_b ||
      p.schedule == ScheduleKind::interleaved)
    for (int vs = 0; vs + 1 < p.pp; ++vs) pipeline += backward_s[static_cast<std::size_t>(vs)];
  bound = std::max(bound, pipeline);
  if (p.parameter_server()) {
    // Every bucket's push runs on the dp stream one after another, each at least as long as the
    // busiest server's NICs take for it: the step is at least the whole step's pushes.
    const double grad_bytes =
        model_state_bytes_per_param(s.training.framework, s.training.precision,
                                    p.grad_reduce_in_fp32.value_or(true), p.zero)
            .reduced_grads;
    bound = std::max(bound, ps_server_load(s, stage_params_per_rank(s, 0) * grad_bytes).seconds);
  }
  // The engine adds the same durations in another order: allow for its rounding.
  return bound * (1 - 1e-9);
}

}  // namespace trainsim
