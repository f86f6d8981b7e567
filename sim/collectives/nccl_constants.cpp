#include "sim/collectives/nccl_constants.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

namespace {

constexpr std::array<std::string_view, kNcclAlgoCount> kAlgoNames = {
    "tree", "ring", "collnet_direct", "collnet_chain", "nvls", "nvls_tree", "pat"};
constexpr std::array<std::string_view, kNcclProtoCount> kProtoNames = {"LL", "LL128", "Simple"};
constexpr std::array<std::string_view, kNcclHwCount> kHwNames = {"nvlink", "pci", "net"};
constexpr std::array<std::string_view, kNcclArchCount> kArchNames = {"volta", "ampere", "hopper",
                                                                     "blackwell"};

// Lower case with '_' and '-' removed: "NVLSTree", "nvls_tree" and "nvls-tree" all compare equal.
std::string squash(std::string_view s) {
  std::string out;
  for (char ch : s)
    if (ch != '_' && ch != '-') out.push_back(static_cast<char>(std::tolower(ch)));
  return out;
}

// ---- field readers: paths are relative to the document root ("refinements.pat_bw_frac") ----

const Json& object_at(const Json& obj, std::string_view key, std::string_view path) {
  const Json& v = require_field(obj, key, path);
  require_object(v, join_path(path, key));
  return v;
}

double non_negative_at(const Json& obj, std::string_view key, std::string_view path) {
  const double x = require_number(obj, key, path);
  if (x < 0) throw InputError(join_path(path, key), fmt::format("must be >= 0, got {}", x));
  return x;
}

// {"value": x, "source": "..."}: a named constant with its provenance.
double sourced_value(const Json& obj, std::string_view key, std::string_view path) {
  const Json& entry = object_at(obj, key, path);
  const std::string entry_path = join_path(path, key);
  require_string(entry, "source", entry_path);
  return require_number(entry, "value", entry_path);
}

int int_at(const Json& obj, std::string_view key, std::string_view path) {
  return static_cast<int>(require_positive_int(obj, key, path));
}

std::vector<double> numbers_at(const Json& obj, std::string_view key, std::string_view path,
                               std::size_t expected_size = 0) {
  const Json& v = require_field(obj, key, path);
  const std::string p = join_path(path, key);
  if (!v.is_array())
    throw InputError(p, fmt::format("expected an array of numbers, got {}", describe_json_type(v)));
  if (expected_size != 0 && v.size() != expected_size)
    throw InputError(p, fmt::format("expected {} numbers, got {}", expected_size, v.size()));
  std::vector<double> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number())
      throw InputError(fmt::format("{}[{}]", p, i),
                       fmt::format("expected a number, got {}", describe_json_type(v[i])));
    out.push_back(v[i].get<double>());
  }
  return out;
}

NodesRow nodes_row(const Json& obj, std::string_view key, std::string_view path) {
  const auto v = numbers_at(obj, key, path, kNodesColumnCount);
  return {v[0], v[1], v[2]};
}

ArchNodesTable arch_nodes_table(const Json& obj, std::string_view path) {
  ArchNodesTable t{};
  for (std::size_t a = 0; a < kNcclArchCount; ++a) t[a] = nodes_row(obj, kArchNames[a], path);
  return t;
}

AlgoProtoTable<double> algo_proto_table(const Json& obj, std::string_view path) {
  AlgoProtoTable<double> t{};
  for (std::size_t a = 0; a < kNcclAlgoCount; ++a) {
    const Json& row = object_at(obj, kAlgoNames[a], path);
    const std::string row_path = join_path(path, kAlgoNames[a]);
    for (std::size_t p = 0; p < kNcclProtoCount; ++p)
      t[a][p] = non_negative_at(row, kProtoNames[p], row_path);
  }
  return t;
}

AlgoProtoTable<std::optional<double>> optional_algo_proto_table(const Json& obj,
                                                                std::string_view path) {
  AlgoProtoTable<std::optional<double>> t{};
  for (std::size_t a = 0; a < kNcclAlgoCount; ++a) {
    const Json& row = object_at(obj, kAlgoNames[a], path);
    const std::string row_path = join_path(path, kAlgoNames[a]);
    for (std::size_t p = 0; p < kNcclProtoCount; ++p) {
      if (!row.contains(kProtoNames[p]))
        throw InputError(join_path(row_path, kProtoNames[p]),
                         "required field is missing (write null where NCCL has no value)");
      t[a][p] = optional_non_negative_number(row, kProtoNames[p], row_path);
    }
  }
  return t;
}

