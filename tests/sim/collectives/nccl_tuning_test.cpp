// NCCL's latency/bandwidth table per (algorithm, protocol) and its per-call time, checked against
// the closed forms and worked examples of comm-model.md §1.3–1.6.
#include "sim/collectives/nccl_tuning.hpp"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_clusters.hpp"

namespace trainsim {
namespace {

using namespace test;
using ::testing::HasSubstr;

struct Model {
  const NcclConstants& c = default_nccl_constants();
  NcclMachine machine;
  NcclCommTopology topo;
  NcclTuning tuning;

  Model(const GpuSpec& gpu, const NodeSpec& node, const NetworkSpec& net, const CommGroup& group,
        CollectiveKind kind)
      : machine(describe_nccl_machine(c, gpu, node, net)),
        topo(derive_nccl_topology(c, machine, group)),
        tuning(build_nccl_tuning(c, machine, topo, kind)) {}

  double bus_bw(NcclAlgo a, NcclProto p) const {
    return tuning.bus_bandwidth_GBps[index_of(a)][index_of(p)];
  }
  double alg_bw(NcclAlgo a, NcclProto p) const {
    return tuning.bandwidth_GBps[index_of(a)][index_of(p)];
  }
  double lat(NcclAlgo a, NcclProto p) const { return tuning.latency_us[index_of(a)][index_of(p)]; }
  double time_us(NcclAlgo a, NcclProto p, double bytes) const {
    return nccl_time_us(c, machine, topo, tuning, a, p, bytes);
  }
  double model_time_us(NcclAlgo a, NcclProto p, double bytes) const {
    return nccl_model_time_us(c, machine, topo, tuning, a, p, bytes);
  }
};

Model h100_node(CollectiveKind kind = CollectiveKind::all_reduce) {
  return Model(h100(), dgx_h100(), ib_ndr400(), one_node(8), kind);
}

// §1.6, 8 × H100, all_reduce, p = 8, nsteps = 14, nCh·bwIntra = 360 GB/s.
TEST(NcclTuning, WorkedExampleRingBandwidths) {
  const Model m = h100_node();
  EXPECT_NEAR(m.bus_bw(NcclAlgo::ring, NcclProto::ll), 141.0, 1e-9);     // min(141, 180)
  EXPECT_NEAR(m.bus_bw(NcclAlgo::ring, NcclProto::ll128), 331.2, 1e-9);  // min(331.2, 12·36.7)
  EXPECT_NEAR(m.bus_bw(NcclAlgo::ring, NcclProto::simple), 360.0, 1e-9);
  for (NcclProto p : kNcclProtos)
    EXPECT_NEAR(m.alg_bw(NcclAlgo::ring, p), m.bus_bw(NcclAlgo::ring, p) * 8.0 / 14.0, 1e-9);
}

TEST(NcclTuning, WorkedExampleRingLatencies) {
  const Model m = h100_node();
  EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::ll), 6.6 + 14 * 0.6, 1e-9);      // 15.0
  EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::ll128), 14.0 + 14 * 1.9, 1e-9);  // 40.6
  EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::simple), 8.4 + 14 * 3.4, 1e-9);  // 56.0
}

// Tree on one node: chain of 8, busBw min(0.92·360, 12·38.7) = 331.2, algBw × 0.5.
TEST(NcclTuning, WorkedExampleTreeOnOneNode) {
  const Model m = h100_node();
  EXPECT_NEAR(m.lat(NcclAlgo::tree, NcclProto::simple), 8.4 + 2 * 7 * 4.0, 1e-9);  // 64.4
  EXPECT_NEAR(m.alg_bw(NcclAlgo::tree, NcclProto::simple), 165.6, 1e-9);
  EXPECT_NEAR(m.bus_bw(NcclAlgo::tree, NcclProto::ll), 331.2 / 3.8, 1e-9);
  EXPECT_NEAR(m.bus_bw(NcclAlgo::tree, NcclProto::ll128), 331.2 * 7 / 9, 1e-9);
}

