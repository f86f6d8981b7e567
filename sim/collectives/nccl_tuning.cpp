#include "sim/collectives/nccl_tuning.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace trainsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int log2i(int n) {
  int r = -1;
  while (n > 0) {
    n >>= 1;
    ++r;
  }
  return r;
}

// floor(log2(bytes / 64)), NCCL's log2i(nBytes >> 6); -1 below 64 bytes.
int size_bucket(double bytes) {
  if (bytes < 64) return -1;
  int e = 0;
  std::frexp(bytes / 64.0, &e);  // bytes/64 = m · 2^e, m in [0.5, 1)
  return e - 1;
}

const NcclGraph& graph_for(const NcclCommTopology& t, NcclAlgo a) {
  switch (a) {
    case NcclAlgo::tree:
      return t.tree;
    case NcclAlgo::ring:
      return t.ring;
    case NcclAlgo::collnet_direct:
    case NcclAlgo::collnet_chain:
      return t.collnet;
    case NcclAlgo::nvls:
    case NcclAlgo::nvls_tree:
      return t.nvls;
    case NcclAlgo::pat:
      return t.ring;
  }
  return t.ring;
}

bool algo_available(const NcclCommTopology& t, NcclAlgo a, CollectiveKind kind) {
  const bool ag_rs = kind == CollectiveKind::all_gather || kind == CollectiveKind::reduce_scatter;
  switch (a) {
    case NcclAlgo::ring:
      return true;
    case NcclAlgo::tree:
      return true;
    case NcclAlgo::collnet_direct:
      // AG/RS over CollNet need a plugin with iallgather/ireducescatter: not assumed.
      return t.collnet_direct_available && !ag_rs;
    case NcclAlgo::collnet_chain:
      return t.collnet_available;
    case NcclAlgo::nvls:
      // Multi-node NVLS AG/RS likewise need the CollNet plugin's collectives; AG/RS need
      // local ranks <= NCCL_MAX_NVLS_ARITY (checked by the graph's head count).
      return t.nvls_available && !(ag_rs && t.nodes > 1);
    case NcclAlgo::nvls_tree:
      return t.nvls_tree_available;
    case NcclAlgo::pat:
      return t.pat_available;
  }
  return false;
}

bool simple_only(NcclAlgo a) {
  return a != NcclAlgo::tree && a != NcclAlgo::ring;
}

double nvls_ops(const NcclCommTopology& t) {
  return static_cast<double>(t.nvls_runtime_channels) * t.nvls.n_channels;
}

// enqueue.cc NVLS chunk size for a message of `bytes`.
double nvls_chunk_bytes(const NcclConstants& c, const NcclCommTopology& t, double bw_GBps,
                        double bytes) {
  const auto& q = c.nvls_pipeline;
  double chunk = q.max_chunk_bytes;
  if (t.nodes > 1 && bw_GBps < q.multi_node_low_bw_GBps)
    chunk = std::min(chunk, q.multi_node_low_bw_max_chunk_bytes);
  const double ops = nvls_ops(t);
  for (const auto& [multiple, next] : q.shrink_rules)
    if (bytes < multiple * ops * chunk && chunk > next) chunk = next;
  return chunk;
}

double nvls_pipeline_time_us(const NcclConstants& c, const NcclCommTopology& t, double lat_us,
                             double bw_GBps, double bytes, double chunk) {
  const auto& q = c.nvls_pipeline;
  const double ops = nvls_ops(t);
  const double rounds = bytes / (ops * chunk);
  const double per_channel_GBps = bw_GBps / t.nvls_runtime_channels;
  return lat_us + bytes / (1000.0 * bw_GBps) + rounds * q.per_round_overhead_us +
         q.fill_depth_chunks * chunk / (1000.0 * per_channel_GBps);
}

double nvls_time_us(const NcclConstants& c, const NcclCommTopology& t, double lat_us,
                    double bw_GBps, double bytes) {
  if (t.nvls_runtime_channels <= 0 || t.nvls.n_channels <= 0)
    return lat_us + bytes / (1000 * bw_GBps);
  double time =
      nvls_pipeline_time_us(c, t, lat_us, bw_GBps, bytes, nvls_chunk_bytes(c, t, bw_GBps, bytes));
  // Envelope: at each regime boundary at or below `bytes`, the time just below it.
  const auto& q = c.nvls_pipeline;
  double chunk = q.max_chunk_bytes;
  if (t.nodes > 1 && bw_GBps < q.multi_node_low_bw_GBps)
    chunk = std::min(chunk, q.multi_node_low_bw_max_chunk_bytes);
  const double ops = nvls_ops(t);
  for (const auto& [multiple, next] : q.shrink_rules) {
    if (chunk <= next) continue;
    const double boundary = multiple * ops * chunk;
    chunk = next;
    if (boundary <= bytes) {
      const double below = std::nextafter(boundary, 0.0);
      time = std::max(time, nvls_pipeline_time_us(c, t, lat_us, bw_GBps, below,
                                                  nvls_chunk_bytes(c, t, bw_GBps, below)));
    }
  }
  return time;
}

