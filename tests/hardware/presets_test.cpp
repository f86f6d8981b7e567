// GPU, node and network presets: what ships, what the loader converts, and how it rejects input.
#include "hardware/presets.hpp"
#include "hardware/prices.hpp"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

using ::testing::HasSubstr;

// Runs `fn`, expects an InputError naming `json_path`, and returns its message.
std::string input_error(const std::function<void()>& fn, const std::string& json_path) {
  try {
    fn();
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), json_path) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError at " << json_path;
  return "";
}

std::vector<std::string> names_of(const std::vector<PresetSummary>& presets) {
  std::vector<std::string> names;
  for (const auto& p : presets) names.push_back(p.name);
  return names;
}

// Preset names that interface.md promises to keep.
const std::vector<std::string> kInterfaceGpus = {"a100-sxm4-40gb",
                                                 "a100-sxm4-80gb",
                                                 "h100-sxm5-80gb",
                                                 "h200-sxm-141gb",
                                                 "b200",
                                                 "mi300x",
                                                 "l40s"};
const std::vector<std::string> kInterfaceNodes = {"dgx-a100", "dgx-h100", "hgx-h200", "dgx-b200"};
const std::vector<std::string> kInterfaceNetworks = {
    "ib-hdr200-rail-fattree", "ib-ndr400-rail-fattree", "roce400-rail-fattree"};

Json gpu_object() {
  return Json::parse(R"({
    "vendor": "nvidia", "sm_count": 100,
    "dense_peak_TFLOPs": {"bf16": 500, "fp32": 50},
    "hbm_capacity_GiB": 64, "hbm_GBps": 2000, "pcie_GBps_per_direction": 32
  })");
}

Json node_object() {
  return Json::parse(R"({
    "default_gpu": "h100-sxm5-80gb", "gpus_per_node": 4, "nvswitch": true, "nvls": false,
    "nics_per_node": 4, "nic_Gbps": 200
  })");
}

Json network_object() {
  return Json::parse(R"({
    "fabric": "infiniband", "link_Gbps": 400, "nic_latency_us": 0.5, "switch_latency_us": 0.1,
    "nodes_per_leaf_group": 16
  })");
}

// --- What ships ---------------------------------------------------------------------------------

TEST(HardwarePresets, InterfaceNamesAllExist) {
  for (const auto& name : kInterfaceGpus) EXPECT_EQ(resolve_gpu(name, "cluster.gpu").name, name);
  for (const auto& name : kInterfaceNodes) EXPECT_EQ(resolve_node(name, "cluster.node").name, name);
  for (const auto& name : kInterfaceNetworks)
    EXPECT_EQ(resolve_network(name, "cluster.network").name, name);
}

TEST(HardwarePresets, ListsAreSortedWithDescriptions) {
  for (const auto& list : {list_gpu_presets(), list_node_presets(), list_network_presets()}) {
    ASSERT_FALSE(list.empty());
    const auto names = names_of(list);
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    for (const auto& p : list) EXPECT_FALSE(p.description.empty()) << p.name;
  }
  const auto gpus = names_of(list_gpu_presets());
  for (const auto& name : kInterfaceGpus)
    EXPECT_NE(std::find(gpus.begin(), gpus.end(), name), gpus.end()) << name;
}

TEST(HardwarePresets, EveryShippedPresetLoads) {
  for (const auto& p : list_gpu_presets()) {
    const GpuSpec gpu = resolve_gpu(p.name, "cluster.gpu");
    EXPECT_GT(gpu.peak_flops_per_s(Precision::bf16), 0) << p.name;
    EXPECT_GT(gpu.hbm_capacity_bytes, 0) << p.name;
    EXPECT_GT(gpu.hbm_Bps, 0) << p.name;
    EXPECT_GT(gpu.pcie_Bps, 0) << p.name;
    EXPECT_GT(gpu.sm_count, 0) << p.name;
  }
  for (const auto& p : list_node_presets()) {
    const NodeSpec node = resolve_node(p.name, "cluster.node");
    EXPECT_GT(node.gpus_per_node, 0) << p.name;
    EXPECT_GT(node.nic_Bps, 0) << p.name;
  }
  for (const auto& p : list_network_presets()) {
    const NetworkSpec net = resolve_network(p.name, "cluster.network");
    EXPECT_GT(net.link_Bps, 0) << p.name;
    EXPECT_GE(net.oversubscription, 1.0) << p.name;
  }
}

