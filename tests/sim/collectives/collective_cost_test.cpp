// CollectiveCost: the fastest (algorithm, protocol) NCCL would pick and its time; forcing;
// point-to-point; input errors. The closed forms are written out in each test.
#include "sim/collectives/collective_cost.hpp"

#include <future>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/collectives/alpha_beta.hpp"
#include "sim/collectives/collective_kinds.hpp"
#include "sim/collectives/nccl_constants.hpp"
#include "sim/core/errors.hpp"
#include "test_clusters.hpp"

namespace trainsim {
namespace {

using namespace test;
using ::testing::HasSubstr;

constexpr std::array<CollectiveKind, 7> kAllKinds = {
    CollectiveKind::all_reduce, CollectiveKind::all_gather, CollectiveKind::reduce_scatter,
    CollectiveKind::broadcast,  CollectiveKind::reduce,     CollectiveKind::all_to_all,
    CollectiveKind::send_recv};

// The estimate's algorithm and protocol as trainsim prints them.
std::string algorithm_name(const CollectiveEstimate& e) {
  return std::string(name_of(e.algorithm));
}
std::string protocol_name(const CollectiveEstimate& e) {
  return std::string(name_of(e.protocol));
}

CollectiveCost h100_cost(CollectiveOptions options = {}) {
  return CollectiveCost(h100(), dgx_h100(), ib_ndr400(), std::move(options));
}

// Expects InputError at `path` whose message contains `text`.
template <typename F>
void expect_input_error(F&& f, const std::string& path, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "expected InputError at " << path;
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), path);
    EXPECT_THAT(e.what(), HasSubstr(text));
  }
}

TEST(CollectiveKinds, NamesAndBusBandwidthFactors) {
  EXPECT_EQ(name_of(CollectiveKind::reduce_scatter), "reduce_scatter");
  EXPECT_EQ(parse_collective_kind("AllGather"), CollectiveKind::all_gather);
  EXPECT_EQ(parse_collective_kind("all_to_all"), CollectiveKind::all_to_all);
  EXPECT_DOUBLE_EQ(busbw_factor(CollectiveKind::all_reduce, 8), 1.75);
  EXPECT_DOUBLE_EQ(busbw_factor(CollectiveKind::all_gather, 8), 0.875);
  EXPECT_DOUBLE_EQ(busbw_factor(CollectiveKind::broadcast, 8), 1.0);
  EXPECT_EQ(ring_steps(CollectiveKind::all_reduce, 8), 14);
  EXPECT_EQ(ring_steps(CollectiveKind::all_gather, 8), 7);
  EXPECT_EQ(ring_steps(CollectiveKind::broadcast, 8), 8);
}

TEST(CollectiveCost, GroupOfOneRankCostsNothing) {
  const CollectiveCost cost = h100_cost();
  for (CollectiveKind kind : kAllKinds) {
    if (kind == CollectiveKind::send_recv) continue;  // a send needs a peer
    const auto e = cost.estimate(kind, CommGroup{1, 1, 1}, 1 * kGiB);
    EXPECT_EQ(e.time_s, 0.0) << name_of(kind);
    EXPECT_EQ(algorithm_name(e), "none");
  }
}

TEST(CollectiveCost, EstimatesAreTypedAndPrintWithNcclsNames) {
  const CollectiveCost cost = h100_cost({"tree", "LL"});
  const CollectiveEstimate e = cost.estimate(CollectiveKind::all_reduce, nodes_of(2, 8), 64e3);
  EXPECT_EQ(e.algorithm, CollectiveAlgorithm::tree);
  EXPECT_EQ(e.protocol, NcclProto::ll);
  EXPECT_EQ(cost.estimate(CollectiveKind::all_reduce, CommGroup{1, 1, 1}, 64e3).protocol,
            std::nullopt);
  for (NcclAlgo a : kNcclAlgos) EXPECT_EQ(name_of(collective_algorithm(a)), name_of(a));
  EXPECT_EQ(name_of(CollectiveAlgorithm::none), "none");
  EXPECT_EQ(name_of(CollectiveAlgorithm::direct), "direct");
  EXPECT_EQ(name_of(CollectiveAlgorithm::p2p), "p2p");
  EXPECT_EQ(name_of(CollectiveAlgorithm::nvls_tree), "nvls_tree");
  EXPECT_EQ(name_of(std::optional<NcclProto>()), "");
  EXPECT_EQ(name_of(std::optional<NcclProto>(NcclProto::ll128)), "LL128");
}

