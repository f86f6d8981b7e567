// sim/compute/compute_cost.hpp: how an Op becomes seconds on one GPU.
#include "sim/compute/compute_cost.hpp"

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardware/presets.hpp"
#include "hardware/profile.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim {
namespace {

// A Hopper-like GPU with round numbers.
GpuSpec test_gpu() {
  GpuSpec gpu;
  gpu.name = "test-gpu";
  gpu.vendor = "nvidia";
  gpu.compute_capability = 90;
  gpu.sm_count = 132;
  gpu.dense_peak_flops_per_s[index_of(Precision::fp32)] = 60e12;
  gpu.dense_peak_flops_per_s[index_of(Precision::tf32)] = 500e12;
  gpu.dense_peak_flops_per_s[index_of(Precision::bf16)] = 1000e12;
  gpu.dense_peak_flops_per_s[index_of(Precision::fp16)] = 1000e12;
  gpu.dense_peak_flops_per_s[index_of(Precision::fp8)] = 2000e12;
  gpu.hbm_Bps = 3e12;
  return gpu;
}

// No tables or curves: every answer comes from the scalars and the roofline.
HardwareProfile scalar_profile() {
  HardwareProfile p;
  p.name = "scalar";
  p.gpu = "test-gpu";
  p.gemm_max_efficiency_frac = 0.8;
  p.attention_max_efficiency_frac = 0.6;
  p.attention_backward_max_efficiency_frac = 0.5;
  p.memory_bandwidth_efficiency_frac = 0.9;
  p.kernel_launch_overhead_s = 5e-6;
  return p;
}

HardwareProfile table_profile() {
  HardwareProfile p = scalar_profile();
  p.gemm_tables[index_of(Precision::bf16)] = {{1024, 1024, 1024, 0.40},
                                              {4096, 4096, 4096, 0.70},
                                              {16384, 16384, 16384, 0.80},
                                              {4096, 1024, 4096, 0.55},
                                              {1024, 4096, 16384, 0.65}};
  p.gemm_max_efficiency_frac = 0.8;
  return p;
}

GemmShape gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch = 1) {
  return {m, n, k, batch};
}

Op gemm_op(GemmShape shape, Precision p = Precision::bf16) {
  Op op;
  op.kind = OpKind::gemm;
  op.precision = p;
  op.gemm = shape;
  op.flops = 2.0 * shape.m * shape.n * shape.k * shape.batch;
  return op;
}

AttentionShape attention(std::int64_t batch, std::int64_t heads, std::int64_t seq,
                         std::int64_t head_dim) {
  return {batch, heads, heads, seq, seq, head_dim, true};
}

Op attention_op(AttentionShape shape, Pass pass) {
  Op op;
  op.kind = OpKind::attention;
  op.pass = pass;
  const double forward = 2.0 * shape.batch * shape.heads * static_cast<double>(shape.seq_q) *
                         shape.seq_kv * shape.head_dim;  // causal: half of 4·b·h·s²·d
  op.flops = pass == Pass::backward ? 2.5 * forward : forward;
  op.attention = shape;
  return op;
}

Op memory_op(double bytes, int kernels = 1) {
  Op op;
  op.kind = OpKind::memory_bound;
  op.bytes = bytes;
  op.kernels = kernels;
  return op;
}

// ---- GEMM tables ----------------------------------------------------------------------------

TEST(GemmTable, ReturnsTheTableValueAtEveryTablePoint) {
  const HardwareProfile profile = table_profile();
  const ComputeCost cost(test_gpu(), profile);
  for (const auto& p : profile.gemm_tables[index_of(Precision::bf16)]) {
    const GemmShape shape = gemm(static_cast<std::int64_t>(p.m), static_cast<std::int64_t>(p.n),
                                 static_cast<std::int64_t>(p.k));
    EXPECT_DOUBLE_EQ(cost.gemm_efficiency_frac(shape, Precision::bf16), p.efficiency_frac)
        << p.m << "x" << p.n << "x" << p.k;
  }
}

TEST(GemmTable, TimeAtATablePointIsFlopsOverAchievedRatePlusOneLaunch) {
  const ComputeCost cost(test_gpu(), table_profile());
  const Op op = gemm_op(gemm(4096, 4096, 4096));
  EXPECT_DOUBLE_EQ(cost.estimate_s(op), op.flops / (1000e12 * 0.70) + 5e-6);
}