bool tree_corrected(const NcclMachine& m, const NcclTuning& tuning, NcclAlgo a) {
  if (tuning.kind != CollectiveKind::all_reduce) return false;
  if (a == NcclAlgo::tree) return true;
  // NVLSTree on Blackwell with x86 hosts (trainsim assumes x86 hosts).
  return a == NcclAlgo::nvls_tree && m.arch == NcclArch::blackwell;
}

double base_time_us(const NcclConstants& c, const NcclMachine& m, const NcclCommTopology& t,
                    const NcclTuning& tuning, NcclAlgo a, NcclProto p, double bytes, bool refined) {
  double bw = tuning.bandwidth_GBps[index_of(a)][index_of(p)];
  double lat = tuning.latency_us[index_of(a)][index_of(p)];
  if (!(bw > 0)) return -1.0;

  double bytes_term = bytes;
  if (tree_corrected(m, tuning, a)) {
    const int max_index =
        a == NcclAlgo::tree ? c.tree_correction_max_index : c.nvls_tree_correction_max_index;
    const auto& env = a == NcclAlgo::tree ? c.tree_envelope_bytes : c.nvls_tree_envelope_bytes;
    const int bucket = size_bucket(bytes);
    if (bucket >= 0 && bucket <= max_index)
      bytes_term = bytes / c.tree_correction[index_of(p)][static_cast<std::size_t>(bucket)];
    if (refined && bucket >= 0)
      bytes_term = std::max(
          bytes_term, env[index_of(p)][static_cast<std::size_t>(std::min(bucket, max_index + 1))]);
  }
  if (a == NcclAlgo::ring && p == NcclProto::simple && tuning.kind == CollectiveKind::all_reduce &&
      t.nodes > 1 &&
      bytes / (static_cast<double>(t.ring.n_channels) * t.ranks) >=
          c.refine.ring_plateau_min_bytes_per_channel_rank)
    lat *= m.sm >= 80 ? c.refine.ring_plateau_latency_factor
                      : c.refine.ring_plateau_latency_factor_pre_sm80;

  if (refined && a == NcclAlgo::ring) {
    // Small messages run on fewer channels: the bandwidth term is at least one channel's share
    // of min(bytes, one channel's worth of work) (trainsim_refinements.small_message_channels).
    const auto& smc = c.small_message_channels;
    double per_channel_bytes = smc.threads[index_of(p)] * smc.bytes_per_thread[index_of(p)];
    if (p == NcclProto::ll && smc.ring_ll_times_ranks) per_channel_bytes *= t.ranks;
    bytes_term = std::max(bytes_term, std::min(bytes, per_channel_bytes) * t.ring.n_channels);
  }
  if (refined && a == NcclAlgo::nvls) return nvls_time_us(c, t, lat, bw, bytes);
  return lat + bytes_term / (1000.0 * bw);
}

}  // namespace