// NVLS: 8 heads × 40 GB/s × 0.85 × 7/8 × 2 = 476 GB/s busBw (maintainers quote ~480), algBw ×8/14;
// its 25 µs NVLink latency replaces the base latency.
TEST(NcclTuning, NvlsOnOneHopperNode) {
  const Model m = h100_node();
  EXPECT_NEAR(m.bus_bw(NcclAlgo::nvls, NcclProto::simple), 476.0, 1e-9);
  EXPECT_NEAR(m.alg_bw(NcclAlgo::nvls, NcclProto::simple), 272.0, 1e-9);
  EXPECT_NEAR(m.lat(NcclAlgo::nvls, NcclProto::simple), 25.0, 1e-9);
  EXPECT_FALSE(m.tuning.available(NcclAlgo::nvls, NcclProto::ll));  // Simple only
  EXPECT_FALSE(m.tuning.available(NcclAlgo::nvls_tree, NcclProto::simple));
}

TEST(NcclTuning, NoNvlsOnAmpere) {
  const Model m(a100(), dgx_a100(), ib_hdr200(), one_node(8), CollectiveKind::all_reduce);
  EXPECT_FALSE(m.tuning.available(NcclAlgo::nvls, NcclProto::simple));
  EXPECT_NEAR(m.bus_bw(NcclAlgo::ring, NcclProto::simple), 240.0, 1e-9);
  EXPECT_NEAR(m.bus_bw(NcclAlgo::ring, NcclProto::ll), 87.7, 1e-9);  // Ampere llMaxBw
}

// Crossovers of the forced ring (§1.6): LL→LL128 at ≈3.6 MB, LL128→Simple at ≈36 MB.
TEST(NcclTuning, WorkedExampleRingProtocolCrossovers) {
  const Model m = h100_node();
  const auto crossover = [&](NcclProto small, NcclProto large) {
    return (m.lat(NcclAlgo::ring, large) - m.lat(NcclAlgo::ring, small)) * 1000.0 /
           (1.0 / m.alg_bw(NcclAlgo::ring, small) - 1.0 / m.alg_bw(NcclAlgo::ring, large));
  };
  EXPECT_NEAR(crossover(NcclProto::ll, NcclProto::ll128) / 1e6, 3.6, 0.05);
  EXPECT_NEAR(crossover(NcclProto::ll128, NcclProto::simple) / 1e6, 36.4, 0.1);
  EXPECT_LT(m.time_us(NcclAlgo::ring, NcclProto::ll, 3.0e6),
            m.time_us(NcclAlgo::ring, NcclProto::ll128, 3.0e6));
  EXPECT_GT(m.time_us(NcclAlgo::ring, NcclProto::ll, 4.5e6),
            m.time_us(NcclAlgo::ring, NcclProto::ll128, 4.5e6));
  EXPECT_LT(m.time_us(NcclAlgo::ring, NcclProto::ll128, 30e6),
            m.time_us(NcclAlgo::ring, NcclProto::simple, 30e6));
  EXPECT_GT(m.time_us(NcclAlgo::ring, NcclProto::ll128, 45e6),
            m.time_us(NcclAlgo::ring, NcclProto::simple, 45e6));
}

// §1.6 multi-node latency terms, 16 nodes × 8 H100 (p = 128, Intel host).
TEST(NcclTuning, MultiNodeLatencyExample) {
  const Model m(h100(), dgx_h100(), ib_ndr400(), nodes_of(16, 8), CollectiveKind::all_reduce);
  EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::simple), 8.4 + 224 * 3.4 + 30 * 14, 1e-9);   // 1190
  EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::ll), 6.6 + 224 * 1.0 + 30 * 2.7, 1e-9);      // 312
  EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::ll128), 14.0 + 224 * 1.9 + 30 * 4.0, 1e-9);  // 560
  EXPECT_NEAR(m.lat(NcclAlgo::tree, NcclProto::simple), 8.4 + 2 * (7 * 4.0 + 4 * 14), 1e-9);  // 176
  EXPECT_NEAR(m.lat(NcclAlgo::tree, NcclProto::ll), 6.8 + 2 * (7 * 0.6 + 4 * 5.0), 1e-9);     // 55
  EXPECT_NEAR(m.lat(NcclAlgo::tree, NcclProto::ll128), 14.0 + 2 * (7 * 1.25 + 4 * 8.5), 1e-9);
  EXPECT_NEAR(m.lat(NcclAlgo::nvls_tree, NcclProto::simple), 25 + 8 * 20.9, 1e-9);  // 192
}