TEST(GemmTable, BetweenTwoPointsStaysBetweenTheirValues) {
  const ComputeCost cost(test_gpu(), table_profile());
  const double mid = cost.gemm_efficiency_frac(gemm(2048, 2048, 2048), Precision::bf16);
  EXPECT_GT(mid, 0.40);
  EXPECT_LT(mid, 0.70);
}

TEST(GemmTable, GrowsMonotonicallyAlongTheSquareDiagonal) {
  // Square measurements that grow with size give square efficiencies that grow with size.
  HardwareProfile p = scalar_profile();
  p.gemm_tables[index_of(Precision::bf16)] = {
      {1024, 1024, 1024, 0.40}, {4096, 4096, 4096, 0.70}, {16384, 16384, 16384, 0.80}};
  const ComputeCost cost(test_gpu(), p);
  double previous = 0;
  for (std::int64_t size = 1024; size <= 16384; size += 512) {
    const double frac = cost.gemm_efficiency_frac(gemm(size, size, size), Precision::bf16);
    EXPECT_GE(frac, previous - 1e-12) << size;
    previous = frac;
  }
}

TEST(GemmTable, NeverExtrapolatesAboveTheBestMeasuredEfficiency) {
  const ComputeCost cost(test_gpu(), table_profile());
  // Beyond the largest measured shape: the nearest (largest) shape's behaviour.
  EXPECT_NEAR(cost.gemm_efficiency_frac(gemm(65536, 65536, 65536), Precision::bf16), 0.80, 1e-3);
  for (const GemmShape& s : {gemm(65536, 16384, 65536), gemm(100000, 3000, 20000),
                             gemm(7, 70000, 700), gemm(3000, 3000, 50)})
    EXPECT_LE(cost.gemm_efficiency_frac(s, Precision::bf16), 0.80 + 1e-12);
}

TEST(GemmTable, BelowTheTableTheRooflineOnlyLowersTheNearestValue) {
  const ComputeCost cost(test_gpu(), table_profile());
  const double at_edge = cost.gemm_efficiency_frac(gemm(1024, 1024, 1024), Precision::bf16);
  const double below = cost.gemm_efficiency_frac(gemm(256, 1024, 1024), Precision::bf16);
  EXPECT_LT(below, at_edge);
}

TEST(GemmTable, AGemvIsMemoryBoundEvenWithATable) {
  const ComputeCost cost(test_gpu(), table_profile());
  const GemmShape gemv = gemm(1, 16384, 16384);
  const double bytes = (16384.0 * 16384 + 16384 + 16384) * 2;
  const double expected_s = bytes / (3e12 * 0.9) + 5e-6;
  EXPECT_NEAR(cost.estimate_s(gemm_op(gemv)), expected_s, 0.01 * expected_s);
}

TEST(GemmTable, Fp16BorrowsTheBf16TableAndKeepsItsOwnMeasurements) {
  HardwareProfile p = table_profile();
  const ComputeCost bf16_only(test_gpu(), p);
  const GemmShape off_table = gemm(3000, 5000, 7000);
  EXPECT_DOUBLE_EQ(bf16_only.gemm_efficiency_frac(off_table, Precision::fp16),
                   bf16_only.gemm_efficiency_frac(off_table, Precision::bf16));

  p.gemm_tables[index_of(Precision::fp16)] = {{4096, 4096, 4096, 0.66}};
  const ComputeCost both(test_gpu(), p);
  EXPECT_DOUBLE_EQ(both.gemm_efficiency_frac(gemm(4096, 4096, 4096), Precision::fp16), 0.66);
  EXPECT_DOUBLE_EQ(both.gemm_efficiency_frac(gemm(4096, 4096, 4096), Precision::bf16), 0.70);
  EXPECT_DOUBLE_EQ(both.gemm_efficiency_frac(gemm(16384, 16384, 16384), Precision::fp16), 0.80);
}