NcclTuning build_nccl_tuning(const NcclConstants& c, const NcclMachine& m,
                             const NcclCommTopology& t, CollectiveKind kind) {
  NcclTuning out;
  out.kind = kind;
  const CollectiveTraits& traits = traits_of(kind);
  const int p_ranks = t.ranks;
  const int n_nodes = t.nodes;
  const int ppn = t.ranks_per_node;
  const double ppn_d = ppn;
  const bool ag_rs = kind == CollectiveKind::all_gather || kind == CollectiveKind::reduce_scatter;
  const int nsteps = ring_steps(kind, p_ranks);
  const int n_inter = ring_inter_steps(kind, n_nodes);
  const std::size_t arch = index_of(m.arch);
  const std::size_t column = static_cast<std::size_t>(std::min(n_nodes, 3) - 1);
  const auto& r = c.refine;

  const double ll_max_bw = n_nodes == 1 ? c.ll_max_bw_GBps[arch][0]
                                        : c.ll_max_bw_GBps[c.ll_max_bw_multinode_row][column];
  const double per_ch_ring_ll128 = c.per_ch_max_ring_ll128_GBps[arch][column];
  const double per_ch_tree = c.per_ch_max_tree_GBps[arch][column];
  const double per_ch_tree_ll128 = c.per_ch_max_tree_ll128_GBps[arch][column];
  const double per_ch_nvls_tree = c.per_ch_max_nvls_tree_GBps[arch][column];
  const NcclHw intra_hw = m.intra_hw;
  const NcclHw ring_hw = n_nodes == 1 ? intra_hw : NcclHw::net;
  const int log2_nodes = log2i(n_nodes);

  for (NcclAlgo a : kNcclAlgos) {
    if (!(traits.nccl_algos & bit(a))) continue;
    if (!algo_available(t, a, kind)) continue;
    const NcclGraph& g = graph_for(t, a);
    if (g.n_channels <= 0) continue;
    const double n_ch = g.n_channels;
    const bool collnet = a == NcclAlgo::collnet_direct || a == NcclAlgo::collnet_chain;
    const bool nvls_family = a == NcclAlgo::nvls || a == NcclAlgo::nvls_tree;

    for (NcclProto p : kNcclProtos) {
      if (simple_only(a) && p != NcclProto::simple) continue;
      if (p == NcclProto::ll128 && !t.ll128_enabled) continue;
      const auto intra_lat_opt = c.hw_latency_us[index_of(intra_hw)][index_of(a)][index_of(p)];
      if (!intra_lat_opt) continue;

      // ---- bandwidth (§1.3) ----
      double bw = (n_nodes <= 2 || collnet) ? g.bw_intra_GBps : g.bw_inter_GBps;
      if (nvls_family) {
        if (g.n_channels < 2) continue;
        double intra_bw = g.bw_intra_GBps * c.nvls_efficiency_frac[arch] * (n_ch - 1) / n_ch;
        intra_bw *= kind == CollectiveKind::all_reduce ? r.nvls_allreduce_pipeline_factor
                                                       : (ppn_d - 1) / ppn_d;
        double inter_bw = kInf;
        if (n_nodes > 1)
          inter_bw =
              g.bw_inter_GBps *
              (a == NcclAlgo::nvls_tree && n_nodes <= 2 ? r.nvls_tree_2node_inter_factor : 1.0);
        bw = std::min(intra_bw, inter_bw);
        if (a == NcclAlgo::nvls_tree) bw = std::min(bw, per_ch_nvls_tree);
      }
      double bus_bw = n_ch * bw;

      switch (a) {
        case NcclAlgo::ring:
          if (p == NcclProto::ll) bus_bw = std::min(ll_max_bw, bus_bw * r.ring_ll_bw_frac);
          if (p == NcclProto::ll128)
            bus_bw = std::min(bus_bw * r.ring_ll128_bw_frac, n_ch * per_ch_ring_ll128);
          break;
        case NcclAlgo::tree:
          bus_bw = std::min(bus_bw * r.tree_bw_frac, n_ch * per_ch_tree);
          if (p == NcclProto::ll) bus_bw = std::min(bus_bw / r.tree_ll_bw_divisor, ll_max_bw);
          if (p == NcclProto::ll128)
            bus_bw = std::min(bus_bw * (n_nodes == 1 ? r.tree_ll128_1node_bw_frac
                                                     : r.tree_ll128_multinode_bw_frac),
                              n_ch * per_ch_tree_ll128);
          if (g.tree_pattern) bus_bw *= r.tree_pattern_bw_frac;
          break;
        case NcclAlgo::pat:
          bus_bw *= r.pat_bw_frac;
          break;
        case NcclAlgo::collnet_direct:
          if (ag_rs) {
            bus_bw =
                ppn_d * std::min(g.bw_intra_GBps, r.collnet_direct_inter_bw_frac * g.bw_inter_GBps);
          } else {
            double f = ppn_d / n_ch;  // GPU/NIC ratio
            f -= (f - 1) / 2;
            bus_bw /= f;
            if (m.sm >= 90) bus_bw *= r.collnet_direct_sm90_bw_frac;
          }
          break;
        case NcclAlgo::collnet_chain:
        case NcclAlgo::nvls:
        case NcclAlgo::nvls_tree:
          break;
      }

      // busBw → algBw (skipped for non-ring AG/RS).
      double alg_bw = bus_bw;
      if (!(a != NcclAlgo::ring && ag_rs)) {
        if (a == NcclAlgo::ring || nvls_family)
          alg_bw *= static_cast<double>(p_ranks) / nsteps;
        else
          alg_bw *= r.tree_collnet_algbw_ratio;
      }
      if (n_nodes > 1) {
        bus_bw *= m.net_bandwidth_frac;
        alg_bw *= m.net_bandwidth_frac;
      }
      if (!(alg_bw > 0)) continue;

      // ---- latency (§1.4) ----
      const double base = c.base_latency_us[index_of(a)][index_of(p)];
      double intra_lat = *intra_lat_opt;
      const NcclAlgo inter_algo = ppn == 1 ? NcclAlgo::tree : a;
      double inter_lat = c.hw_latency(NcclHw::net, inter_algo, p) + c.latency_inter_us +
                         m.net_transport_latency_us;
      if (p == NcclProto::simple) inter_lat += c.latency_inter_us;  // flush

      double lat = base;
      switch (a) {
        case NcclAlgo::ring:
          if (traits.rooted) {
            double hw_lat = c.hw_latency(ring_hw, NcclAlgo::ring, p);
            if (g.same_channels) {
              lat = base + hw_lat;
            } else {
              if (p == NcclProto::simple) hw_lat = c.hw_latency(ring_hw, NcclAlgo::tree, p);
              lat = base + nsteps * hw_lat;
            }
          } else {
            double net_overhead = 0;
            if (n_nodes > 1) {
              net_overhead = c.net_overhead_us;
              if (p == NcclProto::simple) net_overhead *= c.net_overhead_simple_multiplier;
            }
            intra_lat = std::max(intra_lat, net_overhead);
            lat = base + (nsteps - n_inter) * intra_lat + n_inter * inter_lat;
          }
          break;
        case NcclAlgo::tree:
          lat = base + 2 * ((ppn_d - 1) * intra_lat + log2_nodes * inter_lat);
          break;
        case NcclAlgo::collnet_direct:
          lat = base +
                2 * (std::min(1.0, ppn_d - 1) * intra_lat +
                     (ppn_d - 1) * r.collnet_arity_serialization_us) +
                inter_lat;
          break;
        case NcclAlgo::collnet_chain:
          lat = base + 2 * (ppn_d - 1) * intra_lat + inter_lat;
          break;
        case NcclAlgo::nvls:
          lat = intra_lat;  // replaces the base latency
          if (n_nodes > 1) lat += inter_lat;
          break;
        case NcclAlgo::nvls_tree:
          lat = base + intra_lat + 2 * log2_nodes * inter_lat;
          break;
        case NcclAlgo::pat:
          lat = base + log2_nodes * inter_lat / r.pat_log_latency_divisor +
                r.pat_per_rank_latency_us * p_ranks;
          break;
      }

      out.bandwidth_GBps[index_of(a)][index_of(p)] = alg_bw;
      out.bus_bandwidth_GBps[index_of(a)][index_of(p)] = bus_bw;
      out.latency_us[index_of(a)][index_of(p)] = lat;
    }
  }
  return out;
}