std::vector<std::pair<int, double>> by_sm_table(const Json& obj, std::string_view path) {
  require_object(obj, path);
  std::vector<std::pair<int, double>> out;
  for (const auto& [key, value] : obj.items()) {
    if (!key.empty() && key[0] == '_') continue;  // "_comment"
    int sm = 0;
    try {
      std::size_t used = 0;
      sm = std::stoi(key, &used);
      if (used != key.size()) throw std::invalid_argument(key);
    } catch (const std::exception&) {
      throw InputError(join_path(path, key), "expected a compute capability such as \"90\"");
    }
    out.emplace_back(sm, require_positive_number(obj, key, path));
  }
  if (out.empty()) throw InputError(std::string(path), "expected at least one entry");
  std::sort(out.begin(), out.end());
  return out;
}

SpeedArrays speed_arrays(const Json& obj, std::string_view key, std::string_view path) {
  const Json& entry = object_at(obj, key, path);
  const std::string p = join_path(path, key);
  SpeedArrays s{numbers_at(entry, "intra", p), numbers_at(entry, "inter", p)};
  for (auto* list : {&s.intra, &s.inter}) {
    if (list->empty()) throw InputError(p, "speed arrays must not be empty");
    if (!std::is_sorted(list->rbegin(), list->rend()))
      throw InputError(p, "speed arrays must be in descending order");
  }
  return s;
}

NcclConstants::TreeEnvelope envelope(const NcclConstants& c, int max_index) {
  NcclConstants::TreeEnvelope env{};
  for (std::size_t p = 0; p < kNcclProtoCount; ++p) {
    double running = 0;
    for (std::size_t i = 0; i <= kTreeCorrectionCount; ++i) {
      env[p][i] = running;
      if (i < kTreeCorrectionCount && static_cast<int>(i) <= max_index) {
        const double bucket_end = 64.0 * std::ldexp(1.0, static_cast<int>(i) + 1);
        running = std::max(running, bucket_end / c.tree_correction[p][i]);
      }
    }
  }
  return env;
}

