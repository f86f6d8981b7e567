// Reading nccl-tests logs (comm-model.md §2.2–2.3): what is accepted, what each field becomes, and
// which logs are rejected with the line that is wrong.
//
// Fixtures in tests/data/nccl_tests/:
//  - gb10_all_reduce.log: the two-node GB10 block of comm-model.md §2.3, verbatim
//    (NVIDIA/dgx-spark-playbooks PR #103).
//  - eight_rank_rows.log: the three eight-rank rows of §2.3, verbatim (kvcache-ai/Mooncake PR
//  #3484).
//  - old_12_column.log: the data rows of NVIDIA/nccl-tests#128 verbatim (12 columns: no root, an
//    "error" column like 2e-07, times ≥ 10000 µs without decimals); preamble in that era's style.
//  - mpi_prefixed_all_gather.log, in_place_na.log, broadcast_large_times.log: constructed, every
//  row
//    consistent with algbw = size/time and busbw = algbw·factor; the broadcast log is built around
//    the "18781" time and the footer quoted from ROCm/rccl PR #2075.
//  - bad_*.log, empty.log, random_text.log: the GB10 block with one line damaged, and non-logs.
#include "sim/collectives/nccl_tests_log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

using ::testing::HasSubstr;

std::string fixture(const std::string& name) {
  return std::string(TRAINSIM_TEST_DATA_DIR) + "/nccl_tests/" + name;
}

// The InputError `f` throws (a failed expectation and an empty error when it throws nothing).
InputError input_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an InputError";
  return InputError("", "");
}

InputError parse_error(const std::string& text, const std::string& origin = "log.txt") {
  return input_error_of([&] { parse_nccl_tests_log(text, origin); });
}

// The current 13-column header, for inline logs.
const std::string kHeader =
    "#       size         count      type   redop    root     time   algbw   busbw  #wrong     "
    "time "
    "  algbw   busbw  #wrong\n";

// ---------------------------------------------------------------------------------------------
// Real logs

TEST(NcclTestsLog, Gb10AllReduceSampleGivesCollectiveRanksAndEveryField) {
  const NcclTestsLog log = load_nccl_tests_log(fixture("gb10_all_reduce.log"));
  EXPECT_EQ(log.collective, "all_reduce");  // "# Collective test starting: all_reduce_perf"
  EXPECT_EQ(log.ranks, 2);                  // two "#  Rank" lines
  ASSERT_EQ(log.rows.size(), 4u);
  EXPECT_FALSE(log.average_busbw_GBps.has_value());  // the excerpt stops before the footer

  const NcclTestsRow& first = log.rows.front();
  EXPECT_DOUBLE_EQ(first.size_bytes, 8192);
  EXPECT_DOUBLE_EQ(first.count, 2048);
  EXPECT_EQ(first.type, "float");
  EXPECT_EQ(first.redop, "sum");
  EXPECT_EQ(first.root, -1);
  EXPECT_DOUBLE_EQ(first.time_us, 35.15);
  EXPECT_DOUBLE_EQ(first.algbw_GBps, 0.23);
  EXPECT_DOUBLE_EQ(first.busbw_GBps, 0.23);
  ASSERT_TRUE(first.in_place_time_us.has_value());
  EXPECT_DOUBLE_EQ(*first.in_place_time_us, 30.33);
  EXPECT_DOUBLE_EQ(first.in_place_algbw_GBps.value(), 0.27);
  EXPECT_DOUBLE_EQ(first.in_place_busbw_GBps.value(), 0.27);

  const NcclTestsRow& last = log.rows.back();
  EXPECT_DOUBLE_EQ(last.size_bytes, 65536);
  EXPECT_DOUBLE_EQ(last.time_us, 67.93);
  EXPECT_DOUBLE_EQ(last.in_place_busbw_GBps.value(), 1.01);
}

