#pragma once
// The defaults of a scenario that depend on its other settings, in one place. A scenario parsed
// from JSON and one built in code get the same ones; predict (sim/api) resolves before it
// simulates. Constant defaults are the initializers in scenario.hpp.
#include "sim/parallel/scenario.hpp"

namespace trainsim {

// Default gradient bucket of Megatron-Core's DDP: max(40M, 1M x dp x cp) parameters.
inline constexpr double kDdpMinBucketParams = 40e6;
inline constexpr double kDdpBucketParamsPerDpRank = 1e6;
// A ZeRO-3 bucket where the framework's is one layer and the scenario has no layers to measure
// (it is invalid, and check_scenario says why): DeepSpeed's stage3_prefetch_bucket_size.
inline constexpr double kZero3BucketParams = 5e7;

// NIC ports the cluster's scale-out network connects (none for one node).
std::int64_t network_nics(const ClusterSpec& cluster);

// Raises cluster.network.tiers to the fat-tree tiers the cluster's NICs need (when the switch
// radix is known; hardware/fat_tree_capacity.hpp). Fills what is unset: parallel.dp (gpus /
// (tp·pp·cp), when that divides), training.seq_len (the model's max_seq_len, else 2048),
// and from the framework's profile (models/frameworks) what the scenario leaves unset:
// parallel.bucket_params, overlap_grad_reduce, grad_reduce_in_fp32, reshard_after_forward, the
// ZeRO-3 buckets and p2p_overlap (blocking, or what Megatron does for the schedule, when there
// are pipeline sends).
// Idempotent; leaves what it cannot derive for check_scenario to report.
void resolve_defaults(Scenario& scenario);

// A resolved copy.
Scenario resolved(Scenario scenario);

}  // namespace trainsim
