#pragma once
// NCCL's cost table for one (collective, communicator): ncclTopoTuneModel's
// bandwidth[algo][proto] (algorithm bandwidth, GB/s; 0 = not available) and latency[algo][proto]
// (µs), and ncclTopoGetAlgoTime's per-call time, comm-model.md §1.3–1.5. One function builds the
// table for every collective from its row in kCollectiveTraits; nothing is per-collective code.
//
// Per-call time = latency + bytes / (1000 · bw) µs, with NCCL's size-dependent corrections (Tree
// correction factor, ring plateau) and three trainsim refinements that NCCL's tuner lacks:
//  - Rings run small messages on fewer channels (enqueue.cc), so below nChannels × one channel's
//    work the bandwidth term stays at that of one channel-chunk per channel.
//  - NVLS runs in chunks that NCCL shrinks for smaller messages (enqueue.cc); each round of
//    (runtime channels × heads × chunk) bytes costs a per-round overhead and the pipeline costs a
//    fill of a few chunks (data: trainsim_refinements.nvls_pipeline, fitted to an 8×H100 sweep).
//  - A larger message never costs less: where a size-dependent factor steps up (Tree correction,
//    NVLS chunk regimes), the time is held at the value just below the step.
#include <string>

#include "sim/collectives/collective_kinds.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/collectives/nccl_topology.hpp"

namespace trainsim {

struct NcclTuning {
  CollectiveKind kind = CollectiveKind::all_reduce;
  AlgoProtoTable<double> bandwidth_GBps{};  // algorithm bandwidth; 0 = not available
  AlgoProtoTable<double> latency_us{};
  AlgoProtoTable<double> bus_bandwidth_GBps{};  // before the busBw → algBw conversion

  bool available(NcclAlgo a, NcclProto p) const {
    return bandwidth_GBps[index_of(a)][index_of(p)] > 0;
  }
};

// Requires traits_of(kind).nccl_algos != 0 (an NCCL-tuned collective).
NcclTuning build_nccl_tuning(const NcclConstants& c, const NcclMachine& machine,
                             const NcclCommTopology& topo, CollectiveKind kind);

// Time of one call in µs; negative when (a, p) is not available. `bytes` as NCCL counts them
// (all_gather/reduce_scatter: the whole gathered buffer).
double nccl_time_us(const NcclConstants& c, const NcclMachine& machine,
                    const NcclCommTopology& topo, const NcclTuning& tuning, NcclAlgo a, NcclProto p,
                    double bytes);

// NCCL's own prediction without the trainsim refinements (no NVLS pipeline, no envelope).
double nccl_model_time_us(const NcclConstants& c, const NcclMachine& machine,
                          const NcclCommTopology& topo, const NcclTuning& tuning, NcclAlgo a,
                          NcclProto p, double bytes);

// The grid NCCL prints under NCCL_DEBUG_SUBSYS=TUNING ("latency/bandwidth" per algo × proto).
std::string format_nccl_tuning(const NcclTuning& tuning);

}  // namespace trainsim