TEST(HardwarePresets, EveryNodeDefaultGpuIsAGpuPreset) {
  for (const auto& p : list_node_presets()) {
    const NodeSpec node = resolve_node(p.name, "cluster.node");
    EXPECT_NO_THROW(resolve_gpu(node.default_gpu, "cluster.gpu")) << p.name;
  }
}

// Each number in a preset file has a citation under "source" with the same key (values that are
// estimates say "estimate" there).
TEST(HardwarePresets, EveryNumberHasASource) {
  for (const std::string kind : {"gpus", "nodes", "networks"}) {
    const auto dir = data_root() / "hardware" / "presets" / kind;
    for (const auto& name : preset_names_in(dir)) {
      const Json json = load_json_file(dir / (name + ".json"));
      ASSERT_TRUE(json.contains("source") && json["source"].is_object()) << name;
      for (const auto& [key, value] : json.items()) {
        if (key == "description" || key == "source" || key == "vendor") continue;
        EXPECT_TRUE(json["source"].contains(key))
            << kind << "/" << name << ": no source for " << key;
      }
    }
  }
}

// Every default price names a GPU preset and says where it comes from; the GPUs with a TDP use
// it for a run's energy.
TEST(HardwarePresets, EveryDefaultPriceIsForAGpuPresetAndHasASource) {
  const Json prices = load_json_file(data_root() / "hardware" / "presets" / "prices.json");
  const auto gpus = preset_names_in(data_root() / "hardware" / "presets" / "gpus");
  for (const auto& [gpu, usd] : prices["gpu_hour_usd"].items()) {
    EXPECT_NE(std::find(gpus.begin(), gpus.end(), gpu), gpus.end()) << gpu;
    EXPECT_TRUE(prices["source"].contains(gpu)) << gpu;
    EXPECT_EQ(default_gpu_hour_usd(gpu), usd.get<double>()) << gpu;
  }
  EXPECT_FALSE(default_gpu_hour_usd("mi300x").has_value());
  EXPECT_DOUBLE_EQ(resolve_gpu(Json("h100-sxm5-80gb"), "cluster.gpu").tdp_W, 700);
  EXPECT_DOUBLE_EQ(resolve_node(Json("dgx-h100"), "cluster.node").max_system_power_W, 10200);
}

// --- Units: datasheet units in the file, SI in the struct ---------------------------------------

TEST(HardwarePresets, H100ConvertsDatasheetUnitsToSI) {
  const GpuSpec h100 = resolve_gpu("h100-sxm5-80gb", "cluster.gpu");
  EXPECT_EQ(h100.vendor, "nvidia");
  EXPECT_EQ(h100.compute_capability, 90);
  EXPECT_EQ(h100.sm_count, 132);
  EXPECT_DOUBLE_EQ(h100.peak_flops_per_s(Precision::bf16), 989.4e12);  // TFLOP/s x 1e12
  EXPECT_DOUBLE_EQ(h100.peak_flops_per_s(Precision::fp8), 1978.9e12);
  EXPECT_DOUBLE_EQ(h100.peak_flops_per_s(Precision::tf32), 494.7e12);
  EXPECT_DOUBLE_EQ(h100.peak_flops_per_s(Precision::fp32), 66.9e12);
  EXPECT_DOUBLE_EQ(h100.hbm_capacity_bytes, 80.0 * 1024 * 1024 * 1024);  // GiB
  EXPECT_DOUBLE_EQ(h100.hbm_Bps, 3.35e12);                               // GB/s x 1e9
  EXPECT_DOUBLE_EQ(h100.nvlink_Bps, 450e9);                              // 900 GB/s bidirectional
  EXPECT_DOUBLE_EQ(h100.pcie_Bps, 64e9);
  EXPECT_DOUBLE_EQ(h100.l2_cache_bytes, 50.0 * 1024 * 1024);
}

