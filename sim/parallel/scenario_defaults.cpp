#include "sim/parallel/scenario_defaults.hpp"

#include <algorithm>

#include "hardware/fat_tree_capacity.hpp"
#include "sim/parallel/memory.hpp"

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
  const FrameworkProfile& framework = framework_profile(t.framework);
  if (p.bucket_params == 0 && p.dp > 0)
    p.bucket_params = framework.ddp_bucket_params > 0
                          ? framework.ddp_bucket_params
                          // Megatron-Core DDP's gradient bucket: max(40M, 1M x the DP x CP size
                          // it reduces over) (distributed_data_parallel.py), so that buckets grow
                          // with the ring they cross.
                          : std::max(kDdpMinBucketParams,
                                     kDdpBucketParamsPerDpRank * static_cast<double>(p.dp) * p.cp);
  if (!p.overlap_grad_reduce)
    // ZeRO-3 reduces each pass's gradients as the pass ends, in every framework (DeepSpeed's
    // overlap_comm defaults on for stage 3), so the setting only matters below it.
    p.overlap_grad_reduce = p.zero >= 3 ? true
                            : p.pp > 1  ? framework.overlap_grad_reduce_with_pp
                                        : framework.overlap_grad_reduce;
  if (!p.grad_reduce_in_fp32) p.grad_reduce_in_fp32 = framework.grad_reduce_in_fp32;
  // The ZeRO-3 settings mean nothing below stage 3: left unset there, so that check_scenario can
  // still tell a stated one (which has no effect) from the default.
  if (p.zero >= 3) {
    if (!p.reshard_after_forward)
      p.reshard_after_forward =
          p.pp > 1 ? framework.reshard_after_forward_with_pp : framework.reshard_after_forward;
    // Buckets of "one layer": the parameters of a transformer block on this rank.
    const bool splits = p.tp > 0 && p.ep > 0 && p.expert_tp() > 0;
    const auto zero3_bucket = [&](double profile_params) {
      if (profile_params > 0) return profile_params;
      return splits ? layer_params_per_rank(s) : kZero3BucketParams;
    };
    const bool gather_bucket_stated = p.zero3_bucket_params > 0;
    if (!gather_bucket_stated)
      p.zero3_bucket_params = zero3_bucket(framework.zero3_gather_bucket_params);
    if (p.zero3_reduce_bucket_params == 0)
      p.zero3_reduce_bucket_params = gather_bucket_stated
                                         ? p.zero3_bucket_params
                                         : zero3_bucket(framework.zero3_reduce_bucket_params);
  }
  // Without pipeline sends the setting means nothing: left unset, so that check_scenario can
  // still tell a stated one (which has no effect) from the default.
  if (p.p2p_overlap == Strategy::P2pOverlap::by_schedule && p.pp > 1)
    p.p2p_overlap =
        framework.blocking_p2p ? Strategy::P2pOverlap::none : megatron_p2p_overlap(p.schedule);
}

Scenario resolved(Scenario scenario) {
  resolve_defaults(scenario);
  return scenario;
}

}  // namespace trainsim
