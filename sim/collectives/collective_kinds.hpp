#pragma once
// The collective table: one row per CollectiveKind with its names, the step structure NCCL's ring
// model derives every ring collective from, the algorithms NCCL's tuner models for it, and the
// nccl-tests bus-bandwidth factor. Code that needs a per-collective fact reads it here.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/collectives/collective_cost.hpp"
#include "sim/collectives/nccl_constants.hpp"

namespace trainsim {

// Bit i set = NcclAlgo with index i.
using NcclAlgoMask = std::uint8_t;
using NcclProtoMask = std::uint8_t;
constexpr NcclAlgoMask bit(NcclAlgo a) {
  return static_cast<NcclAlgoMask>(1u << index_of(a));
}
constexpr NcclProtoMask bit(NcclProto p) {
  return static_cast<NcclProtoMask>(1u << index_of(p));
}
inline constexpr NcclAlgoMask kAllNcclAlgos = 0x7f;
inline constexpr NcclProtoMask kAllNcclProtos = 0x7;

enum class BusBwFactor {
  two_p_minus_1_over_p,  // all_reduce: 2(p-1)/p
  p_minus_1_over_p,      // all_gather, reduce_scatter, all_to_all: (p-1)/p
  one,                   // broadcast, reduce, send_recv
};

struct CollectiveTraits {
  CollectiveKind kind;
  std::string_view name;       // trainsim name: "all_reduce"
  std::string_view nccl_name;  // "AllReduce"; empty when NCCL's tuner does not model it
  // nccl-tests' program stem ("allreduce" of all_reduce_perf), which file names also use.
  std::string_view nccl_tests_name;
  // Ring structure (tuning.cc): nsteps = ring_passes * (p-1), or p for rooted collectives;
  // inter-node steps = ring_passes * (N-1).
  int ring_passes;
  bool rooted;
  bool reduces;             // carries a reduction
  NcclAlgoMask nccl_algos;  // algorithms tuning.cc models for it (0 = not an NCCL-tuned op)
  BusBwFactor busbw;
};

inline constexpr std::array<CollectiveTraits, 7> kCollectiveTraits = {{
    {CollectiveKind::all_reduce, "all_reduce", "AllReduce", "allreduce", 2, false, true,
     static_cast<NcclAlgoMask>(kAllNcclAlgos & ~bit(NcclAlgo::pat)),
     BusBwFactor::two_p_minus_1_over_p},
    {CollectiveKind::all_gather, "all_gather", "AllGather", "allgather", 1, false, false,
     static_cast<NcclAlgoMask>(bit(NcclAlgo::ring) | bit(NcclAlgo::pat) | bit(NcclAlgo::nvls) |
                               bit(NcclAlgo::collnet_direct)),
     BusBwFactor::p_minus_1_over_p},
    {CollectiveKind::reduce_scatter, "reduce_scatter", "ReduceScatter", "reducescatter", 1, false,
     true,
     static_cast<NcclAlgoMask>(bit(NcclAlgo::ring) | bit(NcclAlgo::pat) | bit(NcclAlgo::nvls) |
                               bit(NcclAlgo::collnet_direct)),
     BusBwFactor::p_minus_1_over_p},
    {CollectiveKind::broadcast, "broadcast", "Broadcast", "broadcast", 0, true, false,
     bit(NcclAlgo::ring), BusBwFactor::one},
    {CollectiveKind::reduce, "reduce", "Reduce", "reduce", 0, true, true, bit(NcclAlgo::ring),
     BusBwFactor::one},
    {CollectiveKind::all_to_all, "all_to_all", "", "alltoall", 0, false, false, 0,
     BusBwFactor::p_minus_1_over_p},
    {CollectiveKind::send_recv, "send_recv", "", "sendrecv", 0, false, false, 0, BusBwFactor::one},
}};

constexpr const CollectiveTraits& traits_of(CollectiveKind kind) {
  return kCollectiveTraits[static_cast<std::size_t>(kind)];
}

// NCCL's nsteps for the ring model: 2(p-1) all_reduce, p-1 all_gather/reduce_scatter, p rooted.
constexpr int ring_steps(CollectiveKind kind, int ranks) {
  const auto& t = traits_of(kind);
  return t.rooted ? ranks : t.ring_passes * (ranks - 1);
}
// Ring steps that cross nodes: 0 on one node, else ring_passes * (N-1).
constexpr int ring_inter_steps(CollectiveKind kind, int nodes) {
  return nodes <= 1 ? 0 : traits_of(kind).ring_passes * (nodes - 1);
}

// nccl-tests busbw = algbw × factor (its *GetBw functions); algbw = size / time.
double busbw_factor(CollectiveKind kind, int ranks);

// By trainsim name ("all_reduce") or NCCL name ("AllReduce").
std::optional<CollectiveKind> parse_collective_kind(std::string_view name);

// The collective an nccl-tests program or log file is about, from its name ("all_reduce_perf",
// "./build/alltoall_perf_mpi", "h100_allreduce_8gpu.txt"): its name lower-cased without '_' and
// '-' contains the nccl-tests name. "reduce" is looked for after the longer names containing it.
std::optional<CollectiveKind> collective_in_nccl_tests_name(std::string_view name);

}  // namespace trainsim