TEST(CollectiveCost, ZeroBytesCostNothing) {
  const CollectiveCost cost = h100_cost();
  for (CollectiveKind kind : kAllKinds)
    EXPECT_EQ(cost.estimate_s(kind, nodes_of(2, 8), 0.0), 0.0) << name_of(kind);
}

// The NCCL ring/Simple time is NCCL's latency plus exactly the textbook ring's β term with
// B = nChannels × bwIntra (360 GB/s on 8 × H100).
TEST(CollectiveCost, RingSimpleIsNcclLatencyPlusTheTextbookRingBetaTerm) {
  const CollectiveCost cost = h100_cost({"ring", "Simple"});
  const double bytes = 1 * kGiB;
  const AlphaBetaLink link{0.0, 360e9};

  const auto one = cost.estimate(CollectiveKind::all_reduce, one_node(8), bytes);
  EXPECT_EQ(algorithm_name(one), "ring");
  EXPECT_EQ(protocol_name(one), "Simple");
  const auto ring8 = *textbook_shape(CollectiveKind::all_reduce, TextbookAlgorithm::ring, 8);
  EXPECT_NEAR(one.time_s, 56.0e-6 + estimate_alpha_beta_s(ring8, bytes, link), 1e-12);

  // 4 nodes × 8: 8 channels of 45 GB/s = 360; latency 8.4 + 56·3.4 + 6·14 = 282.8 µs, ×1.4
  // (plateau) at this size.
  const double t = cost.estimate_s(CollectiveKind::all_reduce, nodes_of(4, 8), bytes);
  const auto ring32 = *textbook_shape(CollectiveKind::all_reduce, TextbookAlgorithm::ring, 32);
  EXPECT_NEAR(t, 282.8e-6 * 1.4 + estimate_alpha_beta_s(ring32, bytes, link), 1e-12);
}

TEST(CollectiveCost, AllGatherAndReduceScatterRingsUsePMinus1Steps) {
  const CollectiveCost cost = h100_cost({"ring", "Simple"});
  const double bytes = 1 * kGiB;  // the gathered buffer
  const auto shape = *textbook_shape(CollectiveKind::all_gather, TextbookAlgorithm::ring, 8);
  for (CollectiveKind kind : {CollectiveKind::all_gather, CollectiveKind::reduce_scatter})
    EXPECT_NEAR(cost.estimate_s(kind, one_node(8), bytes),
                (8.4 + 7 * 3.4) * 1e-6 + estimate_alpha_beta_s(shape, bytes, {0.0, 360e9}), 1e-12)
        << name_of(kind);
}

// §1.6 with ring forced: LL below ≈3.6 MB, LL128 up to ≈36 MB, Simple above.
TEST(CollectiveCost, ForcedRingSwitchesProtocolsAtTheWorkedExampleCrossovers) {
  const CollectiveCost cost = h100_cost({"ring", ""});
  const auto proto = [&](double bytes) {
    return protocol_name(cost.estimate(CollectiveKind::all_reduce, one_node(8), bytes));
  };
  EXPECT_EQ(proto(64e3), "LL");
  EXPECT_EQ(proto(3.4e6), "LL");
  EXPECT_EQ(proto(3.8e6), "LL128");
  EXPECT_EQ(proto(35e6), "LL128");
  EXPECT_EQ(proto(38e6), "Simple");
}

