#include "sim/parallel/scenario_defaults.hpp"

#include <algorithm>

#include "hardware/fat_tree_capacity.hpp"

namespace trainsim {
namespace {

// GPT-3's context (Brown et al. 2020), the length Megatron-LM's examples train at when a model
// states none.
constexpr std::int64_t kFallbackSeqLen = 2048;

// Megatron's p2p overlap for each schedule: overlap_p2p_comm is on for the interleaved schedule
// (its warm-up and flush still block: overlap_p2p_comm_warmup_flush defaults off) and forced off
// for non-interleaved 1F1B; the zero-bubble and GPipe orders keep their sends asynchronous.
Strategy::P2pOverlap megatron_p2p_overlap(ScheduleKind schedule) {
  switch (schedule) {
    case ScheduleKind::interleaved:
      return Strategy::P2pOverlap::steady_state;
    case ScheduleKind::one_f_one_b:
      return Strategy::P2pOverlap::none;
    case ScheduleKind::gpipe:
    case ScheduleKind::zb_h1:
    case ScheduleKind::zb_v:
      return Strategy::P2pOverlap::all;
  }
  return Strategy::P2pOverlap::all;
}

}  // namespace

std::int64_t network_nics(const ClusterSpec& cluster) {
  return cluster.nodes > 1 ? std::int64_t{cluster.nodes} * cluster.node.nics_per_node : 0;
}

void resolve_defaults(Scenario& s) {
  // A fat tree grows a tier when its switches run out of ports; beyond three tiers
  // check_scenario refuses the cluster.
  NetworkSpec& network = s.cluster.network;
  if (const std::optional<int> tiers = fat_tree_tiers_needed(network, network_nics(s.cluster)))
    network.tiers = *tiers;

  TrainingConfig& t = s.training;
  if (t.seq_len == 0) t.seq_len = s.model.max_seq_len > 0 ? s.model.max_seq_len : kFallbackSeqLen;

  Strategy& p = s.parallel;
  const std::int64_t model_parallel = std::int64_t{p.tp} * p.pp * p.cp;
  if (p.dp == 0 && model_parallel > 0 && s.gpus % model_parallel == 0)
    p.dp = static_cast<int>(s.gpus / model_parallel);
  // Megatron-Core DDP's gradient bucket: max(40M, 1M x the DP x CP size it reduces over)
  // (distributed_data_parallel.py), so that buckets grow with the ring they cross.
  if (p.bucket_params == 0 && p.dp > 0 && t.framework == Framework::pytorch)
    p.bucket_params = kPytorchDdpBucketParams;
  else if (p.bucket_params == 0 && p.dp > 0)
    p.bucket_params =
        std::max(kDdpMinBucketParams, kDdpBucketParamsPerDpRank * static_cast<double>(p.dp) * p.cp);
  // Without pipeline sends the setting means nothing: left unset, so that check_scenario can
  // still tell a stated one (which has no effect) from the default.
  if (p.p2p_overlap == Strategy::P2pOverlap::by_schedule && p.pp > 1)
    p.p2p_overlap = megatron_p2p_overlap(p.schedule);
}

Scenario resolved(Scenario scenario) {
  resolve_defaults(scenario);
  return scenario;
}

}  // namespace trainsim