// Ring/Simple all_reduce across nodes pays ×1.4 latency once nBytes/(nChannels·p) >= 64.
TEST(NcclTuning, RingPlateauAppliesToLargeMultiNodeAllReduce) {
  const Model m(h100(), dgx_h100(), ib_ndr400(), nodes_of(16, 8), CollectiveKind::all_reduce);
  const double small = 8.0 * 128 * 32;  // 32 bytes per channel and rank
  const double large = 1e9;
  const double bw = m.alg_bw(NcclAlgo::ring, NcclProto::simple);
  EXPECT_NEAR(m.model_time_us(NcclAlgo::ring, NcclProto::simple, small),
              1190.0 + small / (1000 * bw), 1e-6);
  EXPECT_NEAR(m.model_time_us(NcclAlgo::ring, NcclProto::simple, large),
              1190.0 * 1.4 + large / (1000 * bw), 1e-6);
}

// all_gather / reduce_scatter: nsteps = p − 1 and bytes = the whole gathered buffer.
TEST(NcclTuning, AllGatherAndReduceScatterUsePMinus1Steps) {
  for (CollectiveKind kind : {CollectiveKind::all_gather, CollectiveKind::reduce_scatter}) {
    const Model m = h100_node(kind);
    EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::simple), 8.4 + 7 * 3.4, 1e-9);
    EXPECT_NEAR(m.alg_bw(NcclAlgo::ring, NcclProto::simple), 360.0 * 8 / 7, 1e-9);
    EXPECT_FALSE(m.tuning.available(NcclAlgo::tree, NcclProto::simple));  // Tree: all_reduce only
    // NVLS AG/RS: intraBw × (ppn−1)/ppn instead of ×2, no busBw→algBw conversion.
    EXPECT_NEAR(m.alg_bw(NcclAlgo::nvls, NcclProto::simple), 8 * 40 * 0.85 * 7 / 8 * 7 / 8, 1e-9);
  }
}

// Broadcast / reduce: ring only, nsteps = p, and one hop of latency when channels are identical.
TEST(NcclTuning, BroadcastAndReduceAreRingOnly) {
  for (CollectiveKind kind : {CollectiveKind::broadcast, CollectiveKind::reduce}) {
    const Model m = h100_node(kind);
    EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::simple), 8.4 + 3.4, 1e-9);
    EXPECT_NEAR(m.alg_bw(NcclAlgo::ring, NcclProto::simple), 360.0, 1e-9);  // p / nsteps = 1
    EXPECT_FALSE(m.tuning.available(NcclAlgo::nvls, NcclProto::simple));
    EXPECT_FALSE(m.tuning.available(NcclAlgo::tree, NcclProto::simple));
  }
}

// PAT (one GPU per node, AG/RS): base + log2(N)·interLat/3.5 + 2.8·p, busBw × 0.75, no conversion.
TEST(NcclTuning, PatForOneGpuPerNode) {
  const Model m(h100(), dgx_h100(), ib_ndr400(), nodes_of(64, 1), CollectiveKind::all_gather);
  EXPECT_NEAR(m.lat(NcclAlgo::pat, NcclProto::simple), 8.0 + 6 * 14.0 / 3.5 + 2.8 * 64, 1e-9);
  EXPECT_NEAR(m.alg_bw(NcclAlgo::pat, NcclProto::simple),
              m.topo.ring.n_channels * m.topo.ring.bw_inter_GBps * 0.75, 1e-9);
  // With one GPU per node the ring's inter-node latency is Tree's NET latency.
  EXPECT_NEAR(m.lat(NcclAlgo::ring, NcclProto::simple), 8.4 + 63 * 14.0, 1e-9);
}

// treeCorrectionFactor: index log2(nBytes/64); 4 KiB → index 6 (Simple 0.9, LL 0.7).
TEST(NcclTuning, TreeCorrectionFactorScalesTreeBandwidthBySize) {
  const Model m(h100(), dgx_h100(), ib_ndr400(), nodes_of(16, 8), CollectiveKind::all_reduce);
  const double bytes = 4096;
  for (NcclProto p : kNcclProtos) {
    const double factor = m.c.tree_correction[index_of(p)][6];
    EXPECT_NEAR(m.model_time_us(NcclAlgo::tree, p, bytes),
                m.lat(NcclAlgo::tree, p) + bytes / (1000 * m.alg_bw(NcclAlgo::tree, p) * factor),
                1e-9);
  }
}