TEST(HardwarePresets, DatasheetFactsAcrossGpus) {
  const GpuSpec a100 = resolve_gpu("a100-sxm4-80gb", "g");
  EXPECT_DOUBLE_EQ(a100.peak_flops_per_s(Precision::bf16), 312e12);
  EXPECT_DOUBLE_EQ(a100.peak_flops_per_s(Precision::tf32), 156e12);
  EXPECT_DOUBLE_EQ(a100.peak_flops_per_s(Precision::fp8), 0);  // Ampere: no FP8
  EXPECT_DOUBLE_EQ(a100.nvlink_Bps, 300e9);
  EXPECT_LT(resolve_gpu("a100-sxm4-40gb", "g").hbm_Bps, a100.hbm_Bps);

  // H200 is the H100 die with more and faster memory.
  const GpuSpec h100 = resolve_gpu("h100-sxm5-80gb", "g");
  const GpuSpec h200 = resolve_gpu("h200-sxm-141gb", "g");
  EXPECT_EQ(h200.dense_peak_flops_per_s, h100.dense_peak_flops_per_s);
  EXPECT_DOUBLE_EQ(h200.hbm_Bps, 4.8e12);
  EXPECT_GT(h200.hbm_capacity_bytes, h100.hbm_capacity_bytes);

  const GpuSpec b200 = resolve_gpu("b200", "g");
  EXPECT_DOUBLE_EQ(b200.peak_flops_per_s(Precision::bf16), 2250e12);
  EXPECT_DOUBLE_EQ(b200.peak_flops_per_s(Precision::fp8), 4500e12);
  EXPECT_DOUBLE_EQ(b200.nvlink_Bps, 900e9);

  const GpuSpec mi300x = resolve_gpu("mi300x", "g");
  EXPECT_EQ(mi300x.vendor, "amd");
  EXPECT_DOUBLE_EQ(mi300x.peak_flops_per_s(Precision::bf16), 1307.4e12);
  EXPECT_DOUBLE_EQ(mi300x.hbm_capacity_bytes, 192.0 * 1024 * 1024 * 1024);

  const GpuSpec l40s = resolve_gpu("l40s", "g");
  EXPECT_DOUBLE_EQ(l40s.peak_flops_per_s(Precision::bf16), 362.05e12);
  EXPECT_DOUBLE_EQ(l40s.nvlink_Bps, 0);  // PCIe only
  EXPECT_DOUBLE_EQ(l40s.pcie_Bps, 32e9);
}

TEST(HardwarePresets, NodesAndNetworksConvertGbitsAndMicroseconds) {
  const NodeSpec dgx_h100 = resolve_node("dgx-h100", "cluster.node");
  EXPECT_EQ(dgx_h100.default_gpu, "h100-sxm5-80gb");
  EXPECT_EQ(dgx_h100.gpus_per_node, 8);
  EXPECT_TRUE(dgx_h100.nvswitch);
  EXPECT_TRUE(dgx_h100.nvls);
  EXPECT_EQ(dgx_h100.nics_per_node, 8);
  EXPECT_DOUBLE_EQ(dgx_h100.nic_Bps, 50e9);  // 400 Gb/s = 50 GB/s

  const NodeSpec dgx_a100 = resolve_node("dgx-a100", "cluster.node");
  EXPECT_FALSE(dgx_a100.nvls);  // NVLink SHARP needs Hopper-generation NVSwitch
  EXPECT_DOUBLE_EQ(dgx_a100.nic_Bps, 25e9);

  const NetworkSpec ndr = resolve_network("ib-ndr400-rail-fattree", "cluster.network");
  EXPECT_EQ(ndr.fabric, FabricKind::infiniband);
  EXPECT_DOUBLE_EQ(ndr.link_Bps, 50e9);
  EXPECT_DOUBLE_EQ(ndr.switch_latency_s, 0.13e-6);
  EXPECT_EQ(ndr.nodes_per_leaf_group, 32);
  EXPECT_DOUBLE_EQ(ndr.oversubscription, 1.0);
  EXPECT_TRUE(ndr.in_network_reduction);

  const NetworkSpec roce = resolve_network("roce400-rail-fattree", "cluster.network");
  EXPECT_EQ(roce.fabric, FabricKind::roce);
  EXPECT_FALSE(roce.in_network_reduction);
  EXPECT_GT(roce.switch_latency_s, ndr.switch_latency_s);
}

TEST(Presets, CloudFabricsCarryWhatTheirTransportCosts) {
  // AWS EFA: NCCL reaches it through the aws-ofi-nccl plugin (SRD), slower per message and per
  // byte than InfiniBand verbs (values fitted to nccl-tests on p5, see aws-efa.json).
  const NetworkSpec efa = resolve_network("aws-efa", "cluster.network");
  EXPECT_EQ(efa.fabric, FabricKind::efa);
  EXPECT_FALSE(efa.in_network_reduction);
  EXPECT_DOUBLE_EQ(efa.transport_latency_s, 60e-6);
  EXPECT_DOUBLE_EQ(efa.transport_bandwidth_frac, 0.85);
  // InfiniBand is what NCCL's constants describe: nothing added.
  const NetworkSpec ndr = resolve_network("ib-ndr400-rail-fattree", "cluster.network");
  EXPECT_DOUBLE_EQ(ndr.transport_latency_s, 0.0);
  EXPECT_DOUBLE_EQ(ndr.transport_bandwidth_frac, 1.0);

  const NodeSpec p5 = resolve_node("aws-p5", "cluster.node");
  EXPECT_EQ(p5.default_gpu, "h100-sxm5-80gb");
  EXPECT_DOUBLE_EQ(p5.nics_per_node * p5.nic_Bps, 400e9);  // 3200 Gb/s
  const NodeSpec p4d = resolve_node("aws-p4d", "cluster.node");
  EXPECT_EQ(p4d.default_gpu, "a100-sxm4-40gb");
  EXPECT_DOUBLE_EQ(p4d.nics_per_node * p4d.nic_Bps, 50e9);  // 400 Gb/s
}