// Unforced on one H100 node: LL for small messages, NVLS once bandwidth matters. Rings run a
// small message on fewer channels: below 12 channels × 32 KiB the bandwidth term is that of
// min(bytes, 32 KiB) on each of the 12 channels.
TEST(CollectiveCost, OneH100NodeChoosesLlSmallAndNvlsLarge) {
  const CollectiveCost cost = h100_cost();
  const auto small = cost.estimate(CollectiveKind::all_reduce, one_node(8), 1024);
  EXPECT_EQ(algorithm_name(small), "ring");
  EXPECT_EQ(protocol_name(small), "LL");
  EXPECT_NEAR(small.time_s, (15.0 + 12 * 1024 / (1000 * 141.0 * 8 / 14)) * 1e-6, 1e-12);
  EXPECT_EQ(protocol_name(cost.estimate(CollectiveKind::all_reduce, one_node(8), 32 * 1024)), "LL");
  const auto large = cost.estimate(CollectiveKind::all_reduce, one_node(8), 1 * kGiB);
  EXPECT_EQ(algorithm_name(large), "nvls");
  EXPECT_EQ(protocol_name(large), "Simple");
  // all_gather gains nothing from NVLS: rings.
  EXPECT_EQ(algorithm_name(cost.estimate(CollectiveKind::all_gather, one_node(8), 1 * kGiB)),
            "ring");
}

TEST(CollectiveCost, OneA100NodeChoosesRingSimpleForLargeMessages) {
  const CollectiveCost cost(a100(), dgx_a100(), ib_hdr200());
  const auto e = cost.estimate(CollectiveKind::all_reduce, one_node(8), 1 * kGiB);
  EXPECT_EQ(algorithm_name(e), "ring");
  EXPECT_EQ(protocol_name(e), "Simple");
}

// Across nodes NCCL picks Tree (LL, then LL128) for small and medium sizes because the ring's
// latency grows with 2(p−1) steps, and a bandwidth-optimal algorithm for large ones.
TEST(CollectiveCost, AcrossNodesTreeWinsSmallAndBandwidthOptimalWinsLarge) {
  const CollectiveCost h = h100_cost();
  const auto tiny = h.estimate(CollectiveKind::all_reduce, nodes_of(16, 8), 1024);
  EXPECT_EQ(algorithm_name(tiny), "tree");
  EXPECT_EQ(protocol_name(tiny), "LL");
  // Tree/LL: busBw min(0.92·360/3.8, llMaxBw 20.4) × 0.5; 1 KiB is correction bucket 4 (LL 0.9).
  EXPECT_NEAR(tiny.time_s, 55.2e-6 + 1024 / (0.5 * 20.4e9 * 0.9), 1e-12);
  const auto medium = h.estimate(CollectiveKind::all_reduce, nodes_of(16, 8), 1e6);
  EXPECT_EQ(algorithm_name(medium), "tree");
  EXPECT_EQ(protocol_name(medium), "LL128");
  const auto large = h.estimate(CollectiveKind::all_reduce, nodes_of(16, 8), 4 * kGiB);
  EXPECT_THAT(algorithm_name(large), ::testing::AnyOf("nvls_tree", "ring"));
  EXPECT_EQ(protocol_name(large), "Simple");

  const CollectiveCost a(a100(), dgx_a100(), ib_hdr200());
  const auto a_large = a.estimate(CollectiveKind::all_reduce, nodes_of(16, 8), 4 * kGiB);
  EXPECT_EQ(algorithm_name(a_large), "ring");
  EXPECT_EQ(protocol_name(a_large), "Simple");
}

TEST(CollectiveCost, PatServesSmallAllGathersWithOneGpuPerNode) {
  const CollectiveCost cost = h100_cost();
  EXPECT_EQ(algorithm_name(cost.estimate(CollectiveKind::all_gather, nodes_of(64, 1), 64e3)),
            "pat");
  EXPECT_EQ(algorithm_name(cost.estimate(CollectiveKind::all_gather, nodes_of(64, 1), 4 * kGiB)),
            "ring");
  EXPECT_NE(algorithm_name(cost.estimate(CollectiveKind::all_gather, nodes_of(64, 2), 64e3)),
            "pat");
}

TEST(CollectiveCost, InNetworkReductionOffersCollNetOnceEnabled) {
  NetworkSpec sharp = ib_ndr400();
  sharp.in_network_reduction = true;
  const CollectiveCost cost(h100(), dgx_h100(), sharp, {"collnet_direct", "", /*collnet=*/true});
  const auto e = cost.estimate(CollectiveKind::all_reduce, nodes_of(4, 8), 1 * kGiB);
  EXPECT_EQ(algorithm_name(e), "collnet_direct");
  EXPECT_GT(e.time_s, 0.0);
}

