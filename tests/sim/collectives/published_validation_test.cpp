// Accuracy against published nccl-tests results (tests/data/validation/published-dev.json).
// Bus bandwidth is compared as nccl-tests defines it (busbw = size / time × factor), computed from
// the measured time rather than the 2-decimal busbw column. Targets: within 10% from 1 MiB up,
// within 25% below.
#include <cmath>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sim/collectives/collective_cost.hpp"
#include "sim/collectives/collective_kinds.hpp"
#include "sim/core/json_fields.hpp"
#include "test_clusters.hpp"

namespace trainsim {
namespace {

using namespace test;

const Json& published() {
  static const Json doc = load_json_file(TRAINSIM_TEST_DATA_DIR "/validation/published-dev.json");
  return doc;
}

const Json& record(std::string_view id) {
  for (const Json& r : published())
    if (r.value("id", "") == id) return r;
  throw std::runtime_error(fmt::format("record {} not in published-dev.json", id));
}

// busbw in GB/s from a time in µs.
double busbw_GBps(CollectiveKind kind, int ranks, double bytes, double time_us) {
  return bytes / (time_us * 1e3) * busbw_factor(kind, ranks);
}

// 8 × H100 80GB HBM3 (DGX), all_reduce_perf sweep 8 B … 16 GiB (NVIDIA/dgxc-benchmarking).
TEST(PublishedValidation, NcclTestsAllReduceSweepOn8H100) {
  const Json& rec = record("nccl-allreduce-dgxh100-8gpu");
  ASSERT_EQ(rec["hardware"]["gpus"].get<int>(), 8);
  const Json& rows = rec["measured"]["rows"];
  const CollectiveCost cost(h100(), dgx_h100(), ib_ndr400());
  const CommGroup group = one_node(8);

  std::string table =
      fmt::format("{:>12} {:>11} {:>11} {:>12} {:>12} {:>8}  {}\n", "size_B", "meas_us", "pred_us",
                  "meas_busbw", "pred_busbw", "error", "choice");
  int checked = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double bytes = rows[i][0].get<double>();
    const double measured_us = rows[i][1].get<double>();
    const auto e = cost.estimate(CollectiveKind::all_reduce, group, bytes);
    const double predicted_us = e.time_s * 1e6;
    const double measured = busbw_GBps(CollectiveKind::all_reduce, 8, bytes, measured_us);
    const double predicted = busbw_GBps(CollectiveKind::all_reduce, 8, bytes, predicted_us);
    const double error = predicted / measured - 1;
    // A row measured more than 20% slower than the next larger size is a measurement glitch (the
    // record notes the 32-byte point as an outlier; 4 KiB is the other one): reported, not
    // checked.
    const bool glitch = i + 1 < rows.size() && measured_us > 1.2 * rows[i + 1][1].get<double>();
    table += fmt::format("{:>12.0f} {:>11.2f} {:>11.2f} {:>12.2f} {:>12.2f} {:>+7.1f}%  {}/{}{}\n",
                         bytes, measured_us, predicted_us, measured, predicted, 100 * error,
                         name_of(e.algorithm), name_of(e.protocol),
                         glitch ? "  (glitch, not checked)" : "");
    if (glitch) continue;
    const double tolerance = bytes >= kMiB ? 0.10 : 0.25;
    EXPECT_LE(std::fabs(error), tolerance)
        << bytes << " B: measured busbw " << measured << " GB/s, predicted " << predicted;
    ++checked;
  }
  std::printf("%s", table.c_str());
  EXPECT_GE(checked, 28);
}

// Maintainer figures for 8 × H100 (nccl-tests #212, #326): NVLS all_reduce ~480 GB/s busbw, rings
// ~370 GB/s, all_gather ~360 GB/s at large sizes.
TEST(PublishedValidation, H100PeakBusBandwidths) {
  const CollectiveCost cost(h100(), dgx_h100(), ib_ndr400());
  const CollectiveCost ring(h100(), dgx_h100(), ib_ndr400(), {"ring", ""});
  const double bytes = 16 * kGiB;
  const auto busbw = [&](const CollectiveCost& c, CollectiveKind kind) {
    return busbw_GBps(kind, 8, bytes, c.estimate_s(kind, one_node(8), bytes) * 1e6);
  };
  const double nvls = record("nccl-h100-8gpu-allreduce-nvls")["measured"]["value"].get<double>();
  const double rings = record("nccl-h100-8gpu-ring-effective")["measured"]["value"].get<double>();
  const double ag = record("nccl-h100-8gpu-allgather")["measured"]["value"].get<double>();
  const double p_nvls = busbw(cost, CollectiveKind::all_reduce);
  const double p_ring = busbw(ring, CollectiveKind::all_reduce);
  const double p_ag = busbw(cost, CollectiveKind::all_gather);
  std::printf("H100 all_reduce NVLS busbw: measured %.1f, predicted %.1f\n", nvls, p_nvls);
  std::printf("H100 all_reduce ring busbw: measured %.1f, predicted %.1f\n", rings, p_ring);
  std::printf("H100 all_gather busbw:      measured %.1f, predicted %.1f\n", ag, p_ag);
  EXPECT_NEAR(p_nvls / nvls, 1.0, 0.10);
  EXPECT_NEAR(p_ring / rings, 1.0, 0.10);
  EXPECT_NEAR(p_ag / ag, 1.0, 0.10);
}

// 8 × A100 single node, nccl-tests #175: 232.54 GB/s busbw at up to 4 GB.
TEST(PublishedValidation, A100AllReducePeakBusBandwidth) {
  const double measured = record("nccl-a100-8gpu-allreduce")["measured"]["value"].get<double>();
  const CollectiveCost cost(a100(), dgx_a100(), ib_hdr200());
  const double bytes = 4 * kGiB;
  const double predicted =
      busbw_GBps(CollectiveKind::all_reduce, 8, bytes,
                 cost.estimate_s(CollectiveKind::all_reduce, one_node(8), bytes) * 1e6);
  std::printf("A100 all_reduce busbw at 4 GiB: measured %.2f, predicted %.2f (%+.1f%%)\n", measured,
              predicted, 100 * (predicted / measured - 1));
  EXPECT_NEAR(predicted / measured, 1.0, 0.10);
}

// sendrecv_perf -g 8 on A100 (a ring of NVLink peer copies; busbw = algbw). The first row
// (128 MiB, 43% below the rest) is the sweep's warm-up and is reported only.
TEST(PublishedValidation, A100SendRecvBandwidth) {
  const Json& rows = record("nccl-sendrecv-a100-8gpu")["measured"]["rows"];
  const CollectiveCost cost(a100(), dgx_a100(), ib_hdr200());
  for (const Json& row : rows) {
    const double bytes = row[0].get<double>();
    const double measured = busbw_GBps(CollectiveKind::send_recv, 2, bytes, row[1].get<double>());
    const double predicted =
        busbw_GBps(CollectiveKind::send_recv, 2, bytes,
                   cost.estimate_s(CollectiveKind::send_recv, CommGroup{2, 1, 2}, bytes) * 1e6);
    std::printf("A100 sendrecv %10.0f B: measured %.1f GB/s, predicted %.1f GB/s (%+.1f%%)\n",
                bytes, measured, predicted, 100 * (predicted / measured - 1));
    if (bytes >= 256 * kMiB) {
      EXPECT_NEAR(predicted / measured, 1.0, 0.10) << bytes;
    }
  }
}

}  // namespace
}  // namespace trainsim