double nccl_time_us(const NcclConstants& c, const NcclMachine& machine,
                    const NcclCommTopology& topo, const NcclTuning& tuning, NcclAlgo a, NcclProto p,
                    double bytes) {
  return base_time_us(c, machine, topo, tuning, a, p, bytes, /*refined=*/true);
}

double nccl_model_time_us(const NcclConstants& c, const NcclMachine& machine,
                          const NcclCommTopology& topo, const NcclTuning& tuning, NcclAlgo a,
                          NcclProto p, double bytes) {
  return base_time_us(c, machine, topo, tuning, a, p, bytes, /*refined=*/false);
}

std::string format_nccl_tuning(const NcclTuning& tuning) {
  std::string out = fmt::format("{:<22} {:>12} {:>14} {:>14}\n",
                                fmt::format("{} algo/proto", name_of(tuning.kind)), "latency_us",
                                "algbw_GBps", "busbw_GBps");
  for (NcclAlgo a : kNcclAlgos)
    for (NcclProto p : kNcclProtos) {
      if (!tuning.available(a, p)) continue;
      out += fmt::format("{:<22} {:>12.1f} {:>14.1f} {:>14.1f}\n",
                         fmt::format("{}/{}", name_of(a), name_of(p)),
                         tuning.latency_us[index_of(a)][index_of(p)],
                         tuning.bandwidth_GBps[index_of(a)][index_of(p)],
                         tuning.bus_bandwidth_GBps[index_of(a)][index_of(p)]);
    }
  return out;
}

}  // namespace trainsim