TEST(CollectiveCost, SharpSwitchesAloneDoNotMakeNcclUseCollNet) {
  // NCCL_COLLNET_ENABLE defaults to 0: without it neither CollNet nor multi-node NVLS runs.
  NetworkSpec sharp = ib_ndr400();
  sharp.in_network_reduction = true;
  const CollectiveCost by_default(h100(), dgx_h100(), sharp);
  const CollectiveCost enabled(h100(), dgx_h100(), sharp, {"", "", /*collnet=*/true});
  for (const double bytes : {64e6, 1.0 * kGiB, 8.0 * kGiB}) {
    const auto plain = by_default.estimate(CollectiveKind::all_reduce, nodes_of(16, 8), bytes);
    EXPECT_THAT(algorithm_name(plain), ::testing::Not(HasSubstr("collnet"))) << bytes;
    EXPECT_NE(algorithm_name(plain), "nvls") << bytes;
    EXPECT_LE(enabled.estimate_s(CollectiveKind::all_reduce, nodes_of(16, 8), bytes), plain.time_s)
        << "enabling CollNet only adds candidates";
  }
  expect_input_error(
      [&] {
        CollectiveCost(h100(), dgx_h100(), sharp, {"collnet_direct", ""});
      },
      "comm.algorithm", "comm.collnet: true");
}

TEST(CollectiveCost, CollNetOnANetworkWithoutInNetworkReductionIsAnInputError) {
  NetworkSpec plain = ib_ndr400();
  plain.in_network_reduction = false;
  expect_input_error(
      [&] {
        CollectiveCost(h100(), dgx_h100(), plain, {"", "", true});
      },
      "comm.collnet", "no in-network reduction");
}

TEST(CollectiveCost, ForcedAlgorithmAndProtocolAreUsed) {
  const auto tree = h100_cost({"tree", ""}).estimate(CollectiveKind::all_reduce, one_node(8), 1e9);
  EXPECT_EQ(algorithm_name(tree), "tree");
  const auto ll128 =
      h100_cost({"", "LL128"}).estimate(CollectiveKind::all_reduce, one_node(8), 1e9);
  EXPECT_EQ(protocol_name(ll128), "LL128");
  const auto both =
      h100_cost({"Ring", "simple"}).estimate(CollectiveKind::all_reduce, one_node(8), 8);
  EXPECT_EQ(algorithm_name(both), "ring");
  EXPECT_EQ(protocol_name(both), "Simple");
  // Forcing never makes a call faster than the free choice.
  EXPECT_GE(tree.time_s, h100_cost().estimate_s(CollectiveKind::all_reduce, one_node(8), 1e9));
}

TEST(CollectiveCost, ForcingAcceptsNcclStyleListsAndExclusions) {
  const auto list =
      h100_cost({"tree, ring", ""}).estimate(CollectiveKind::all_reduce, one_node(8), 1e9);
  EXPECT_EQ(algorithm_name(list), "ring");
  const auto excluded =
      h100_cost({"^nvls", ""}).estimate(CollectiveKind::all_reduce, one_node(8), 1e9);
  EXPECT_EQ(algorithm_name(excluded), "ring");
  const auto simple =
      h100_cost({"", "^LL,LL128"}).estimate(CollectiveKind::all_reduce, one_node(8), 1e3);
  EXPECT_EQ(protocol_name(simple), "Simple");
}

TEST(CollectiveCost, UnknownForcedNamesAreInputErrorsListingTheAllowedNames) {
  expect_input_error(
      [] {
        h100_cost({"hierarchical", ""});
      },
      "comm.algorithm", "allowed: tree, ring, collnet_direct, collnet_chain, nvls, nvls_tree, pat");
  expect_input_error(
      [] {
        h100_cost({"", "LL64"});
      },
      "comm.protocol", "allowed: LL, LL128, Simple");
  expect_input_error([] { h100_cost({",", ""}); }, "comm.algorithm", "no algorithm named");
  EXPECT_NO_THROW(h100_cost({"ring,", ""}));  // a trailing comma is harmless
}