NcclConstants parse_document(const Json& doc) {
  NcclConstants c;
  require_object(doc, "");
  c.nccl_version = require_string(doc, "nccl_version", "");
  {
    const Json& src = object_at(doc, "source", "");
    c.source = fmt::format("{} {} ({})", require_string(src, "repository", "source"),
                           c.nccl_version, require_string(src, "commit", "source"));
  }

  const Json& archs = object_at(doc, "architectures", "");
  for (std::size_t a = 0; a < kNcclArchCount; ++a)
    c.arch_min_sm[a] = int_at(object_at(archs, kArchNames[a], "architectures"), "min_sm",
                              join_path("architectures", kArchNames[a]));

  // Latencies.
  c.base_latency_us = algo_proto_table(object_at(doc, "base_latency_us", ""), "base_latency_us");
  const Json& hw = object_at(doc, "hw_latency_us", "");
  for (std::size_t h = 0; h < kNcclHwCount; ++h)
    c.hw_latency_us[h] = optional_algo_proto_table(object_at(hw, kHwNames[h], "hw_latency_us"),
                                                   join_path("hw_latency_us", kHwNames[h]));
  c.latency_inter_us = sourced_value(doc, "latency_inter_us", "");
  {
    const Json& net = object_at(doc, "net_overhead_us", "");
    const std::string vendor = require_string(net, "assumed_cpu_vendor", "net_overhead_us");
    if (vendor != "intel" && vendor != "amd" && vendor != "other")
      throw InputError("net_overhead_us.assumed_cpu_vendor",
                       fmt::format("unknown vendor '{}'; allowed: intel, amd, other", vendor));
    c.net_overhead_us = non_negative_at(net, vendor, "net_overhead_us");
    c.net_overhead_simple_multiplier =
        require_positive_number(net, "simple_multiplier", "net_overhead_us");
    c.ll_max_bw_multinode_row = vendor == "amd" ? 1 : 0;
  }

  // Bandwidth caps.
  c.ll_max_bw_GBps = arch_nodes_table(object_at(doc, "ll_max_bw_GBps", ""), "ll_max_bw_GBps");
  {
    const Json& caps = object_at(doc, "per_channel_max_bw_GBps", "");
    const auto table = [&](std::string_view key) {
      return arch_nodes_table(object_at(caps, key, "per_channel_max_bw_GBps"),
                              join_path("per_channel_max_bw_GBps", key));
    };
    c.per_ch_max_ring_ll128_GBps = table("ring_ll128");
    c.per_ch_max_tree_ll128_GBps = table("tree_ll128");
    c.per_ch_max_tree_GBps = table("tree");
    c.per_ch_max_nvls_tree_GBps = table("nvls_tree");
  }
  {
    const Json& eff = object_at(doc, "nvls_efficiency_frac", "");
    for (std::size_t a = 0; a < kNcclArchCount; ++a)
      c.nvls_efficiency_frac[a] = non_negative_at(eff, kArchNames[a], "nvls_efficiency_frac");
  }

  // Refinements.
  {
    const Json& r = object_at(doc, "refinements", "");
    const auto v = [&](std::string_view key) { return sourced_value(r, key, "refinements"); };
    auto& f = c.refine;
    f.ring_ll_bw_frac = v("ring_ll_bw_frac");
    f.ring_ll128_bw_frac = v("ring_ll128_bw_frac");
    f.tree_bw_frac = v("tree_bw_frac");
    f.tree_ll_bw_divisor = v("tree_ll_bw_divisor");
    f.tree_ll128_1node_bw_frac = v("tree_ll128_1node_bw_frac");
    f.tree_ll128_multinode_bw_frac = v("tree_ll128_multinode_bw_frac");
    f.tree_pattern_bw_frac = v("tree_pattern_bw_frac");
    f.pat_bw_frac = v("pat_bw_frac");
    f.collnet_direct_sm90_bw_frac = v("collnet_direct_sm90_bw_frac");
    f.collnet_direct_inter_bw_frac = v("collnet_direct_inter_bw_frac");
    f.tree_collnet_algbw_ratio = v("tree_collnet_algbw_ratio");
    f.nvls_allreduce_pipeline_factor = v("nvls_allreduce_pipeline_factor");
    f.nvls_tree_2node_inter_factor = v("nvls_tree_2node_inter_factor");
    f.collnet_arity_serialization_us = v("collnet_arity_serialization_us");
    f.pat_log_latency_divisor = v("pat_log_latency_divisor");
    f.pat_per_rank_latency_us = v("pat_per_rank_latency_us");
    f.ring_plateau_latency_factor = v("ring_plateau_latency_factor");
    f.ring_plateau_latency_factor_pre_sm80 = v("ring_plateau_latency_factor_pre_sm80");
    f.ring_plateau_min_bytes_per_channel_rank = v("ring_plateau_min_bytes_per_channel_rank");
    for (double x :
         {f.ring_ll_bw_frac, f.ring_ll128_bw_frac, f.tree_bw_frac, f.tree_ll_bw_divisor,
          f.tree_ll128_1node_bw_frac, f.tree_ll128_multinode_bw_frac, f.tree_pattern_bw_frac,
          f.pat_bw_frac, f.collnet_direct_sm90_bw_frac, f.collnet_direct_inter_bw_frac,
          f.tree_collnet_algbw_ratio, f.nvls_allreduce_pipeline_factor,
          f.nvls_tree_2node_inter_factor, f.pat_log_latency_divisor, f.ring_plateau_latency_factor,
          f.ring_plateau_latency_factor_pre_sm80})
      if (!(x > 0)) throw InputError("refinements", "bandwidth and latency factors must be > 0");
  }
  {
    const Json& t = object_at(doc, "tree_correction_factor", "");
    for (std::size_t p = 0; p < kNcclProtoCount; ++p) {
      const auto row =
          numbers_at(t, kProtoNames[p], "tree_correction_factor", kTreeCorrectionCount);
      for (std::size_t i = 0; i < kTreeCorrectionCount; ++i) {
        if (!(row[i] > 0 && row[i] <= 1))
          throw InputError(fmt::format("tree_correction_factor.{}[{}]", kProtoNames[p], i),
                           fmt::format("must be in (0, 1], got {}", row[i]));
        c.tree_correction[p][i] = row[i];
      }
    }
    c.tree_correction_max_index = int_at(t, "tree_max_index", "tree_correction_factor");
    c.nvls_tree_correction_max_index = int_at(t, "nvls_tree_max_index", "tree_correction_factor");
    for (int idx : {c.tree_correction_max_index, c.nvls_tree_correction_max_index})
      if (idx >= static_cast<int>(kTreeCorrectionCount))
        throw InputError("tree_correction_factor",
                         fmt::format("max index must be < {}", kTreeCorrectionCount));
    c.tree_envelope_bytes = envelope(c, c.tree_correction_max_index);
    c.nvls_tree_envelope_bytes = envelope(c, c.nvls_tree_correction_max_index);
  }

  // Topology and search.
  {
    const Json& t = object_at(doc, "topology", "");
    c.nvlink_per_link_GBps_by_sm =
        by_sm_table(object_at(t, "nvlink_per_link_GBps_by_sm", "topology"),
                    "topology.nvlink_per_link_GBps_by_sm");
    c.nvlink_datasheet_link_GBps_by_sm =
        by_sm_table(object_at(t, "nvlink_datasheet_link_GBps_by_sm", "topology"),
                    "topology.nvlink_datasheet_link_GBps_by_sm");
    c.unknown_gpu_link_efficiency_frac =
        sourced_value(t, "unknown_gpu_link_efficiency_frac", "topology");
    c.pci_datasheet_frac = sourced_value(t, "pci_datasheet_frac", "topology");
    c.pci_default_GBps = sourced_value(t, "pci_default_GBps", "topology");
    const Json& speeds = object_at(t, "speed_arrays_GBps", "topology");
    c.speeds_pre_hopper = speed_arrays(speeds, "pre_hopper", "topology.speed_arrays_GBps");
    c.speeds_hopper = speed_arrays(speeds, "hopper", "topology.speed_arrays_GBps");
    c.speeds_blackwell = speed_arrays(speeds, "blackwell", "topology.speed_arrays_GBps");
    c.search_min_speed_ratio = sourced_value(t, "search_min_speed_ratio", "topology");
    c.max_channels = static_cast<int>(sourced_value(t, "max_channels", "topology"));
    c.ring_search_max_channels =
        static_cast<int>(sourced_value(t, "ring_search_max_channels", "topology"));
    const Json& dup = object_at(t, "dup_channels", "topology");
    c.dup_min_bw_intra_GBps = non_negative_at(dup, "min_bw_intra_GBps", "topology.dup_channels");
    c.dup_newer_than_sm = int_at(dup, "newer_than_sm", "topology.dup_channels");
    c.dup_newer_min_bw_intra_GBps =
        non_negative_at(dup, "newer_min_bw_intra_GBps", "topology.dup_channels");
    c.dup_newer_max_channels = int_at(dup, "newer_max_channels", "topology.dup_channels");
    c.nvls_max_arity = static_cast<int>(sourced_value(t, "nvls_max_arity", "topology"));
    c.collnet_direct_max_local_ranks =
        static_cast<int>(sourced_value(t, "collnet_direct_max_local_ranks", "topology"));
    const Json& nvls = object_at(t, "nvls_runtime_channels", "topology");
    c.nvls_runtime_channels_hopper = int_at(nvls, "hopper", "topology.nvls_runtime_channels");
    c.nvls_runtime_channels_blackwell_single =
        int_at(nvls, "blackwell_single_domain", "topology.nvls_runtime_channels");
    c.nvls_runtime_channels_blackwell_multi =
        int_at(nvls, "blackwell_multi_node", "topology.nvls_runtime_channels");
    if (c.max_channels <= 0 || c.ring_search_max_channels <= 0 || c.nvls_max_arity <= 0)
      throw InputError("topology", "channel counts must be positive");
  }

  // trainsim refinements.
  {
    const Json& t = object_at(doc, "trainsim_refinements", "");
    const Json& n = object_at(t, "nvls_pipeline", "trainsim_refinements");
    const std::string np = "trainsim_refinements.nvls_pipeline";
    auto& q = c.nvls_pipeline;
    q.max_chunk_bytes = require_positive_number(n, "max_chunk_bytes", np);
    const Json& rules = require_field(n, "shrink_rules", np);
    if (!rules.is_array()) throw InputError(join_path(np, "shrink_rules"), "expected an array");
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (!rules[i].is_array() || rules[i].size() != 2 || !rules[i][0].is_number() ||
          !rules[i][1].is_number() || !(rules[i][0].get<double>() > 0) ||
          !(rules[i][1].get<double>() > 0))
        throw InputError(fmt::format("{}.shrink_rules[{}]", np, i),
                         "expected [positive multiple, positive chunk bytes]");
      q.shrink_rules.emplace_back(rules[i][0].get<double>(), rules[i][1].get<double>());
    }
    q.multi_node_low_bw_GBps = require_positive_number(n, "multi_node_low_bw_GBps", np);
    q.multi_node_low_bw_max_chunk_bytes =
        require_positive_number(n, "multi_node_low_bw_max_chunk_bytes", np);
    q.per_round_overhead_us = non_negative_at(n, "per_round_overhead_us", np);
    q.fill_depth_chunks = non_negative_at(n, "fill_depth_chunks", np);

    const Json& small = object_at(t, "small_message_channels", "trainsim_refinements");
    const std::string sp = "trainsim_refinements.small_message_channels";
    require_string(small, "source", sp);
    const Json& threads = object_at(small, "threads", sp);
    const Json& per_thread = object_at(small, "bytes_per_thread", sp);
    for (std::size_t p = 0; p < kNcclProtoCount; ++p) {
      c.small_message_channels.threads[p] =
          require_positive_number(threads, kProtoNames[p], join_path(sp, "threads"));
      c.small_message_channels.bytes_per_thread[p] =
          require_positive_number(per_thread, kProtoNames[p], join_path(sp, "bytes_per_thread"));
    }
    const auto times_ranks = optional_bool(small, "ring_ll_times_ranks", sp);
    if (!times_ranks)
      throw InputError(join_path(sp, "ring_ll_times_ranks"), "required field is missing");
    c.small_message_channels.ring_ll_times_ranks = *times_ranks;

    const Json& p2p = object_at(t, "point_to_point", "trainsim_refinements");
    const std::string pp = "trainsim_refinements.point_to_point";
    c.nvlink_p2p_frac = sourced_value(p2p, "nvlink_p2p_frac", pp);
    c.pci_p2p_frac = sourced_value(p2p, "pci_p2p_frac", pp);
    c.net_p2p_frac = sourced_value(p2p, "net_p2p_frac", pp);
    for (double x : {c.nvlink_p2p_frac, c.pci_p2p_frac, c.net_p2p_frac})
      if (!(x > 0 && x <= 1)) throw InputError(pp, "efficiencies must be in (0, 1]");
  }
  return c;
}

}  // namespace