TEST(GemmTable, Fp8UsesThe16BitShapeDependenceAtFp8sBestEfficiency) {
  HardwareProfile p = table_profile();
  p.gemm_max_efficiency_frac_by_precision[index_of(Precision::bf16)] = 0.80;
  p.gemm_max_efficiency_frac_by_precision[index_of(Precision::fp8)] = 0.70;
  const ComputeCost cost(test_gpu(), p);
  for (const GemmShape& s : {gemm(4096, 4096, 4096), gemm(3000, 5000, 7000)})
    EXPECT_NEAR(cost.gemm_efficiency_frac(s, Precision::fp8),
                cost.gemm_efficiency_frac(s, Precision::bf16) * 0.70 / 0.80, 1e-12);
  // ... and at fp8's doubled peak, a large fp8 GEMM is 2 x 0.7/0.8 = 1.75x as fast.
  const Op bf16 = gemm_op(gemm(16384, 16384, 16384), Precision::bf16);
  const Op fp8 = gemm_op(gemm(16384, 16384, 16384), Precision::fp8);
  EXPECT_NEAR((cost.estimate_s(bf16) - 5e-6) / (cost.estimate_s(fp8) - 5e-6), 1.75, 1e-9);
}

TEST(GemmTable, Fp32DoesNotBorrowTensorCoreTables) {
  const ComputeCost cost(test_gpu(), table_profile());
  const GemmShape s = gemm(4096, 4096, 4096);
  EXPECT_DOUBLE_EQ(cost.gemm_efficiency_frac(s, Precision::fp32),
                   cost.roofline_gemm_efficiency_frac(s, Precision::fp32, 0.8));
}

// ---- GEMM roofline fallback -----------------------------------------------------------------

TEST(GemmRoofline, AHugeSquareGemmApproachesTheMaxEfficiency) {
  const ComputeCost cost(test_gpu(), scalar_profile());
  const double frac = cost.gemm_efficiency_frac(gemm(65536, 65536, 65536), Precision::bf16);
  EXPECT_LE(frac, 0.8);
  EXPECT_GT(frac, 0.8 * 0.999);
}

TEST(GemmRoofline, AGemmWithOneRowIsMemoryBound) {
  const ComputeCost cost(test_gpu(), scalar_profile());
  const GemmShape gemv = gemm(1, 8192, 8192);
  const double bytes = (8192.0 * 8192 + 8192 + 8192) * 2;  // B dominates; A and C are one row
  const double memory_s = bytes / (3e12 * 0.9);
  // (plus < 1 % for the split-K partial sums: 64 tiles cannot fill 132 SMs)
  EXPECT_NEAR(cost.estimate_s(gemm_op(gemv)), memory_s + 5e-6, 0.01 * memory_s);
  EXPECT_LT(cost.gemm_efficiency_frac(gemv, Precision::bf16), 0.01);
}

TEST(GemmRoofline, OneWaveMoreThanFullIsSlowerPerFlop) {
  // 128x256 tiles on 132 SMs: 12 x 11 = 132 tiles is exactly one wave. 7 x 19 = 133 tiles need
  // a second, almost empty wave (133/264 used); 128x128 tiles (266 of them, 3 waves at 0.9 of
  // the large tile's rate) do better, and the roofline takes the better choice, as cuBLAS does.
  const ComputeCost cost(test_gpu(), scalar_profile());
  const Op one_wave = gemm_op(gemm(12 * 128, 11 * 256, 8192));
  const Op just_over = gemm_op(gemm(7 * 128, 19 * 256, 8192));
  const double launch = 5e-6;
  const double per_flop_one = (cost.estimate_s(one_wave) - launch) / one_wave.flops;
  const double per_flop_over = (cost.estimate_s(just_over) - launch) / just_over.flops;
  EXPECT_GT(per_flop_over, 1.4 * per_flop_one);
  EXPECT_NEAR(cost.gemm_efficiency_frac(one_wave.gemm, Precision::bf16), 0.8, 1e-12);
  EXPECT_NEAR(cost.gemm_efficiency_frac(just_over.gemm, Precision::bf16), 0.8 * 0.9 * 266 / 396,
              1e-12);
}

TEST(GemmRoofline, SmallerTilesWinWhenLargeOnesLeaveTheLastWaveNearlyEmpty) {
  // 16 x 9 = 144 tiles of 128x256 on 132 SMs: 2 waves, 55% used. 16 x 18 = 288 tiles of
  // 128x128: 3 waves, 73% used, at 0.9 of the rate: 0.655 > 0.545.
  const ComputeCost cost(test_gpu(), scalar_profile());
  EXPECT_NEAR(cost.gemm_efficiency_frac(gemm(2048, 2304, 8192), Precision::bf16),
              0.8 * 0.9 * 288 / 396, 1e-12);
}