TEST(CollectiveCost, ForcedNamesTheHardwareCannotRunAreInputErrors) {
  expect_input_error(
      [] {
        CollectiveCost(a100(), dgx_a100(), ib_hdr200(), {"nvls", ""});
      },
      "comm.algorithm", "possible here: tree, ring, pat");
  expect_input_error(
      [] {
        CollectiveCost(h100(), dgx_h100(), ib_ndr400(), {"collnet_chain", ""});
      },
      "comm.algorithm", "cannot run on this cluster");
  expect_input_error(
      [] {
        CollectiveCost(pcie_gpu(), pcie_node(), ib_hdr200(), {"", "LL128"});
      },
      "comm.protocol", "possible here: LL, Simple");
}

TEST(CollectiveCost, ForcedAlgorithmMissingForACollectiveIsAnInputErrorAtTheCall) {
  const CollectiveCost tree = h100_cost({"tree", ""});
  expect_input_error([&] { tree.estimate(CollectiveKind::all_gather, one_node(8), 1e6); },
                     "comm.algorithm", "available there: ring, nvls");
  const CollectiveCost nvls_ll = h100_cost({"nvls", "LL"});
  expect_input_error([&] { nvls_ll.estimate(CollectiveKind::all_reduce, one_node(8), 1e6); },
                     "comm.protocol", "available there: Simple");
}

TEST(CollectiveCost, ForcingDoesNotApplyToPointToPoint) {
  const CollectiveCost cost = h100_cost({"tree", "LL"});
  EXPECT_EQ(algorithm_name(cost.estimate(CollectiveKind::all_to_all, nodes_of(2, 8), 1e6)),
            "direct");
  EXPECT_EQ(algorithm_name(cost.estimate(CollectiveKind::send_recv, CommGroup{2, 2, 1}, 1e6)),
            "p2p");
}

// §3.4: (p−1)·α_eff + max((N−1)/N·n/B_nic_per_gpu, (G−1)/G·n/B_nvl), the constants of p2p_cost.hpp.
TEST(CollectiveCost, AllToAllFollowsTheTwoLevelFormula) {
  const CollectiveCost cost = h100_cost();
  const double n = 256 * kMiB;
  const double b_nvl = 370.8 * 0.81 * 1e9, b_nic = 50 * 0.96 * 1e9;

  const auto single = cost.estimate(CollectiveKind::all_to_all, one_node(8), n);
  EXPECT_EQ(algorithm_name(single), "direct");
  EXPECT_NEAR(single.time_s, 7 * 3.4e-6 + 7.0 / 8 * n / b_nvl, 1e-12);

  // 2 nodes × 8: 7 NVLink peers, 8 remote peers (3 µs proxy post each), one 14 µs network hop.
  const double alpha = (7 * 3.4 + 8 * 3.0 + 14.0) * 1e-6;
  EXPECT_NEAR(cost.estimate_s(CollectiveKind::all_to_all, nodes_of(2, 8), n),
              alpha + std::max(0.5 * n / b_nic, 7.0 / 8 * n / b_nvl), 1e-12);

  // Beyond one leaf group an oversubscribed spine halves the NIC bandwidth.
  NetworkSpec over = ib_ndr400();
  over.oversubscription = 2.0;
  const CollectiveCost oversubscribed(h100(), dgx_h100(), over);
  const double alpha64 = (7 * 3.4 + 504 * 3.0 + 14.0) * 1e-6;
  EXPECT_NEAR(oversubscribed.estimate_s(CollectiveKind::all_to_all, nodes_of(64, 8), n),
              alpha64 + 63.0 / 64 * n / (b_nic / 2), 1e-12);
}

TEST(CollectiveCost, SendRecvIsOneHopOfLatencyPlusThePathBandwidth) {
  const CollectiveCost cost = h100_cost();
  const double n = 64 * kMiB;
  EXPECT_NEAR(cost.estimate_s(CollectiveKind::send_recv, CommGroup{2, 1, 2}, n),
              3.4e-6 + n / (370.8 * 0.81 * 1e9), 1e-12);
  EXPECT_NEAR(cost.estimate_s(CollectiveKind::send_recv, CommGroup{2, 2, 1}, n),
              14e-6 + n / (50 * 0.96 * 1e9), 1e-12);
}