TEST(Presets, TransportFieldsAreCheckedNamingTheField) {
  Json net = {{"fabric", "efa"},
              {"link_Gbps", 400},
              {"nic_latency_us", 1},
              {"switch_latency_us", 0.5},
              {"nodes_per_leaf_group", 32}};
  net["transport_bandwidth_frac"] = 1.5;
  EXPECT_THROW(
      {
        try {
          resolve_network(net, "cluster.network");
        } catch (const InputError& e) {
          EXPECT_EQ(e.json_path(), "cluster.network.transport_bandwidth_frac");
          throw;
        }
      },
      InputError);
  net["transport_bandwidth_frac"] = 0.9;
  net["transport_latency_us"] = -1;
  EXPECT_THROW(resolve_network(net, "cluster.network"), InputError);
  net["transport_latency_us"] = 20;
  EXPECT_DOUBLE_EQ(resolve_network(net, "cluster.network").transport_latency_s, 20e-6);
}

// --- Names ---------------------------------------------------------------------------------------

TEST(HardwarePresets, UnknownNameSuggestsTheNearest) {
  const std::string msg = input_error([] { resolve_gpu("h100", "cluster.gpu"); }, "cluster.gpu");
  EXPECT_THAT(msg, HasSubstr("unknown gpu preset 'h100'"));
  EXPECT_THAT(msg, HasSubstr("did you mean:"));
  EXPECT_THAT(msg, HasSubstr("h100-sxm5-80gb"));

  EXPECT_THAT(input_error([] { resolve_node("dgx-h10", "cluster.node"); }, "cluster.node"),
              HasSubstr("did you mean: dgx-h100"));
  EXPECT_THAT(
      input_error([] { resolve_network("ib-ndr400", "cluster.network"); }, "cluster.network"),
      HasSubstr("ib-ndr400-rail-fattree"));
}

TEST(HardwarePresets, PathLikeNamesAreJustUnknown) {
  input_error([] { resolve_gpu("../nodes/dgx-h100", "cluster.gpu"); }, "cluster.gpu");
}

TEST(HardwarePresets, NeitherNameNorObjectIsRejected) {
  EXPECT_THAT(input_error([] { resolve_gpu(Json(80), "cluster.gpu"); }, "cluster.gpu"),
              HasSubstr("expected a gpu preset name (a string) or an object"));
  input_error([] { resolve_network(Json::array(), "cluster.network"); }, "cluster.network");
}

// --- Objects in a scenario
// ------------------------------------------------------------------------

TEST(GpuObject, ParsesWithDefaultsForOptionalFields) {
  const GpuSpec gpu = resolve_gpu(gpu_object(), "cluster.gpu");
  EXPECT_EQ(gpu.name, "custom-gpu");
  EXPECT_DOUBLE_EQ(gpu.peak_flops_per_s(Precision::bf16), 500e12);
  EXPECT_DOUBLE_EQ(gpu.peak_flops_per_s(Precision::fp8), 0);  // absent = unsupported
  EXPECT_DOUBLE_EQ(gpu.nvlink_Bps, 0);
  EXPECT_EQ(gpu.compute_capability, 0);
}

TEST(GpuObject, UnknownFieldListsTheAllowedOnes) {
  Json obj = gpu_object();
  obj["hbm_GB"] = 80;
  const std::string msg =
      input_error([&] { parse_gpu_spec(obj, "cluster.gpu"); }, "cluster.gpu.hbm_GB");
  EXPECT_THAT(msg, HasSubstr("unknown field 'hbm_GB'"));
  EXPECT_THAT(msg, HasSubstr("hbm_GBps"));
}

