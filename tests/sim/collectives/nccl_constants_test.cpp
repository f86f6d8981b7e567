// NCCL's constants are data: the shipped file carries NCCL 2.30.7's tables with named axes and a
// source block, the loader checks every field, and a broken file is an input error that names it.
#include "sim/collectives/nccl_constants.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

using ::testing::HasSubstr;

std::filesystem::path shipped_file() {
  return data_root() / kDefaultNcclConstantsFile;
}

Json shipped_json() {
  return load_json_file(shipped_file());
}

// Writes `text` to a fresh file under the test temp dir and returns its path.
std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << text;
  return path;
}

TEST(NcclConstants, ShippedFileIsNccl2307WithItsSource) {
  const NcclConstants& c = default_nccl_constants();
  EXPECT_EQ(c.nccl_version, "2.30.7");
  EXPECT_THAT(c.source, HasSubstr("NVIDIA/nccl"));
  EXPECT_EQ(c.file.filename(), "nccl-2.30.7.json");
  // Loaded once: the same object every time.
  EXPECT_EQ(&default_nccl_constants(), &c);
}

TEST(NcclConstants, LatencyTablesMatchTuningCc) {
  const NcclConstants& c = default_nccl_constants();
  EXPECT_DOUBLE_EQ(c.base_latency_us[index_of(NcclAlgo::ring)][index_of(NcclProto::ll)], 6.6);
  EXPECT_DOUBLE_EQ(c.base_latency_us[index_of(NcclAlgo::tree)][index_of(NcclProto::ll)], 6.8);
  EXPECT_DOUBLE_EQ(c.base_latency_us[index_of(NcclAlgo::ring)][index_of(NcclProto::simple)], 8.4);
  EXPECT_DOUBLE_EQ(c.base_latency_us[index_of(NcclAlgo::pat)][index_of(NcclProto::simple)], 8.0);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::nvlink, NcclAlgo::ring, NcclProto::ll128), 1.9);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::nvlink, NcclAlgo::tree, NcclProto::simple), 4.0);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::nvlink, NcclAlgo::nvls, NcclProto::simple), 25.0);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::pci, NcclAlgo::ring, NcclProto::simple), 5.7);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::net, NcclAlgo::ring, NcclProto::simple), 14.0);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::net, NcclAlgo::nvls_tree, NcclProto::simple), 20.9);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::net, NcclAlgo::collnet_direct, NcclProto::simple), 31.0);
  // NCCL prints '-' for protocols an algorithm does not run: null in the file.
  EXPECT_FALSE(
      c.hw_latency_us[index_of(NcclHw::nvlink)][index_of(NcclAlgo::nvls)][index_of(NcclProto::ll)]
          .has_value());
  EXPECT_DOUBLE_EQ(c.net_overhead_us, 1.0);  // Intel host assumed
  EXPECT_DOUBLE_EQ(c.latency_inter_us, 0.0);
}

TEST(NcclConstants, BandwidthCapsAreIndexedByArchitectureAndNodeCount) {
  const NcclConstants& c = default_nccl_constants();
  const auto hopper = index_of(NcclArch::hopper);
  EXPECT_DOUBLE_EQ(c.ll_max_bw_GBps[hopper][0], 141.0);
  EXPECT_DOUBLE_EQ(c.ll_max_bw_GBps[index_of(NcclArch::volta)][2], 20.4);  // Intel, N4+
  EXPECT_DOUBLE_EQ(c.per_ch_max_ring_ll128_GBps[hopper][0], 36.7);
  EXPECT_DOUBLE_EQ(c.per_ch_max_tree_GBps[hopper][2], 36.0);
  EXPECT_DOUBLE_EQ(c.per_ch_max_tree_ll128_GBps[index_of(NcclArch::blackwell)][1], 31.67);
  EXPECT_DOUBLE_EQ(c.per_ch_max_nvls_tree_GBps[hopper][1], 57.7);
  EXPECT_DOUBLE_EQ(c.nvls_efficiency_frac[hopper], 0.85);
  EXPECT_DOUBLE_EQ(c.nvls_efficiency_frac[index_of(NcclArch::blackwell)], 0.74);
  EXPECT_DOUBLE_EQ(c.nvls_efficiency_frac[index_of(NcclArch::ampere)], 0.0);
}