TEST(GemmRoofline, PartialTilesCostWholeTiles) {
  const ComputeCost cost(test_gpu(), scalar_profile());
  // 12x11 tiles but one row of the last tile row is used: (11*128+1) rows still need 12 tiles.
  const double padded =
      cost.gemm_efficiency_frac(gemm(11 * 128 + 1, 11 * 256, 8192), Precision::bf16);
  EXPECT_NEAR(padded, 0.8 * (11 * 128 + 1) / (12 * 128.0), 1e-12);
}

TEST(GemmRoofline, AGroupedGemmFillsTheWaveAcrossItsBatch) {
  GpuSpec gpu = test_gpu();
  gpu.hbm_Bps = 1e16;  // isolate the compute side: these GEMMs are memory-bound on a real GPU
  const ComputeCost cost(gpu, scalar_profile());
  // One 128x256 tile per GEMM; 132 of them grouped fill exactly one wave.
  EXPECT_NEAR(cost.gemm_efficiency_frac(gemm(128, 256, 8192, 132), Precision::bf16), 0.8, 1e-12);
  // Alone, that GEMM is best cut into two 128x128 tiles split 32 ways along K (slices of 256):
  // 64 of 132 SMs busy, at 0.9 of the large tile's rate.
  EXPECT_NEAR(cost.gemm_efficiency_frac(gemm(128, 256, 8192), Precision::bf16),
              0.8 * 0.9 * 64 / 132, 1e-3);
}

TEST(GemmRoofline, UsesEachPrecisionsPeakAndMaxEfficiency) {
  HardwareProfile p = scalar_profile();
  p.gemm_max_efficiency_frac_by_precision[index_of(Precision::fp8)] = 0.7;
  const ComputeCost cost(test_gpu(), p);
  const GemmShape big = gemm(12 * 128 * 8, 11 * 256 * 8, 16384);
  EXPECT_NEAR(cost.gemm_efficiency_frac(big, Precision::fp8), 0.7, 1e-9);
  EXPECT_NEAR(cost.gemm_efficiency_frac(big, Precision::bf16), 0.8, 1e-9);
  const Op op = gemm_op(big, Precision::fp8);
  EXPECT_NEAR(cost.estimate_s(op), op.flops / (2000e12 * 0.7) + 5e-6, 1e-12);
}

TEST(GemmRoofline, WithoutAnSmCountThereIsNoWaveQuantization) {
  GpuSpec gpu = test_gpu();
  gpu.sm_count = 0;
  const ComputeCost cost(gpu, scalar_profile());
  EXPECT_NEAR(cost.gemm_efficiency_frac(gemm(7 * 128, 19 * 256, 8192), Precision::bf16), 0.8,
              1e-12);
}

// ---- attention ------------------------------------------------------------------------------

HardwareProfile attention_profile() {
  HardwareProfile p = scalar_profile();
  p.attention = {{1024, 64, 0.30, 0.18},  {4096, 64, 0.38, 0.34},  {16384, 64, 0.44, 0.44},
                 {1024, 128, 0.41, 0.20}, {4096, 128, 0.56, 0.41}, {16384, 128, 0.61, 0.56}};
  return p;
}

TEST(Attention, ReturnsThePointsValuesForForwardAndBackward) {
  const ComputeCost cost(test_gpu(), attention_profile());
  for (const auto& p : attention_profile().attention) {
    const auto s = static_cast<std::int64_t>(p.seq_len);
    const auto shape = attention(16384 / s, 16, s, static_cast<std::int64_t>(p.head_dim));
    EXPECT_NEAR(cost.attention_efficiency_frac(shape, Pass::forward), p.forward_frac, 1e-12);
    EXPECT_NEAR(cost.attention_efficiency_frac(shape, Pass::backward), p.backward_frac, 1e-12);
    EXPECT_NEAR(cost.attention_efficiency_frac(shape, Pass::recompute), p.forward_frac, 1e-12);
  }
}

TEST(Attention, InterpolatesInLogSequenceLengthAndHeadDim) {
  const ComputeCost cost(test_gpu(), attention_profile());
  // 2048 is halfway between 1024 and 4096 in log space.
  EXPECT_NEAR(cost.attention_efficiency_frac(attention(8, 16, 2048, 128), Pass::forward),
              (0.41 + 0.56) / 2, 1e-12);
  // Head dim 96 lies between the 64 and 128 curves.
  const double d96 = cost.attention_efficiency_frac(attention(4, 16, 4096, 96), Pass::forward);
  EXPECT_GT(d96, 0.38);
  EXPECT_LT(d96, 0.56);
  // Longer sequences are more efficient, up to the longest measured one, then flat.
  EXPECT_NEAR(cost.attention_efficiency_frac(attention(1, 16, 131072, 128), Pass::forward), 0.61,
              1e-12);
  EXPECT_NEAR(cost.attention_efficiency_frac(attention(64, 16, 256, 128), Pass::backward), 0.20,
              1e-12);
  EXPECT_NEAR(cost.attention_efficiency_frac(attention(1, 16, 16384, 256), Pass::forward), 0.61,
              1e-12);
}

