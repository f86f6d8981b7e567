#pragma once
// Latency-bandwidth fits of collective timings, t(S) = alpha + S / algbw, one line per
// collective and size regime (NCCL switches protocol and algorithm with the message size, so
// one line over all sizes fits none of them well).
//
// Inputs: nccl-tests logs (read by sim/collectives/nccl_tests_log.hpp) or the nccl.jsonl that
// `trainsim-calibrate run` writes. Sizes are bytes as nccl-tests counts them (its "size" column:
// all_gather the gathered output, reduce_scatter the input, all_to_all the whole per-rank
// buffer, send_recv the bytes sent); busbw = algbw x the collective's bus factor (2(n-1)/n for
// all_reduce, (n-1)/n for all_gather, reduce_scatter and all_to_all, 1 for send_recv), taken
// from the measurements (busbw / algbw of each row).
//
// The fit is robust: it minimises the sum of absolute *relative* deviations,
// sum_i |(alpha + S_i c) / t_i - 1| with alpha >= 0 and c = 1/algbw > 0 (least absolute
// deviations, weighted by 1/t_i so that small and large messages count alike). The optimum of
// this linear program lies on a line through two measurements or through the origin and one
// measurement; all of them are tried (regimes hold tens of points). An outlier moves it far
// less than it moves a least-squares line.
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/collectives/nccl_tests_log.hpp"
#include "sim/core/json_fields.hpp"

namespace trainsim::calibrate {

struct CollectiveSample {
  double bytes = 0;       // nccl-tests "size"
  double time_s = 0;      // one operation
  double bus_factor = 0;  // busbw / algbw; 0 = unknown
  std::string where;      // file:line, named in residual listings
};

// t = alpha_s + bytes * s_per_byte.
struct LatencyBandwidthLine {
  double alpha_s = 0;
  double s_per_byte = 0;
  double predict_s(double bytes) const { return alpha_s + bytes * s_per_byte; }
};

// Least absolute relative deviations with alpha_s >= 0 and s_per_byte > 0 (see above). `points`
// are (bytes, seconds); needs two distinct sizes (throws std::invalid_argument otherwise), and
// ignores points with non-positive bytes or time.
LatencyBandwidthLine fit_latency_bandwidth(const std::vector<std::pair<double, double>>& points);

// [min_bytes, max_bytes)
struct SizeRegime {
  std::string name;
  double min_bytes = 0;
  double max_bytes = std::numeric_limits<double>::infinity();
  bool contains(double bytes) const { return bytes >= min_bytes && bytes < max_bytes; }
};

// 64 KiB and 16 MiB: below 64 KiB NCCL's LL protocol and latency dominate, above 16 MiB the
// Simple protocol streams at the asymptotic bandwidth; LL128 and the ring/tree switch lie between.
std::vector<double> default_regime_boundaries();
// Boundaries (bytes, increasing) → regimes. Three regimes are named small/medium/large, others
// "below X", "X..Y", "from X" with human sizes. Throws InputError("--regimes", ...) when the
// boundaries are not positive and increasing.
std::vector<SizeRegime> make_size_regimes(const std::vector<double>& boundaries);

struct FitResidual {
  double bytes = 0, measured_s = 0, predicted_s = 0;
  std::string where;
  double rel_err() const { return predicted_s / measured_s - 1; }
};

struct RegimeFit {
  SizeRegime regime;
  std::size_t points = 0;
  LatencyBandwidthLine line;
  double algbw_Bps = 0;
  double bus_factor = 0;  // busbw / algbw of the measurements (0 = unknown), see fit_collective
  double busbw_Bps = 0;   // algbw x bus_factor (0 when the factor is unknown)
  double mape = 0;        // mean |relative error| of the fit on its own points
  double max_abs_rel_err = 0;
  std::vector<FitResidual> residuals;  // by size
};

struct CollectiveFit {
  std::string collective;  // "all_reduce", "all_gather", "reduce_scatter", "all_to_all", ...
  int ranks = 0;           // 0 = unknown
  std::vector<std::string> sources;
  std::vector<RegimeFit> regimes;  // only regimes with two or more distinct sizes
  std::vector<std::string> notes;  // regimes skipped, rows dropped
};

// One fit per regime with two or more distinct sizes. The bus factor is the median busbw/algbw
// of the five samples of highest bandwidth (printed logs round small bandwidths to 0.01 GB/s).
CollectiveFit fit_collective(std::string collective, int ranks, std::vector<std::string> sources,
                             const std::vector<CollectiveSample>& samples,
                             const std::vector<SizeRegime>& regimes);

// Rows of an nccl-tests log as samples: the out-of-place time (the in-place one when the
// out-of-place time is missing); rows of size 0 are skipped.
std::vector<CollectiveSample> samples_from_nccl_tests(const NcclTestsLog& log,
                                                      std::string_view origin);

// Reads nccl-tests logs (each one collective; logs of the same collective and rank count are
// fitted together) and fits them. A log that does not say its collective is named after its
// file ("..._all_reduce.log"), otherwise InputError.
std::vector<CollectiveFit> fit_nccl_tests_logs(const std::vector<std::filesystem::path>& logs,
                                               const std::vector<SizeRegime>& regimes);

// nccl.jsonl as `trainsim-calibrate run` writes it, one object per line:
//   {"op": "all_reduce", "ranks": 8, "bytes": 1048576, "dtype": "float", "s_med": 2.1e-05,
//    "algbw_GBps": ..., "busbw_GBps": ...}
// (s_min, s_max, count and other fields are ignored). Malformed rows: InputError "file:line".
std::vector<CollectiveFit> fit_nccl_jsonl(const std::filesystem::path& file,
                                          const std::vector<SizeRegime>& regimes);

// {"kind": "nccl-latency-bandwidth-fit", "model": ..., "regimes": [...], "collectives": [
//   {"collective", "ranks", "sources", "regimes": [{"regime", "min_bytes", "max_bytes",
//    "points", "alpha_us", "algbw_GBps", "busbw_GBps", "bus_factor", "mape",
//    "max_abs_rel_err"}]}]}
Json nccl_fit_to_json(const std::vector<CollectiveFit>& fits,
                      const std::vector<SizeRegime>& regimes, std::string_view command);

// Human-readable fit and residual table (one line per regime, then one per point).
std::string format_collective_fit(const CollectiveFit& fit, bool residuals = true);

// "64 KiB", "16 MiB", "1.5 GiB"
std::string human_bytes(double bytes);

}  // namespace trainsim::calibrate