TEST(NcclConstants, InlineRefinementsAreNamedEntries) {
  const auto& r = default_nccl_constants().refine;
  EXPECT_DOUBLE_EQ(r.ring_ll_bw_frac, 0.5);
  EXPECT_DOUBLE_EQ(r.ring_ll128_bw_frac, 0.92);
  EXPECT_DOUBLE_EQ(r.tree_bw_frac, 0.92);
  EXPECT_DOUBLE_EQ(r.tree_ll_bw_divisor, 3.8);
  EXPECT_NEAR(r.tree_ll128_1node_bw_frac, 7.0 / 9.0, 1e-12);
  EXPECT_DOUBLE_EQ(r.tree_ll128_multinode_bw_frac, 120.0 / 128.0);
  EXPECT_DOUBLE_EQ(r.tree_pattern_bw_frac, 0.85);
  EXPECT_DOUBLE_EQ(r.pat_bw_frac, 0.75);
  EXPECT_DOUBLE_EQ(r.ring_plateau_latency_factor, 1.4);
  EXPECT_DOUBLE_EQ(r.collnet_arity_serialization_us, 0.4);
}

TEST(NcclConstants, TreeCorrectionFactorTableAndItsMonotoneEnvelope) {
  const NcclConstants& c = default_nccl_constants();
  const auto simple = index_of(NcclProto::simple);
  EXPECT_DOUBLE_EQ(c.tree_correction[simple][0], 0.9);
  EXPECT_DOUBLE_EQ(c.tree_correction[simple][11], 0.5);
  EXPECT_DOUBLE_EQ(c.tree_correction[index_of(NcclProto::ll)][12], 0.4);
  EXPECT_EQ(c.tree_correction_max_index, 22);
  // The envelope never decreases and covers every bucket's end / factor.
  for (std::size_t p = 0; p < kNcclProtoCount; ++p)
    for (std::size_t i = 1; i <= kTreeCorrectionCount; ++i)
      EXPECT_GE(c.tree_envelope_bytes[p][i], c.tree_envelope_bytes[p][i - 1]);
  EXPECT_DOUBLE_EQ(c.tree_envelope_bytes[simple][1], 128.0 / 0.9);
}

TEST(NcclConstants, TopologyConstantsFromTopoHAndSearchCc) {
  const NcclConstants& c = default_nccl_constants();
  EXPECT_EQ(c.nvlink_per_link_GBps_by_sm,
            (std::vector<std::pair<int, double>>{
                {60, 18.0}, {70, 20.0}, {80, 20.0}, {86, 12.0}, {90, 20.6}, {100, 40.1}}));
  EXPECT_DOUBLE_EQ(c.speeds_hopper.intra.front(), 60.0);
  EXPECT_DOUBLE_EQ(c.speeds_pre_hopper.intra.front(), 40.0);
  EXPECT_DOUBLE_EQ(c.speeds_blackwell.inter.front(), 96.0);
  EXPECT_EQ(&c.speeds_for(80), &c.speeds_pre_hopper);
  EXPECT_EQ(&c.speeds_for(90), &c.speeds_hopper);
  EXPECT_EQ(&c.speeds_for(100), &c.speeds_blackwell);
  EXPECT_EQ(c.max_channels, 32);
  EXPECT_EQ(c.ring_search_max_channels, 16);
  EXPECT_EQ(c.nvls_max_arity, 32);
  EXPECT_EQ(c.nvls_runtime_channels_hopper, 16);
}

