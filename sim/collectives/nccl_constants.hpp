#pragma once
// NCCL's cost-model constants (tuning.cc, topo.h, search.cc of one NCCL version) as typed tables.
// The numbers live in sim/collectives/data/nccl-<version>.json; this header only gives them
// names and shapes. Tables are indexed by the enums below, in NCCL's own order.
#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/json_fields.hpp"

namespace trainsim {

// NCCL_ALGO_* order (nccl_tuner.h).
enum class NcclAlgo { tree, ring, collnet_direct, collnet_chain, nvls, nvls_tree, pat };
// NCCL_PROTO_* order.
enum class NcclProto { ll, ll128, simple };
// NCCL_HW_* order: the link class a latency is paid on.
enum class NcclHw { nvlink, pci, net };
// compCapIndex order.
enum class NcclArch { volta, ampere, hopper, blackwell };

inline constexpr std::size_t kNcclAlgoCount = 7;
inline constexpr std::size_t kNcclProtoCount = 3;
inline constexpr std::size_t kNcclHwCount = 3;
inline constexpr std::size_t kNcclArchCount = 4;
inline constexpr std::size_t kNodesColumnCount = 3;  // N1, N2, N4+ (NCCL's index2)
inline constexpr std::size_t kTreeCorrectionCount = 24;

inline constexpr std::array<NcclAlgo, kNcclAlgoCount> kNcclAlgos = {NcclAlgo::tree,
                                                                    NcclAlgo::ring,
                                                                    NcclAlgo::collnet_direct,
                                                                    NcclAlgo::collnet_chain,
                                                                    NcclAlgo::nvls,
                                                                    NcclAlgo::nvls_tree,
                                                                    NcclAlgo::pat};
inline constexpr std::array<NcclProto, kNcclProtoCount> kNcclProtos = {
    NcclProto::ll, NcclProto::ll128, NcclProto::simple};

constexpr std::size_t index_of(NcclAlgo a) {
  return static_cast<std::size_t>(a);
}
constexpr std::size_t index_of(NcclProto p) {
  return static_cast<std::size_t>(p);
}
constexpr std::size_t index_of(NcclHw h) {
  return static_cast<std::size_t>(h);
}
constexpr std::size_t index_of(NcclArch g) {
  return static_cast<std::size_t>(g);
}

// Names as trainsim writes them (data-file keys, CollectiveEstimate, comm.algorithm values):
// "tree", "ring", "collnet_direct", "collnet_chain", "nvls", "nvls_tree", "pat";
// "LL", "LL128", "Simple"; "nvlink", "pci", "net"; "volta", "ampere", "hopper", "blackwell".
std::string_view name_of(NcclAlgo algo);
std::string_view name_of(NcclProto proto);
std::string_view name_of(NcclHw hw);
std::string_view name_of(NcclArch arch);
// Case-insensitive; also accepts NCCL's spellings ("NVLSTree", "CollNetDirect", ...).
std::optional<NcclAlgo> parse_nccl_algo(std::string_view name);
std::optional<NcclProto> parse_nccl_proto(std::string_view name);

template <typename T>
using AlgoProtoTable = std::array<std::array<T, kNcclProtoCount>, kNcclAlgoCount>;
using NodesRow = std::array<double, kNodesColumnCount>;
using ArchNodesTable = std::array<NodesRow, kNcclArchCount>;

// Candidate per-channel speeds (GB/s) of NCCL's graph search, from the top down.
struct SpeedArrays {
  std::vector<double> intra;
  std::vector<double> inter;
};

struct NcclConstants {
  std::string nccl_version;    // "2.30.7"
  std::filesystem::path file;  // where it was read from
  std::string source;          // one line: repository, commit and files

  std::array<int, kNcclArchCount> arch_min_sm{};  // 70, 80, 90, 100

  // ---- latencies (µs) ----
  AlgoProtoTable<double> base_latency_us{};
  // [hw][algo][proto]; nullopt where NCCL does not model the combination.
  std::array<AlgoProtoTable<std::optional<double>>, kNcclHwCount> hw_latency_us{};
  double latency_inter_us = 0;  // graph->latencyInter (0 for NCCL's built-in IB plugin)
  double net_overhead_us = 1;   // for the assumed CPU vendor
  double net_overhead_simple_multiplier = 3;

  // ---- bandwidth caps (GB/s) ----
  ArchNodesTable ll_max_bw_GBps{};          // rows: see data file ("volta" row = Intel multi-node)
  std::size_t ll_max_bw_multinode_row = 0;  // row for multi-node (CPU vendor: intel 0, amd 1)
  ArchNodesTable per_ch_max_ring_ll128_GBps{};
  ArchNodesTable per_ch_max_tree_ll128_GBps{};
  ArchNodesTable per_ch_max_tree_GBps{};
  ArchNodesTable per_ch_max_nvls_tree_GBps{};
  std::array<double, kNcclArchCount> nvls_efficiency_frac{};