TEST(Attention, TimeIsFlopsOverAchievedRatePlusLaunch) {
  const ComputeCost cost(test_gpu(), attention_profile());
  const AttentionShape shape = attention(4, 16, 4096, 128);
  const Op fwd = attention_op(shape, Pass::forward);
  const Op bwd = attention_op(shape, Pass::backward);
  EXPECT_NEAR(cost.estimate_s(fwd), fwd.flops / (1000e12 * 0.56) + 5e-6, 1e-12);
  EXPECT_NEAR(cost.estimate_s(bwd), bwd.flops / (1000e12 * 0.41) + 5e-6, 1e-12);
}

TEST(Attention, TooFewBlocksToFillTheGpuLoseTheIdleSms) {
  const ComputeCost cost(test_gpu(), attention_profile());
  // batch 1 x 2 heads x 4096/128 = 64 query blocks on 132 SMs.
  EXPECT_NEAR(cost.attention_efficiency_frac(attention(1, 2, 4096, 128), Pass::forward),
              0.56 * 64 / 132, 1e-12);
}

TEST(Attention, WithoutPointsUsesTheScalars) {
  const ComputeCost cost(test_gpu(), scalar_profile());
  EXPECT_DOUBLE_EQ(cost.attention_efficiency_frac(attention(8, 16, 2048, 128), Pass::forward), 0.6);
  EXPECT_DOUBLE_EQ(cost.attention_efficiency_frac(attention(8, 16, 2048, 128), Pass::backward),
                   0.5);
}

TEST(Attention, Fp8AttentionRunsAtTheBf16Rate) {
  const ComputeCost cost(test_gpu(), scalar_profile());
  Op op = attention_op(attention(8, 16, 2048, 128), Pass::forward);
  const double bf16_s = cost.estimate_s(op);
  op.precision = Precision::fp8;
  EXPECT_DOUBLE_EQ(cost.estimate_s(op), bf16_s);
}

// ---- memory-bound ops -----------------------------------------------------------------------

TEST(MemoryBound, TimeIsBytesOverAchievableBandwidthPlusLaunch) {
  const ComputeCost cost(test_gpu(), scalar_profile());
  EXPECT_DOUBLE_EQ(cost.memory_bandwidth_Bps(1e9), 3e12 * 0.9);
  EXPECT_DOUBLE_EQ(cost.estimate_s(memory_op(1e9)), 1e9 / (3e12 * 0.9) + 5e-6);
  // Several kernels: one launch each.
  EXPECT_DOUBLE_EQ(cost.estimate_s(memory_op(1e9, 3)), 1e9 / (3e12 * 0.9) + 3 * 5e-6);
}

TEST(MemoryBound, BandwidthCurveInterpolatesInLogBytesAndClamps) {
  HardwareProfile p = scalar_profile();
  p.memory_bandwidth = {{1e6, 0.1}, {1e8, 0.7}, {1e10, 0.9}};
  const ComputeCost cost(test_gpu(), p);
  EXPECT_DOUBLE_EQ(cost.memory_bandwidth_Bps(1e6), 3e12 * 0.1);
  EXPECT_NEAR(cost.memory_bandwidth_Bps(1e7), 3e12 * 0.4, 1e-3);  // halfway in log space
  EXPECT_DOUBLE_EQ(cost.memory_bandwidth_Bps(1e3), 3e12 * 0.1);
  EXPECT_DOUBLE_EQ(cost.memory_bandwidth_Bps(1e12), 3e12 * 0.9);
  EXPECT_DOUBLE_EQ(cost.best_memory_bandwidth_Bps(), 3e12 * 0.9);
  // An op split over kernels reads the curve at each kernel's size.
  EXPECT_DOUBLE_EQ(cost.estimate_s(memory_op(3e8, 3)), 3e8 / (3e12 * 0.7) + 3 * 5e-6);
}

// ---- edge cases -----------------------------------------------------------------------------