TEST(GpuObject, MissingWrongTypeAndNonPositiveFieldsNameTheirPath) {
  Json missing = gpu_object();
  missing.erase("hbm_GBps");
  EXPECT_THAT(input_error([&] { parse_gpu_spec(missing, "cluster.gpu"); }, "cluster.gpu.hbm_GBps"),
              HasSubstr("required field is missing"));

  Json wrong_type = gpu_object();
  wrong_type["sm_count"] = "132";
  EXPECT_THAT(
      input_error([&] { parse_gpu_spec(wrong_type, "cluster.gpu"); }, "cluster.gpu.sm_count"),
      HasSubstr("expected a number"));

  Json zero = gpu_object();
  zero["hbm_capacity_GiB"] = 0;
  input_error([&] { parse_gpu_spec(zero, "cluster.gpu"); }, "cluster.gpu.hbm_capacity_GiB");

  Json negative = gpu_object();
  negative["nvlink_GBps_per_direction"] = -1;
  input_error([&] { parse_gpu_spec(negative, "cluster.gpu"); },
              "cluster.gpu.nvlink_GBps_per_direction");
}

TEST(GpuObject, PeaksAreKeyedByPrecisionName) {
  Json fp4 = gpu_object();
  fp4["dense_peak_TFLOPs"]["fp4"] = 9000;
  EXPECT_THAT(
      input_error([&] { parse_gpu_spec(fp4, "cluster.gpu"); }, "cluster.gpu.dense_peak_TFLOPs.fp4"),
      HasSubstr("did you mean 'fp8'"));

  Json none = gpu_object();
  none["dense_peak_TFLOPs"] = Json::object();
  input_error([&] { parse_gpu_spec(none, "cluster.gpu"); }, "cluster.gpu.dense_peak_TFLOPs");

  Json vendor = gpu_object();
  vendor["vendor"] = "acme";
  EXPECT_THAT(input_error([&] { parse_gpu_spec(vendor, "cluster.gpu"); }, "cluster.gpu.vendor"),
              HasSubstr("allowed: nvidia, amd"));
}

TEST(NodeObject, ParsesAndChecksItsGpuAndFabric) {
  const NodeSpec node = resolve_node(node_object(), "cluster.node");
  EXPECT_EQ(node.gpus_per_node, 4);
  EXPECT_DOUBLE_EQ(node.nic_Bps, 25e9);

  Json bad_gpu = node_object();
  bad_gpu["default_gpu"] = "h100";
  EXPECT_THAT(
      input_error([&] { parse_node_spec(bad_gpu, "cluster.node"); }, "cluster.node.default_gpu"),
      HasSubstr("h100-sxm5-80gb"));

  Json nvls_without_switch = node_object();
  nvls_without_switch["nvswitch"] = false;
  nvls_without_switch["nvls"] = true;
  input_error([&] { parse_node_spec(nvls_without_switch, "cluster.node"); }, "cluster.node.nvls");

  Json zero_gpus = node_object();
  zero_gpus["gpus_per_node"] = 0;
  input_error([&] { parse_node_spec(zero_gpus, "cluster.node"); }, "cluster.node.gpus_per_node");

  Json fractional = node_object();
  fractional["nics_per_node"] = 2.5;
  EXPECT_THAT(input_error([&] { parse_node_spec(fractional, "cluster.node"); },
                          "cluster.node.nics_per_node"),
              HasSubstr("integer"));
}

TEST(NetworkObject, ParsesAndValidatesEnumsAndRanges) {
  const NetworkSpec net = resolve_network(network_object(), "cluster.network");
  EXPECT_DOUBLE_EQ(net.nic_latency_s, 0.5e-6);
  EXPECT_EQ(net.tiers, 2);                    // default leaf/spine
  EXPECT_DOUBLE_EQ(net.oversubscription, 1);  // default non-blocking
  EXPECT_FALSE(net.in_network_reduction);

  Json fabric = network_object();
  fabric["fabric"] = "ethernet";
  EXPECT_THAT(
      input_error([&] { parse_network_spec(fabric, "cluster.network"); }, "cluster.network.fabric"),
      HasSubstr("allowed: infiniband, roce"));

  Json over = network_object();
  over["oversubscription"] = 0.5;
  input_error([&] { parse_network_spec(over, "cluster.network"); },
              "cluster.network.oversubscription");

  Json tiers = network_object();
  tiers["tiers"] = 5;
  input_error([&] { parse_network_spec(tiers, "cluster.network"); }, "cluster.network.tiers");

  Json latency = network_object();
  latency["switch_latency_us"] = -0.1;
  input_error([&] { parse_network_spec(latency, "cluster.network"); },
              "cluster.network.switch_latency_us");
}

}  // namespace
}  // namespace trainsim
