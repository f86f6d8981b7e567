#include "sim/parallel/scenario.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/parallel/pipeline_schedule.hpp"

namespace trainsim {

std::string_view name_of(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::gpipe:
      return "gpipe";
    case ScheduleKind::one_f_one_b:
      return "1f1b";
    case ScheduleKind::interleaved:
      return "interleaved";
    case ScheduleKind::zb_h1:
      return "zb-h1";
    case ScheduleKind::zb_v:
      return "zb-v";
  }
  return "?";
}

std::string_view name_of(RecomputeKind kind) {
  switch (kind) {
    case RecomputeKind::none:
      return "none";
    case RecomputeKind::selective:
      return "selective";
    case RecomputeKind::full:
      return "full";
    case RecomputeKind::selective_op:
      return "selective_op";
    case RecomputeKind::minimal:
      return "minimal";
    case RecomputeKind::minimal_flash:
      return "minimal_flash";
    case RecomputeKind::save_dot_except_mlpwi:
      return "save_dot_except_mlpwi";
    case RecomputeKind::save_dot_except_mlp:
      return "save_dot_except_mlp";
    case RecomputeKind::save_qkv_proj:
      return "save_qkv_proj";
  }
  return "?";
}

std::optional<RecomputeKind> parse_recompute(std::string_view name) {
  for (RecomputeKind kind : kRecomputeKinds)
    if (name_of(kind) == name) return kind;
  return std::nullopt;
}

std::string_view name_of(NetworkEngineKind kind) {
  switch (kind) {
    case NetworkEngineKind::analytic:
      return "analytic";
    case NetworkEngineKind::flow:
      return "flow";
  }
  return "?";
}

ShardContext Scenario::shard_context() const {
  ShardContext ctx;
  ctx.micro_batch = training.micro_batch;
  ctx.seq_len = training.seq_len;
  ctx.tp = parallel.tp;
  ctx.sequence_parallel = parallel.sequence_parallel && parallel.tp > 1;
  ctx.cp = parallel.cp;
  ctx.ep = parallel.ep;
  ctx.etp = parallel.expert_tp();
  ctx.expert_load_imbalance = parallel.expert_load_imbalance;
  ctx.gemm_precision = training.precision;
  ctx.activation_precision = training.precision == Precision::fp32   ? Precision::fp32
                             : training.precision == Precision::fp16 ? Precision::fp16
                                                                     : Precision::bf16;
  ctx.framework = training.framework;
  ctx.compiled = training.compile;
  ctx.flash_attention = training.flash_attention;
  return ctx;
}

std::vector<std::int64_t> Scenario::layers_per_virtual_stage() const {
  const std::int64_t chunks = std::int64_t{parallel.pp} * parallel.model_chunks();
  std::vector<std::int64_t> layers(static_cast<std::size_t>(chunks));
  if (parallel.layer_split == LayerSplit::counts) {
    layers = parallel.layer_counts;
  } else if (parallel.layer_split == LayerSplit::embedding_and_loss && chunks > 1) {
    const std::int64_t per_chunk = (model.layers + 2) / chunks;
    std::fill(layers.begin(), layers.end(), per_chunk);
    layers.front() -= 1;
    layers.back() -= 1;
  } else {
    std::fill(layers.begin(), layers.end(), model.layers / chunks);
  }
  return layers;
}

std::int64_t Scenario::first_layer_of_stage(int stage) const {
  const auto layers = layers_per_virtual_stage();
  const int vs = virtual_stage_of(parallel.schedule, parallel.pp, stage, 0);
  std::int64_t first = 0;
  for (int v = 0; v < vs; ++v) first += layers[static_cast<std::size_t>(v)];
  return first;
}

std::int64_t Scenario::layers_on_stage(int stage) const {
  const auto layers = layers_per_virtual_stage();
  std::int64_t total = 0;
  for (int chunk = 0; chunk < parallel.model_chunks(); ++chunk)
    total += layers[static_cast<std::size_t>(
        virtual_stage_of(parallel.schedule, parallel.pp, stage, chunk))];
  return total;
}

}  // namespace trainsim