struct Machine {
  const char* name;
  GpuSpec gpu;
  NodeSpec node;
  NetworkSpec net;
};

TEST(CollectiveCost, TimeNeverDecreasesWithSize) {
  const std::vector<Machine> machines = {{"h100", h100(), dgx_h100(), ib_ndr400()},
                                         {"a100", a100(), dgx_a100(), ib_hdr200()},
                                         {"b200", b200(), dgx_b200(), ib_ndr400()},
                                         {"pcie", pcie_gpu(), pcie_node(), ib_hdr200()}};
  const std::vector<CommGroup> groups = {one_node(2),     one_node(8),     nodes_of(2, 8),
                                         nodes_of(16, 8), nodes_of(64, 1), nodes_of(128, 4)};
  for (const Machine& m : machines) {
    const CollectiveCost cost(m.gpu, m.node, m.net);
    for (const CommGroup& g : groups)
      for (CollectiveKind kind : kAllKinds) {
        double previous = 0;
        for (double bytes = 1; bytes < 3.5e10; bytes *= 1.09) {
          const double t = cost.estimate_s(kind, g, bytes);
          ASSERT_GE(t, previous) << m.name << " " << name_of(kind) << " " << g.nodes << "x"
                                 << g.ranks_per_node << " at " << bytes << " bytes";
          previous = t;
        }
      }
  }
}

TEST(CollectiveCost, LargerGroupsAcrossNodesAreNotFasterForLargeAllReduces) {
  const CollectiveCost cost = h100_cost();
  const double bytes = 1 * kGiB;
  EXPECT_LT(cost.estimate_s(CollectiveKind::all_reduce, one_node(8), bytes),
            cost.estimate_s(CollectiveKind::all_reduce, nodes_of(2, 8), bytes));
  EXPECT_LE(cost.estimate_s(CollectiveKind::all_reduce, nodes_of(2, 8), bytes),
            cost.estimate_s(CollectiveKind::all_reduce, nodes_of(32, 8), bytes));
}

TEST(CollectiveCost, InconsistentGroupsAndSizesAreRejected) {
  const CollectiveCost cost = h100_cost();
  EXPECT_THROW(cost.estimate(CollectiveKind::all_reduce, CommGroup{8, 2, 8}, 1e6),
               std::invalid_argument);
  EXPECT_THROW(cost.estimate(CollectiveKind::all_reduce, CommGroup{16, 1, 16}, 1e6),
               std::invalid_argument);
  EXPECT_THROW(cost.estimate(CollectiveKind::all_reduce, CommGroup{0, 1, 0}, 1e6),
               std::invalid_argument);
  EXPECT_THROW(cost.estimate(CollectiveKind::all_reduce, one_node(8), -1.0), std::invalid_argument);
}

TEST(CollectiveCost, AGroupWhoseLastNodeIsPartlyFilledIsCostedBetweenItsNeighbours) {
  // 12 ranks on two nodes (a 3-node pipeline stage): costed as 6 per node, 11 likewise (the
  // last node one short); an empty last node is not a group.
  const CollectiveCost cost = h100_cost();
  const double bytes = 256e6;
  const double twelve = cost.estimate_s(CollectiveKind::all_reduce, CommGroup{12, 2, 6}, bytes);
  const double eleven = cost.estimate_s(CollectiveKind::all_reduce, CommGroup{11, 2, 6}, bytes);
  EXPECT_GT(twelve, 0);
  EXPECT_GT(eleven, 0);
  EXPECT_GT(twelve, cost.estimate_s(CollectiveKind::all_reduce, one_node(8), bytes));
  EXPECT_THROW(cost.estimate(CollectiveKind::all_reduce, CommGroup{12, 3, 6}, bytes),
               std::invalid_argument);
}