TEST(NcclConstants, ArchitectureOfAComputeCapability) {
  const NcclConstants& c = default_nccl_constants();
  EXPECT_EQ(arch_for_sm(c, 60), NcclArch::volta);
  EXPECT_EQ(arch_for_sm(c, 70), NcclArch::volta);
  EXPECT_EQ(arch_for_sm(c, 80), NcclArch::ampere);
  EXPECT_EQ(arch_for_sm(c, 89), NcclArch::ampere);
  EXPECT_EQ(arch_for_sm(c, 90), NcclArch::hopper);
  EXPECT_EQ(arch_for_sm(c, 100), NcclArch::blackwell);
  EXPECT_EQ(arch_for_sm(c, 120), NcclArch::blackwell);
}

TEST(NcclConstants, NamesParseInTrainsimAndNcclSpellings) {
  EXPECT_EQ(parse_nccl_algo("ring"), NcclAlgo::ring);
  EXPECT_EQ(parse_nccl_algo("NVLSTree"), NcclAlgo::nvls_tree);
  EXPECT_EQ(parse_nccl_algo("nvls_tree"), NcclAlgo::nvls_tree);
  EXPECT_EQ(parse_nccl_algo("CollNetDirect"), NcclAlgo::collnet_direct);
  EXPECT_EQ(parse_nccl_algo("hierarchical"), std::nullopt);
  EXPECT_EQ(parse_nccl_proto("simple"), NcclProto::simple);
  EXPECT_EQ(parse_nccl_proto("LL128"), NcclProto::ll128);
  EXPECT_EQ(parse_nccl_proto("LL64"), std::nullopt);
  EXPECT_EQ(name_of(NcclAlgo::collnet_chain), "collnet_chain");
  EXPECT_EQ(name_of(NcclProto::simple), "Simple");
}

TEST(NcclConstants, AFileWithAnotherNumberLoadsWithThatNumber) {
  Json doc = shipped_json();
  doc["hw_latency_us"]["net"]["ring"]["Simple"] = 9.6;  // NCCL 2.10.3's value
  const auto path = write_temp("nccl-alt.json", doc.dump());
  const NcclConstants c = load_nccl_constants(path);
  EXPECT_DOUBLE_EQ(c.hw_latency(NcclHw::net, NcclAlgo::ring, NcclProto::simple), 9.6);
}

TEST(NcclConstants, SyntaxErrorIsAnInputErrorNamingTheFile) {
  const auto path = write_temp("nccl-broken.json", "{ \"nccl_version\": \"2.30.7\", ");
  try {
    load_nccl_constants(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), path.string());
  }
}

TEST(NcclConstants, MissingTableIsAnInputErrorNamingFileAndField) {
  Json doc = shipped_json();
  doc["hw_latency_us"]["nvlink"].erase("ring");
  const auto path = write_temp("nccl-missing.json", doc.dump());
  try {
    load_nccl_constants(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), path.string());
    EXPECT_THAT(e.what(), HasSubstr("hw_latency_us.nvlink.ring"));
  }
}

TEST(NcclConstants, WrongTypeAndOutOfRangeValuesAreRejected) {
  Json wrong_type = shipped_json();
  wrong_type["base_latency_us"]["ring"]["LL"] = "fast";
  EXPECT_THROW(parse_nccl_constants(wrong_type, "wrong-type.json"), InputError);

  Json bad_factor = shipped_json();
  bad_factor["tree_correction_factor"]["LL"][3] = 1.5;
  try {
    parse_nccl_constants(bad_factor, "bad-factor.json");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), "bad-factor.json");
    EXPECT_THAT(e.what(), HasSubstr("tree_correction_factor.LL[3]"));
  }

  Json short_row = shipped_json();
  short_row["ll_max_bw_GBps"]["hopper"] = Json::array({141.0, 45.0});
  EXPECT_THROW(parse_nccl_constants(short_row, "short-row.json"), InputError);

  Json unsourced = shipped_json();
  unsourced["refinements"]["pat_bw_frac"].erase("source");
  EXPECT_THROW(parse_nccl_constants(unsourced, "unsourced.json"), InputError);
}

TEST(NcclConstants, MissingFileIsAnInputErrorNamingIt) {
  const auto path = std::filesystem::path(::testing::TempDir()) / "no-such-nccl.json";
  try {
    load_nccl_constants(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), path.string());
  }
}

}  // namespace
}  // namespace trainsim
