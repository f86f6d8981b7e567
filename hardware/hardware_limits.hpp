#pragma once
// How large a hardware quantity may be: about ten times the largest shipping part, so that
// tomorrow's hardware fits and a typo (1e297 TFLOPs) is refused naming the field instead of
// turning every duration into zero or NaN. Sources: NVIDIA B200/GB200 datasheets (2024: about
// 9 PFLOP/s dense FP4, 8 TB/s HBM3e, NVLink 5 at 900 GB/s per direction, 72-GPU NVLink
// domains); PCIe 6.0 (128 GB/s per direction at x16); ConnectX-8 (800 Gb/s).
#include "sim/core/json_fields.hpp"

namespace trainsim::hardware_limits {

inline constexpr Limit kPeakTFLOPs{1e5, "100 PFLOP/s per GPU, ten times a B200's dense FP4"};
inline constexpr Limit kHbmGiB{16384, "16 TiB, fifty times today's largest GPU memory"};
inline constexpr Limit kHbmGBps{1e5, "100 TB/s, ten times a B200's HBM3e"};
inline constexpr Limit kNvlinkGBps{1e4, "10 TB/s per direction, ten times NVLink 5"};
inline constexpr Limit kPcieGBps{2e3, "2 TB/s per direction, ten times PCIe 6.0 x16"};
inline constexpr Limit kL2MiB{1e4, "10 GiB of L2, a hundred times today's"};
inline constexpr Limit kTdpW{1e5, "100 kW per GPU"};
inline constexpr Limit kSmCount{1e5, "a hundred thousand multiprocessors"};
inline constexpr Limit kGpusPerNode{4096, "4096 GPUs in one NVLink domain"};
inline constexpr Limit kNicsPerNode{4096, "4096 NICs per node"};
inline constexpr Limit kLinkGbps{1e5, "100 Tb/s per NIC or link, a hundred times ConnectX-8"};
inline constexpr Limit kLatencyUs{1e6, "one second per hop"};
inline constexpr Limit kNodesPerLeafGroup{1e6, "a million nodes under one leaf group"};
inline constexpr Limit kTiers{8, "eight switch tiers"};
inline constexpr Limit kSwitchPorts{4096, "4096 ports per switch, thirty times a 128-port one"};
inline constexpr Limit kOversubscription{1e3, "1000:1"};
inline constexpr Limit kSystemPowerKW{1e4, "10 MW per node"};

}  // namespace trainsim::hardware_limits