std::string_view name_of(NcclAlgo algo) {
  return kAlgoNames[index_of(algo)];
}
std::string_view name_of(NcclProto proto) {
  return kProtoNames[index_of(proto)];
}
std::string_view name_of(NcclHw hw) {
  return kHwNames[index_of(hw)];
}
std::string_view name_of(NcclArch arch) {
  return kArchNames[index_of(arch)];
}

std::optional<NcclAlgo> parse_nccl_algo(std::string_view name) {
  const std::string wanted = squash(name);
  for (NcclAlgo a : kNcclAlgos)
    if (squash(name_of(a)) == wanted) return a;
  return std::nullopt;
}

std::optional<NcclProto> parse_nccl_proto(std::string_view name) {
  const std::string wanted = squash(name);
  for (NcclProto p : kNcclProtos)
    if (squash(name_of(p)) == wanted) return p;
  return std::nullopt;
}

const SpeedArrays& NcclConstants::speeds_for(int sm) const {
  if (sm >= arch_min_sm[index_of(NcclArch::blackwell)]) return speeds_blackwell;
  if (sm >= arch_min_sm[index_of(NcclArch::hopper)]) return speeds_hopper;
  return speeds_pre_hopper;
}

NcclArch arch_for_sm(const NcclConstants& c, int compute_capability) {
  for (std::size_t a = kNcclArchCount; a-- > 1;)
    if (compute_capability >= c.arch_min_sm[a]) return static_cast<NcclArch>(a);
  return NcclArch::volta;
}

NcclConstants parse_nccl_constants(const Json& json, std::string_view origin) {
  try {
    NcclConstants c = parse_document(json);
    c.file = std::filesystem::path(origin);
    return c;
  } catch (const InputError& e) {
    throw InputError(std::string(origin), fmt::format("malformed NCCL constants: {}", e.what()));
  }
}

NcclConstants load_nccl_constants(const std::filesystem::path& file) {
  // load_json_file already names the file in its errors (missing file, syntax).
  return parse_nccl_constants(load_json_file(file), file.string());
}

const NcclConstants& default_nccl_constants() {
  static const NcclConstants constants =
      load_nccl_constants(data_root() / std::filesystem::path(kDefaultNcclConstantsFile));
  return constants;
}

}  // namespace trainsim