TEST(EstimateS, OpsWithoutWorkTakeNoTime) {
  const ComputeCost cost(test_gpu(), table_profile());
  EXPECT_EQ(cost.estimate_s(memory_op(0)), 0.0);
  Op empty_gemm;
  empty_gemm.kind = OpKind::gemm;
  EXPECT_EQ(cost.estimate_s(empty_gemm), 0.0);
  Op empty_attention;
  empty_attention.kind = OpKind::attention;
  EXPECT_EQ(cost.estimate_s(empty_attention), 0.0);
  EXPECT_EQ(cost.gemm_efficiency_frac(gemm(0, 4096, 4096), Precision::bf16), 0.0);
  EXPECT_EQ(cost.attention_efficiency_frac(attention(0, 16, 4096, 128), Pass::forward), 0.0);
}

TEST(EstimateS, APrecisionTheGpuLacksIsInfeasible) {
  GpuSpec gpu = test_gpu();
  gpu.dense_peak_flops_per_s[index_of(Precision::fp8)] = 0;  // an Ampere-like GPU
  const ComputeCost cost(gpu, scalar_profile());
  EXPECT_THROW(cost.estimate_s(gemm_op(gemm(4096, 4096, 4096), Precision::fp8)), InfeasibleError);
}

TEST(EstimateS, TimesArePositiveAndFiniteAcrossShapes) {
  const ComputeCost tables(test_gpu(), table_profile());
  const ComputeCost scalars(test_gpu(), scalar_profile());
  for (std::int64_t m : {1, 7, 128, 1000, 4096, 100000})
    for (std::int64_t n : {1, 64, 3000, 50000})
      for (std::int64_t k : {1, 16, 4096, 65536})
        for (const ComputeCost* cost : {&tables, &scalars}) {
          const double t = cost->estimate_s(gemm_op(gemm(m, n, k)));
          EXPECT_TRUE(std::isfinite(t) && t > 0) << m << "x" << n << "x" << k;
          const double frac = cost->gemm_efficiency_frac(gemm(m, n, k), Precision::bf16);
          EXPECT_GT(frac, 0);
          EXPECT_LE(frac, 0.8 + 1e-12);
        }
}

#ifndef NDEBUG
TEST(EstimateSDeathTest, NegativeWorkIsABug) {
  const ComputeCost cost(test_gpu(), scalar_profile());
  EXPECT_DEATH(cost.estimate_s(memory_op(-1)), "negative work");
}
#endif

// The datasheet-default roofline (the fallback for GPUs without a measured table) is calibrated on
// the one GPU with one: on the H100's measured transformer-layer GEMMs (h >= 4096, where the
// harness's per-call floor does not matter) it must be right on average and rarely far off.
TEST(GemmRoofline, DatasheetDefaultsReproduceTheMeasuredH100LayerGemmsOnAverage) {
  const GpuSpec h100 = resolve_gpu(Json("h100-sxm5-80gb"), "gpu");
  const ComputeCost roofline(h100, datasheet_default_profile(h100));
  std::ifstream in(data_root() / "calibrate" / "data" / "h100-microbench" / "gemm.jsonl");
  ASSERT_TRUE(in) << "calibrate/data/h100-microbench/gemm.jsonl";
  const double peak = h100.dense_peak_flops_per_s[index_of(Precision::bf16)];
  const double launch_s = default_profile_for(h100).kernel_launch_overhead_s;
  double sum_log = 0, sum_log2 = 0;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    const Json row = Json::parse(line);
    const auto h = row.find("h");  // square products have no layer and no hidden size
    if (!row.contains("layer") || h == row.end() || !h->is_number() || h->get<int>() < 4096)
      continue;
    const GemmShape shape{row["m"].get<std::int64_t>(), row["n"].get<std::int64_t>(),
                          row["k"].get<std::int64_t>()};
    const double flops = 2.0 * shape.m * shape.n * shape.k;
    const double measured = flops / (row["s_med"].get<double>() - launch_s) / peak;
    const double r = std::log(roofline.gemm_efficiency_frac(shape, Precision::bf16) / measured);
    sum_log += r, sum_log2 += r * r, ++n;
  }
  ASSERT_GT(n, 100);
  const double mean = sum_log / n;
  EXPECT_LT(std::fabs(mean), 0.03) << "geometric-mean ratio " << std::exp(mean);
  EXPECT_LT(std::sqrt(sum_log2 / n - mean * mean), 0.12);
}

}  // namespace
}  // namespace trainsim