// NCCL's factor steps up at some bucket edges, so its Tree time drops with size there; trainsim
// holds it flat instead.
TEST(NcclTuning, TreeTimeNeverDecreasesWithSize) {
  const Model m(h100(), dgx_h100(), ib_ndr400(), nodes_of(16, 8), CollectiveKind::all_reduce);
  const double edge = 64.0 * (1 << 17);  // Simple factor 0.7 → 0.8
  EXPECT_GT(m.model_time_us(NcclAlgo::tree, NcclProto::simple, edge - 1),
            m.model_time_us(NcclAlgo::tree, NcclProto::simple, edge));
  EXPECT_LE(m.time_us(NcclAlgo::tree, NcclProto::simple, edge - 1),
            m.time_us(NcclAlgo::tree, NcclProto::simple, edge));
  for (NcclProto p : kNcclProtos) {
    double previous = 0;
    for (double bytes = 64; bytes < 4e10; bytes *= 1.07) {
      const double t = m.time_us(NcclAlgo::tree, p, bytes);
      EXPECT_GE(t, previous) << name_of(p) << " at " << bytes;
      previous = t;
    }
  }
}

// The trainsim NVLS pipeline refinement: NCCL's own prediction plus chunk rounds and fill; it
// converges to NCCL's bandwidth for large messages and never decreases with size.
TEST(NcclTuning, NvlsAchievedTimeAddsChunkRoundsAndPipelineFill) {
  const Model m = h100_node();
  const auto& q = m.c.nvls_pipeline;
  const double ops = 16.0 * 8;    // runtime channels × heads
  const double bytes = 2 * kGiB;  // 128 KiB chunks
  const double bw = 272.0;
  const double expected = 25.0 + bytes / (1000 * bw) +
                          bytes / (ops * 131072) * q.per_round_overhead_us +
                          q.fill_depth_chunks * 131072 / (1000 * bw / 16);
  EXPECT_NEAR(m.time_us(NcclAlgo::nvls, NcclProto::simple, bytes), expected, 1e-6);
  EXPECT_NEAR(m.model_time_us(NcclAlgo::nvls, NcclProto::simple, bytes), 25.0 + bytes / (1000 * bw),
              1e-6);
  double previous = 0;
  for (double b = 1e3; b < 2e10; b *= 1.05) {
    const double t = m.time_us(NcclAlgo::nvls, NcclProto::simple, b);
    EXPECT_GE(t, previous) << b;
    previous = t;
  }
}

// Rings run small messages on fewer channels (enqueue.cc): one channel's work is threads ×
// bytes per thread (Ring/LL: 512 × 8 × p = 32 KiB for p = 8). Below 12 channels' worth the
// bandwidth term is 12 × min(bytes, 32 KiB) / bw; NCCL's own model ignores this.
TEST(NcclTuning, RingSmallMessagesRunOnFewerChannels) {
  const Model m = h100_node();
  const double bw = m.alg_bw(NcclAlgo::ring, NcclProto::ll);
  const double chunk = 512 * 8 * 8;
  for (double bytes : {1024.0, 16384.0, 32768.0, 131072.0, 393216.0, 1e6}) {
    const double term = std::max(bytes, 12 * std::min(bytes, chunk));
    EXPECT_NEAR(m.time_us(NcclAlgo::ring, NcclProto::ll, bytes), 15.0 + term / (1000 * bw), 1e-9)
        << bytes;
    EXPECT_NEAR(m.model_time_us(NcclAlgo::ring, NcclProto::ll, bytes), 15.0 + bytes / (1000 * bw),
                1e-9);
  }
  // Simple: 512 threads × 64 bytes = 32 KiB per channel, independent of p.
  const double simple_bw = m.alg_bw(NcclAlgo::ring, NcclProto::simple);
  EXPECT_NEAR(m.time_us(NcclAlgo::ring, NcclProto::simple, 65536),
              56.0 + 12 * 32768 / (1000 * simple_bw), 1e-9);
}

TEST(NcclTuning, UnavailableCombinationsHaveNoTime) {
  const Model m = h100_node();
  EXPECT_LT(m.time_us(NcclAlgo::pat, NcclProto::simple, 1e6), 0);
  EXPECT_LT(m.time_us(NcclAlgo::collnet_direct, NcclProto::simple, 1e6), 0);
}

TEST(NcclTuning, PrintsTheTuningGrid) {
  const std::string text = format_nccl_tuning(h100_node().tuning);
  EXPECT_THAT(text, HasSubstr("ring/Simple"));
  EXPECT_THAT(text, HasSubstr("56.0"));
  EXPECT_THAT(text, HasSubstr("nvls/Simple"));
}

}  // namespace
}  // namespace trainsim