  // ---- named refinements of ncclTopoTuneModel / ncclTopoGetAlgoTime ----
  struct Refinements {
    double ring_ll_bw_frac = 0;
    double ring_ll128_bw_frac = 0;
    double tree_bw_frac = 0;
    double tree_ll_bw_divisor = 0;
    double tree_ll128_1node_bw_frac = 0;
    double tree_ll128_multinode_bw_frac = 0;
    double tree_pattern_bw_frac = 0;
    double pat_bw_frac = 0;
    double collnet_direct_sm90_bw_frac = 0;
    double collnet_direct_inter_bw_frac = 0;
    double tree_collnet_algbw_ratio = 0;
    double nvls_allreduce_pipeline_factor = 0;
    double nvls_tree_2node_inter_factor = 0;
    double collnet_arity_serialization_us = 0;
    double pat_log_latency_divisor = 0;
    double pat_per_rank_latency_us = 0;
    double ring_plateau_latency_factor = 0;
    double ring_plateau_latency_factor_pre_sm80 = 0;
    double ring_plateau_min_bytes_per_channel_rank = 0;
  } refine;

  // treeCorrectionFactor[proto][log2i(nBytes >> 6)].
  std::array<std::array<double, kTreeCorrectionCount>, kNcclProtoCount> tree_correction{};
  int tree_correction_max_index = 22;
  int nvls_tree_correction_max_index = 23;
  // Monotone envelopes of the corrected bandwidth term (bytes / factor): entry i is the largest
  // bucket-end bytes / factor over the buckets below i, so a larger message never costs less.
  // Filled by the loader for Tree (max index tree_correction_max_index) and for NVLSTree.
  using TreeEnvelope = std::array<std::array<double, kTreeCorrectionCount + 1>, kNcclProtoCount>;
  TreeEnvelope tree_envelope_bytes{};
  TreeEnvelope nvls_tree_envelope_bytes{};

  // ---- topology / search ----
  std::vector<std::pair<int, double>> nvlink_per_link_GBps_by_sm;        // ascending SM
  std::vector<std::pair<int, double>> nvlink_datasheet_link_GBps_by_sm;  // ascending SM
  double unknown_gpu_link_efficiency_frac = 0.8;
  double pci_datasheet_frac = 0.75;
  double pci_default_GBps = 12;
  SpeedArrays speeds_pre_hopper, speeds_hopper, speeds_blackwell;
  double search_min_speed_ratio = 0.49;
  int max_channels = 32;
  int ring_search_max_channels = 16;
  double dup_min_bw_intra_GBps = 25;
  int dup_newer_than_sm = 80;
  double dup_newer_min_bw_intra_GBps = 50;
  int dup_newer_max_channels = 4;
  int nvls_max_arity = 32;
  int collnet_direct_max_local_ranks = 8;
  int nvls_runtime_channels_hopper = 16;
  int nvls_runtime_channels_blackwell_single = 24;
  int nvls_runtime_channels_blackwell_multi = 32;

  // ---- trainsim refinements ----
  struct NvlsPipeline {
    double max_chunk_bytes = 131072;
    std::vector<std::pair<double, double>> shrink_rules;  // (multiple of ops*chunk, new chunk)
    double multi_node_low_bw_GBps = 150;
    double multi_node_low_bw_max_chunk_bytes = 32768;
    double per_round_overhead_us = 0;
    double fill_depth_chunks = 0;
  } nvls_pipeline;
  struct SmallMessageChannels {
    std::array<double, kNcclProtoCount> threads{};           // per channel (CTA)
    std::array<double, kNcclProtoCount> bytes_per_thread{};  // threadThresholds
    bool ring_ll_times_ranks = true;
  } small_message_channels;
  double nvlink_p2p_frac = 0.81;
  double pci_p2p_frac = 0.81;
  double net_p2p_frac = 0.96;

  // Lookups.
  double hw_latency(NcclHw hw, NcclAlgo a, NcclProto p) const {
    return hw_latency_us[index_of(hw)][index_of(a)][index_of(p)].value_or(0.0);
  }
  const SpeedArrays& speeds_for(int sm) const;
};

// The compute capability's architecture row (NCCL compCapIndex); below SM70 → volta.
NcclArch arch_for_sm(const NcclConstants& c, int compute_capability);

// Parses a constants document. Any missing or ill-typed field throws InputError whose path is
// `origin` (the file) and whose message names the field ("hw_latency_us.nvlink.ring.LL: ...").
NcclConstants parse_nccl_constants(const Json& json, std::string_view origin);
NcclConstants load_nccl_constants(const std::filesystem::path& file);

// The shipped default (data_root()/sim/collectives/data/nccl-2.30.7.json), read once per process
// (thread-safe); throws InputError naming the file if it is missing or malformed.
const NcclConstants& default_nccl_constants();
inline constexpr std::string_view kDefaultNcclConstantsFile =
    "sim/collectives/data/nccl-2.30.7.json";

}  // namespace trainsim
