#pragma once
// Reader for nccl-tests output (all_reduce_perf, all_gather_perf, ...): the preamble, the data
// rows (out-of-place and in-place time / algbw / busbw) and the footer. Formats seen in the wild
// are accepted (comm-model.md §2.2): whitespace-split rows of 12 or 13 columns, MPI prefixes
// ("[0] ", "[1,0]<stdout>:"), interleaved "NCCL INFO" lines, "N/A" values.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainsim {

struct NcclTestsRow {
  double size_bytes = 0;
  double count = 0;
  std::string type;   // "float", "half", ...
  std::string redop;  // "sum", "none", ...
  int root = -1;
  double time_us = 0;  // out-of-place
  double algbw_GBps = 0;
  double busbw_GBps = 0;
  std::optional<double> in_place_time_us, in_place_algbw_GBps, in_place_busbw_GBps;
};

struct NcclTestsLog {
  std::string collective;  // "all_reduce", "all_gather", ... ("" when the log does not say)
  int ranks = 0;           // from the "#  Rank" lines (0 when absent)
  std::vector<NcclTestsRow> rows;
  std::optional<double> average_busbw_GBps;
};

// Throws InputError("<origin>:<line>", what is wrong) on malformed input, and when no data row
// is found at all.
NcclTestsLog parse_nccl_tests_log(std::string_view text, std::string_view origin);
NcclTestsLog load_nccl_tests_log(const std::string& file);

}  // namespace trainsim