TEST(NcclTestsLog, EightRankRowsWithoutPreambleShowTheAllReduceBusBwFactor) {
  const NcclTestsLog log = load_nccl_tests_log(fixture("eight_rank_rows.log"));
  EXPECT_EQ(log.collective, "");  // nothing says which test it was
  EXPECT_EQ(log.ranks, 0);
  ASSERT_EQ(log.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(log.rows[1].size_bytes, 16777216);
  EXPECT_DOUBLE_EQ(log.rows[1].count, 4194304);
  EXPECT_DOUBLE_EQ(log.rows[1].time_us, 121.33);
  EXPECT_DOUBLE_EQ(log.rows[1].algbw_GBps, 138.28);
  EXPECT_DOUBLE_EQ(log.rows[1].busbw_GBps, 242.00);
  EXPECT_DOUBLE_EQ(log.rows[2].in_place_busbw_GBps.value(), 300.52);
  for (const NcclTestsRow& row : log.rows)  // busbw = algbw · 2(n-1)/n = 1.75 for n = 8
    EXPECT_NEAR(row.busbw_GBps / row.algbw_GBps, 1.75, 0.002) << row.size_bytes;
}

TEST(NcclTestsLog, Old12ColumnFormatHasNoRootAndAnErrorColumn) {
  const NcclTestsLog log = load_nccl_tests_log(fixture("old_12_column.log"));
  EXPECT_EQ(log.collective, "");  // that era printed no "Collective test starting" line
  EXPECT_EQ(log.ranks, 8);        // "#   Rank  0 Pid ..." lines, without "Group"
  ASSERT_EQ(log.rows.size(), 10u);
  EXPECT_FALSE(log.average_busbw_GBps.has_value());
  const NcclTestsRow& row = log.rows[8];
  EXPECT_DOUBLE_EQ(row.size_bytes, 268435456);
  EXPECT_DOUBLE_EQ(row.count, 8388608);
  EXPECT_EQ(row.redop, "sum");
  EXPECT_EQ(row.root, -1);               // no root column: the default
  EXPECT_DOUBLE_EQ(row.time_us, 13470);  // printed without decimals
  EXPECT_DOUBLE_EQ(row.algbw_GBps, 19.93);
  EXPECT_DOUBLE_EQ(row.busbw_GBps, 17.44);
  EXPECT_DOUBLE_EQ(row.in_place_time_us.value(), 13472);
  EXPECT_DOUBLE_EQ(row.in_place_busbw_GBps.value(), 17.43);
}

// ---------------------------------------------------------------------------------------------
// Constructed logs for the formats seen in the wild

TEST(NcclTestsLog, MpiPrefixesAndInterleavedNcclOutputAreStripped) {
  const NcclTestsLog log = load_nccl_tests_log(fixture("mpi_prefixed_all_gather.log"));
  EXPECT_EQ(log.collective, "all_gather");  // from "all_gather_perf_mpi"
  EXPECT_EQ(log.ranks, 2);
  ASSERT_EQ(log.rows.size(), 4u);
  EXPECT_DOUBLE_EQ(log.average_busbw_GBps.value(), 11.7325);
  EXPECT_EQ(log.rows[0].redop, "none");
  EXPECT_DOUBLE_EQ(log.rows[0].count, 131072);  // all_gather: elements per rank
  EXPECT_DOUBLE_EQ(log.rows[1].time_us, 91.85);
  // Row 3 was interrupted after its out-of-place half by an NCCL INFO line, which stuck to the
  // #wrong field ("0multi-node-..."); the in-place half on the next line is joined back to it.
  EXPECT_DOUBLE_EQ(log.rows[2].size_bytes, 4194304);
  EXPECT_DOUBLE_EQ(log.rows[2].busbw_GBps, 12.31);
  EXPECT_DOUBLE_EQ(log.rows[2].in_place_time_us.value(), 168.90);
  EXPECT_DOUBLE_EQ(log.rows[2].in_place_busbw_GBps.value(), 12.42);
  EXPECT_DOUBLE_EQ(log.rows[3].in_place_algbw_GBps.value(), 26.04);
}

TEST(NcclTestsLog, NotAvailableInPlaceColumnsBecomeNullopt) {
  const NcclTestsLog log = load_nccl_tests_log(fixture("in_place_na.log"));
  EXPECT_EQ(log.collective, "all_to_all");  // "alltoall_perf"
  EXPECT_EQ(log.ranks, 4);
  ASSERT_EQ(log.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(log.average_busbw_GBps.value(), 3.71667);
  for (const NcclTestsRow& row : log.rows) {
    EXPECT_GT(row.time_us, 0);  // out-of-place is there ("N/A" only in #wrong)
    EXPECT_FALSE(row.in_place_time_us.has_value());
    EXPECT_FALSE(row.in_place_algbw_GBps.has_value());
    EXPECT_FALSE(row.in_place_busbw_GBps.has_value());
  }
  EXPECT_DOUBLE_EQ(log.rows[2].time_us, 35.06);
  EXPECT_DOUBLE_EQ(log.rows[2].busbw_GBps, 5.61);
}

TEST(NcclTestsLog, BroadcastWithTimesWithoutDecimalsAndTheFooterAverage) {
  const NcclTestsLog log = load_nccl_tests_log(fixture("broadcast_large_times.log"));
  EXPECT_EQ(log.collective, "broadcast");
  EXPECT_EQ(log.ranks, 2);
  ASSERT_EQ(log.rows.size(), 4u);
  EXPECT_DOUBLE_EQ(log.average_busbw_GBps.value(), 3.41227);
  const NcclTestsRow& last = log.rows.back();
  EXPECT_EQ(last.redop, "none");
  EXPECT_EQ(last.root, 0);
  EXPECT_DOUBLE_EQ(last.size_bytes, 67108864);
  EXPECT_DOUBLE_EQ(last.time_us, 18781);
  EXPECT_DOUBLE_EQ(last.algbw_GBps, 3.57);
  EXPECT_DOUBLE_EQ(last.busbw_GBps, 3.57);  // broadcast: factor 1
  EXPECT_DOUBLE_EQ(last.in_place_time_us.value(), 18779);
}

TEST(NcclTestsLog, ProgramNamesMapToTrainsimCollectiveNames) {
  const std::string row =
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0    "
      "30.33    0.27    0.27       0\n";
  const std::pair<std::string, std::string> cases[] = {
      {"all_reduce_perf", "all_reduce"},
      {"all_gather_perf", "all_gather"},
      {"reduce_scatter_perf", "reduce_scatter"},
      {"broadcast_perf", "broadcast"},
      {"reduce_perf", "reduce"},
      {"alltoall_perf", "all_to_all"},
      {"sendrecv_perf", "send_recv"},
      {"./build/all_reduce_perf_mpi", "all_reduce"},
  };
  for (const auto& [program, name] : cases) {
    const auto log =
        parse_nccl_tests_log("# Collective test starting: " + program + "\n" + row, "x");
    EXPECT_EQ(log.collective, name) << program;
  }
}

TEST(NcclTestsLog, RowsCutByNcclOutputAreJoinedOrKeptWhole) {
  const NcclTestsLog log = parse_nccl_tests_log(
      kHeader +
          // cut twice, the debug output stuck to the last field printed: after root and after
          // the out-of-place #wrong
          "        8192          2048     float     sum      -1gpu-a:1:2 [0] NCCL INFO Channel 00\n"
          "gpu-a:1:3 [1] NCCL INFO Channel 01\n"
          "    35.15    0.23    0.23       0gpu-a:1:2 [0] NCCL INFO Connected all rings\n"
          "    30.33    0.27    0.27       0\n"
          // cut just before its newline: the row is whole
          "       16384          4096     float     sum      -1    31.67    0.52    0.52       0   "
          " "
          "30.75    0.53    0.53       0 gpu-a:1:2 [0] NCCL INFO comm 0x1 - Init COMPLETE\n"
          "       32768          8192     float     sum      -1    39.56    0.83    0.83       0   "
          " "
          "37.44    0.88    0.88       0\n",
      "cut");
  ASSERT_EQ(log.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(log.rows[0].in_place_time_us.value(), 30.33);
  EXPECT_DOUBLE_EQ(log.rows[1].in_place_busbw_GBps.value(), 0.53);
  EXPECT_DOUBLE_EQ(log.rows[2].time_us, 39.56);
}

TEST(NcclTestsLog, IntelMpiAndSrunPrefixesAreStripped) {
  const std::string text =
      "[0] # Collective test starting: reduce_scatter_perf\n"
      "[0] #  Rank  0 Group  0 Pid 1 on a device  0 [0000:01:00] NVIDIA H100\n"
      "[0] #  Rank  1 Group  0 Pid 2 on b device  0 [0000:01:00] NVIDIA H100\n"
      "[0]         8192          1024     float     sum      -1    35.15    0.23    0.12       0  "
      "  30.33    0.27    0.14       0\n"
      "  0:       16384          2048     float     sum      -1    31.67    0.52    0.26       0  "
      "  30.75    0.53    0.27       0\n"
      "[1,0]<stdout>:      32768          4096     float     sum      -1    39.56    0.83    0.41 "
      "      0    37.44    0.88    0.44       0\n";
  const NcclTestsLog log = parse_nccl_tests_log(text, "prefixed");
  EXPECT_EQ(log.collective, "reduce_scatter");
  EXPECT_EQ(log.ranks, 2);
  ASSERT_EQ(log.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(log.rows[1].size_bytes, 16384);
  EXPECT_DOUBLE_EQ(log.rows[2].in_place_busbw_GBps.value(), 0.44);
}

TEST(NcclTestsLog, OutOfPlaceOnlyRowsAreAccepted) {
  // 9 columns: the out-of-place half with #wrong; 8 columns: time algbw busbw without #wrong.
  // 7 columns: no root either.
  const NcclTestsLog nine = parse_nccl_tests_log(
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0\n"
      "       16384          4096     float     sum      -1    31.67    0.52    0.52       0\n",
      "oop9");
  ASSERT_EQ(nine.rows.size(), 2u);
  EXPECT_EQ(nine.rows[0].root, -1);
  EXPECT_DOUBLE_EQ(nine.rows[0].time_us, 35.15);
  EXPECT_FALSE(nine.rows[0].in_place_time_us.has_value());
  EXPECT_DOUBLE_EQ(nine.rows[1].busbw_GBps, 0.52);

  const NcclTestsLog eight = parse_nccl_tests_log(
      "       16384          4096     float     sum       0    31.67    0.52    0.52\n", "oop8");
  ASSERT_EQ(eight.rows.size(), 1u);
  EXPECT_EQ(eight.rows[0].root, 0);
  EXPECT_DOUBLE_EQ(eight.rows[0].time_us, 31.67);

  const NcclTestsLog seven = parse_nccl_tests_log(
      "       32768          8192     float     sum    39.56    0.83    0.83\n", "oop7");
  ASSERT_EQ(seven.rows.size(), 1u);
  EXPECT_EQ(seven.rows[0].root, -1);
  EXPECT_DOUBLE_EQ(seven.rows[0].time_us, 39.56);
  EXPECT_FALSE(seven.rows[0].in_place_busbw_GBps.has_value());
}

TEST(NcclTestsLog, NumbersMayBePrintedWithOneOrNoDecimalsOrAsExponents) {
  // 1.16e7 us prints as "1.2e+07" (%.1e keeps two digits): algbw is then checked against the
  // range those two digits allow, not against 2 %.
  const NcclTestsLog log = parse_nccl_tests_log(
      kHeader +
          "   268435456      67108864     float     sum      -1   6744.5   39.80   69.65       0 "
          "  6746.6   39.79   69.63       0\n"
          "   536870912     134217728     float     sum      -1    13470   39.86   69.75       0 "
          "   13472   39.85   69.74       0\n"
          "137438953472   34359738368     float     sum      -1  1.2e+07   11.85   20.74       0 "
          " 1.2e+07   11.84   20.72       0\n",
      "formats");
  ASSERT_EQ(log.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(log.rows[0].time_us, 6744.5);
  EXPECT_DOUBLE_EQ(log.rows[1].time_us, 13470);
  EXPECT_DOUBLE_EQ(log.rows[2].time_us, 1.2e7);
  EXPECT_DOUBLE_EQ(log.rows[2].size_bytes, 137438953472.0);
}

TEST(NcclTestsLog, TimestampAndPerIterationColumnsFollowTheHeader) {
  const NcclTestsLog with_timestamp = parse_nccl_tests_log(
      "#       size         count      type   redop    root     time   algbw   busbw  #wrong     "
      "time   algbw   busbw  #wrong           timestamp\n"
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0    "
      "30.33    0.27    0.27       0  2025-01-31 12:00:00\n",
      "ts");
  ASSERT_EQ(with_timestamp.rows.size(), 1u);
  EXPECT_DOUBLE_EQ(with_timestamp.rows[0].in_place_busbw_GBps.value(), 0.27);

  const NcclTestsLog per_iteration = parse_nccl_tests_log(
      "#       size         count      type   redop    root     time   algbw   busbw  #wrong    "
      "i_min    i_max    i_p99    i_cv%     time   algbw   busbw  #wrong    i_min    i_max    "
      "i_p99    i_cv%\n"
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0    "
      "33.10    40.02    39.87     4.10    30.33    0.27    0.27       0    29.80    31.95    "
      "31.90     1.52\n",
      "iter");
  ASSERT_EQ(per_iteration.rows.size(), 1u);
  EXPECT_DOUBLE_EQ(per_iteration.rows[0].time_us, 35.15);
  EXPECT_DOUBLE_EQ(per_iteration.rows[0].in_place_time_us.value(), 30.33);
  EXPECT_DOUBLE_EQ(per_iteration.rows[0].in_place_busbw_GBps.value(), 0.27);
}

TEST(NcclTestsLog, ZeroSizeRowsAreSkippedAndCrLfIsAccepted) {
  // minBytes 0 prints size-0 rows (ROCm/rccl PR #2075); they carry no bandwidth.
  const NcclTestsLog log = parse_nccl_tests_log(
      "#       size         count      type   redop    root     time   algbw   busbw #wrong     "
      "time   algbw   busbw #wrong\r\n"
      "           0             0     float    none      -1     0.19    0.00    0.00      0     "
      "0.17    0.00    0.00      0\r\n"
      "          32             4     float    none      -1    11.70    0.00    0.00      0    "
      "10.89    0.00    0.00      0\r\n"
      "        2048           256     float    none      -1    14.46    0.14    0.07      0    "
      "14.71    0.14    0.07      0\r\n"
      "# Avg bus bandwidth    : 0.035 OK\r\n",
      "crlf");
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(log.rows[0].size_bytes, 32);
  EXPECT_DOUBLE_EQ(log.rows[1].busbw_GBps, 0.07);
  EXPECT_DOUBLE_EQ(log.average_busbw_GBps.value(), 0.035);
}

// ---------------------------------------------------------------------------------------------
// Rejected logs: the error names "<origin>:<line>" and says what is wrong

TEST(NcclTestsLog, TruncatedRowIsRejectedWithItsLine) {
  const std::string file = fixture("bad_truncated_row.log");
  const InputError e = input_error_of([&] { load_nccl_tests_log(file); });
  EXPECT_EQ(e.json_path(), file + ":13");
  EXPECT_THAT(e.what(), HasSubstr("malformed nccl-tests row"));
  EXPECT_THAT(e.what(), HasSubstr("expected 13 columns"));
  EXPECT_THAT(e.what(), HasSubstr("found 7"));
}

TEST(NcclTestsLog, LettersInANumericColumnAreRejectedWithItsLine) {
  const std::string file = fixture("bad_letters_in_number.log");
  const InputError e = input_error_of([&] { load_nccl_tests_log(file); });
  EXPECT_EQ(e.json_path(), file + ":14");
  EXPECT_THAT(e.what(), HasSubstr("malformed nccl-tests row"));
  EXPECT_THAT(e.what(), HasSubstr("out-of-place time"));
  EXPECT_THAT(e.what(), HasSubstr("'39.5G'"));
}

TEST(NcclTestsLog, AlgbwThatDisagreesWithSizeOverTimeIsRejectedAsCorrupted) {
  const std::string file = fixture("bad_algbw_mismatch.log");
  const InputError e = input_error_of([&] { load_nccl_tests_log(file); });
  EXPECT_EQ(e.json_path(), file + ":13");
  EXPECT_THAT(e.what(), HasSubstr("out-of-place algbw 5.2 GB/s disagrees with size/time"));
  EXPECT_THAT(e.what(), HasSubstr("0.5173"));  // 16384 B / 31.67 us
}

TEST(NcclTestsLog, EmptyFileAndRandomTextHaveNoDataRows) {
  for (const std::string name : {"empty.log", "random_text.log"}) {
    const std::string file = fixture(name);
    const InputError e = input_error_of([&] { load_nccl_tests_log(file); });
    EXPECT_EQ(e.json_path(), file);
    EXPECT_THAT(e.what(), HasSubstr("no nccl-tests data rows found (is this an nccl-tests log?)"));
  }
  EXPECT_THAT(parse_error("# Collective test starting: all_reduce_perf\n# only comments\n").what(),
              HasSubstr("no nccl-tests data rows found"));
}

TEST(NcclTestsLog, TextLineStartingWithANumberIsTakenForARowAndRejected) {
  // A line whose first field is a number is a data row: it is never skipped silently.
  const InputError e = parse_error("cluster report\n3 nodes were down today\n");
  EXPECT_EQ(e.json_path(), "log.txt:2");
  EXPECT_THAT(e.what(), HasSubstr("malformed nccl-tests row"));
  EXPECT_THAT(e.what(), HasSubstr("'3 nodes were down today'"));
}

TEST(NcclTestsLog, MissingFileIsAnInputErrorNamingIt) {
  const std::string file = fixture("does_not_exist.log");
  const InputError e = input_error_of([&] { load_nccl_tests_log(file); });
  EXPECT_EQ(e.json_path(), file);
  EXPECT_THAT(e.what(), HasSubstr("cannot open"));

  const std::string directory = fixture("");
  EXPECT_EQ(input_error_of([&] { load_nccl_tests_log(directory); }).json_path(), directory);
}

TEST(NcclTestsLog, ZeroOrNegativeTimeIsMalformed) {
  const InputError zero = parse_error(
      kHeader +
      "        8192          2048     float     sum      -1     0.00    0.23    0.23       0    "
      "30.33    0.27    0.27       0\n");
  EXPECT_EQ(zero.json_path(), "log.txt:2");
  EXPECT_THAT(zero.what(), HasSubstr("out-of-place time"));
  EXPECT_THAT(zero.what(), HasSubstr("must be > 0"));

  const InputError negative = parse_error(
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0    "
      "-30.33    0.27    0.27       0\n");
  EXPECT_EQ(negative.json_path(), "log.txt:1");
  EXPECT_THAT(negative.what(), HasSubstr("in-place time"));
}

TEST(NcclTestsLog, NegativeSizeAndNotAvailableOutOfPlaceTimeAreMalformed) {
  EXPECT_THAT(parse_error("       -8192          2048     float     sum      -1    35.15    0.23  "
                          "  0.23       0    30.33    0.27    0.27       0\n")
                  .what(),
              HasSubstr("size"));
  const InputError na = parse_error(
      kHeader +
      "        8192          2048     float     sum      -1      N/A    0.23    0.23       0    "
      "30.33    0.27    0.27       0\n");
  EXPECT_EQ(na.json_path(), "log.txt:2");
  EXPECT_THAT(na.what(), HasSubstr("out-of-place time) is N/A"));
}

TEST(NcclTestsLog, RowWithoutAHeaderAndAnUnknownColumnCountIsMalformed) {
  const InputError e =
      parse_error("# some log\n\n        8192          2048     float     sum      -1    35.15\n");
  EXPECT_EQ(e.json_path(), "log.txt:3");
  EXPECT_THAT(e.what(), HasSubstr("expected 12 or 13 columns"));
  EXPECT_THAT(e.what(), HasSubstr("found 6"));
}

TEST(NcclTestsLog, WithoutAHeaderLaterRowsMustHaveTheFirstRowsColumns) {
  // Cut after the out-of-place busbw, the second row would read as a valid out-of-place-only row
  // on its own; next to a 13-column row it is a truncated one.
  const InputError e = parse_error(
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0    "
      "30.33    0.27    0.27       0\n"
      "       16384          4096     float     sum      -1    31.67    0.52    0.52\n");
  EXPECT_EQ(e.json_path(), "log.txt:2");
  EXPECT_THAT(e.what(), HasSubstr("expected 13 columns"));
  EXPECT_THAT(e.what(), HasSubstr("as in the first row, on line 1"));
  EXPECT_THAT(e.what(), HasSubstr("truncated row?"));
}

TEST(NcclTestsLog, InterruptedRowThatIsNeverContinuedIsMalformed) {
  const InputError e = parse_error(
      kHeader +
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0 "
      "host:1:2 [0] NCCL INFO Connected all rings\n"
      "# Out of bounds values : 0 OK\n");
  EXPECT_EQ(e.json_path(), "log.txt:2");
  EXPECT_THAT(e.what(), HasSubstr("interrupted by NCCL output"));
}

TEST(NcclTestsLog, LogMixingTwoCollectivesIsRejected) {
  const std::string row =
      "        8192          2048     float     sum      -1    35.15    0.23    0.23       0    "
      "30.33    0.27    0.27       0\n";
  const InputError e = parse_error("# Collective test starting: all_reduce_perf\n" + row +
                                   "# Collective test starting: all_gather_perf\n" + row);
  EXPECT_EQ(e.json_path(), "log.txt:3");
  EXPECT_THAT(e.what(), HasSubstr("all_reduce then all_gather"));
}

}  // namespace
}  // namespace trainsim