TEST(CollectiveCost, GroupsAcrossNodesNeedNicBandwidth) {
  NodeSpec no_nics = dgx_h100();
  no_nics.nics_per_node = 0;
  no_nics.nic_Bps = 0;
  NetworkSpec no_net = ib_ndr400();
  no_net.link_Bps = 0;
  const CollectiveCost cost(h100(), no_nics, no_net);
  EXPECT_GT(cost.estimate_s(CollectiveKind::all_reduce, one_node(8), 1e6), 0.0);
  expect_input_error([&] { cost.estimate(CollectiveKind::all_reduce, nodes_of(2, 8), 1e6); },
                     "cluster.node.nic_Bps", "no NIC bandwidth");
}

TEST(CollectiveCost, OtherConstantsChangeTheModel) {
  auto alt = std::make_shared<NcclConstants>(default_nccl_constants());
  alt->hw_latency_us[index_of(NcclHw::net)][index_of(NcclAlgo::ring)][index_of(NcclProto::simple)] =
      9.6;  // NCCL 2.10.3
  const CollectiveCost cost(h100(), dgx_h100(), ib_ndr400(), {"ring", "Simple"}, alt);
  // 2 nodes × 8: 8.4 + (30 − 2)·3.4 + 2·9.6, no plateau at 8 bytes; 8 bytes on each of the 8
  // ring channels.
  EXPECT_NEAR(cost.estimate_s(CollectiveKind::all_reduce, nodes_of(2, 8), 8),
              (8.4 + 28 * 3.4 + 2 * 9.6) * 1e-6 + 8 * 8 / (360e9 * 16 / 30), 1e-12);
}

TEST(CollectiveCost, ExplainShowsTheSearchGraphsAndTheTuningTable) {
  const std::string text = h100_cost().explain(CollectiveKind::all_reduce, one_node(8));
  EXPECT_THAT(text, HasSubstr("NCCL 2.30.7"));
  EXPECT_THAT(text, HasSubstr("nChannels 12, bw 30.0/30.0"));
  EXPECT_THAT(text, HasSubstr("nvls/Simple"));
  EXPECT_THAT(h100_cost().explain(CollectiveKind::all_to_all, one_node(8)),
              HasSubstr("point-to-point"));
}

TEST(CollectiveCost, CopiesShareTheModelAndAreSafeAcrossThreads) {
  const CollectiveCost cost = h100_cost();
  const double expected = cost.estimate_s(CollectiveKind::all_reduce, nodes_of(8, 8), 123e6);
  std::vector<std::future<double>> results;
  for (int i = 0; i < 4; ++i)
    results.push_back(std::async(std::launch::async, [copy = cost] {
      double t = 0;
      for (int k = 0; k < 1000; ++k)
        t = copy.estimate_s(CollectiveKind::all_reduce, nodes_of(8, 8), 123e6);
      return t;
    }));
  for (auto& r : results) EXPECT_DOUBLE_EQ(r.get(), expected);
}

}  // namespace
}  // namespace trainsim

namespace trainsim {
namespace {

// One name table serves the simulator, the nccl-tests log reader and calibration's fits.
TEST(CollectiveNames, NcclTestsProgramsAndFilesNameTheTableCollective) {
  EXPECT_EQ(collective_in_nccl_tests_name("all_reduce_perf"), CollectiveKind::all_reduce);
  EXPECT_EQ(collective_in_nccl_tests_name("h100_AllGather-8gpu.txt"), CollectiveKind::all_gather);
  EXPECT_EQ(collective_in_nccl_tests_name("reduce_scatter_perf.log"),
            CollectiveKind::reduce_scatter);
  EXPECT_EQ(collective_in_nccl_tests_name("reduce_perf"), CollectiveKind::reduce);
  EXPECT_EQ(collective_in_nccl_tests_name("./build/alltoall_perf_mpi"), CollectiveKind::all_to_all);
  EXPECT_EQ(collective_in_nccl_tests_name("gather_perf"), std::nullopt);
  for (const CollectiveTraits& t : kCollectiveTraits) {
    EXPECT_EQ(collective_in_nccl_tests_name(std::string(t.nccl_tests_name) + "_perf"), t.kind);
    EXPECT_EQ(parse_collective_kind(t.name), t.kind);
  }
}

}  // namespace
}  // namespace trainsim
