#include "calibrate/fit/nccl_fit.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "calibrate/fit/microbench_import.hpp"
#include "sim/collectives/collective_kinds.hpp"
#include "sim/core/error_stats.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::calibrate {

namespace fs = std::filesystem;

namespace {

double round_sig(double x, int digits = 6) {
  if (x == 0 || !std::isfinite(x)) return x;
  return std::stod(fmt::format("{:.{}g}", x, digits));
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// sum |predicted / measured - 1|
double relative_l1(const std::vector<std::pair<double, double>>& points,
                   const LatencyBandwidthLine& line) {
  double sum = 0;
  for (const auto& [bytes, s] : points) sum += std::fabs(line.predict_s(bytes) / s - 1);
  return sum;
}

// "all_reduce_perf.log", "h100_allreduce_8gpu.txt" → "all_reduce"; nccl-tests programs trainsim
// does not model keep their name ("gather", "scatter", "hypercube").
std::string collective_from_file_name(const fs::path& file) {
  std::string stem = file.filename().string();
  if (const auto kind = collective_in_nccl_tests_name(stem))
    return std::string(traits_of(*kind).name);
  for (char& c : stem) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* other : {"gather", "scatter", "hypercube"})
    if (stem.find(other) != std::string::npos) return other;
  return "";
}

}  // namespace

LatencyBandwidthLine fit_latency_bandwidth(const std::vector<std::pair<double, double>>& input) {
  std::vector<std::pair<double, double>> points;
  for (const auto& p : input)
    if (p.first > 0 && p.second > 0 && std::isfinite(p.first) && std::isfinite(p.second))
      points.push_back(p);
  std::set<double> sizes;
  for (const auto& p : points) sizes.insert(p.first);
  if (sizes.size() < 2)
    throw std::invalid_argument("a latency-bandwidth fit needs two distinct message sizes");

  // Candidates: the vertices of the feasible region's arrangement (see the header).
  LatencyBandwidthLine best;
  double best_cost = std::numeric_limits<double>::infinity();
  const auto consider = [&](double alpha, double c) {
    if (!(alpha >= 0) || !(c > 0) || !std::isfinite(alpha) || !std::isfinite(c)) return;
    const LatencyBandwidthLine line{alpha, c};
    const double cost = relative_l1(points, line);
    // Strictly better, with a relative tolerance so that ties keep the first candidate.
    if (cost < best_cost * (1 - 1e-12)) best_cost = cost, best = line;
  };
  for (std::size_t i = 0; i < points.size(); ++i) {
    consider(0.0, points[i].second / points[i].first);
    for (std::size_t j = i + 1; j < points.size(); ++j) {
      const auto [si, ti] = points[i];
      const auto [sj, tj] = points[j];
      if (si == sj) continue;
      const double c = (tj - ti) / (sj - si);
      consider(ti - c * si, c);
    }
  }
  if (!std::isfinite(best_cost)) {
    // Times that fall with size everywhere: no line with c > 0 passes two points. The smallest
    // positive slope through the origin is always feasible; take the best of those.
    for (const auto& [s, t] : points) consider(0.0, t / s);
  }
  return best;
}

std::vector<double> default_regime_boundaries() {
  return {65536.0, 16.0 * 1024 * 1024};
}

std::string human_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) bytes /= 1024, ++u;
  if (bytes == std::floor(bytes))
    return fmt::format("{} {}", static_cast<long long>(bytes), units[u]);
  return fmt::format("{:.3g} {}", bytes, units[u]);
}

std::vector<SizeRegime> make_size_regimes(const std::vector<double>& boundaries) {
  for (std::size_t i = 0; i < boundaries.size(); ++i)
    if (!(boundaries[i] > 0) || (i > 0 && !(boundaries[i] > boundaries[i - 1])))
      throw InputError("--regimes",
                       "size-regime boundaries must be positive byte counts in increasing order");
  std::vector<SizeRegime> out;
  double lo = 0;
  for (std::size_t i = 0; i <= boundaries.size(); ++i) {
    SizeRegime r;
    r.min_bytes = lo;
    r.max_bytes = i < boundaries.size() ? boundaries[i] : std::numeric_limits<double>::infinity();
    if (boundaries.size() == 2) {
      r.name = i == 0 ? "small" : i == 1 ? "medium" : "large";
    } else if (boundaries.empty()) {
      r.name = "all";
    } else if (i == 0) {
      r.name = "below " + human_bytes(r.max_bytes);
    } else if (i == boundaries.size()) {
      r.name = "from " + human_bytes(r.min_bytes);
    } else {
      r.name = human_bytes(r.min_bytes) + ".." + human_bytes(r.max_bytes);
    }
    out.push_back(r);
    lo = r.max_bytes;
  }
  return out;
}

CollectiveFit fit_collective(std::string collective, int ranks, std::vector<std::string> sources,
                             const std::vector<CollectiveSample>& samples,
                             const std::vector<SizeRegime>& regimes) {
  CollectiveFit out;
  out.collective = std::move(collective);
  out.ranks = ranks;
  out.sources = std::move(sources);
  // busbw / algbw depends on the collective and the rank count only; printed logs round small
  // bandwidths to 0.01 GB/s, so take it from the rows of highest bandwidth.
  double bus_factor = 0;
  {
    std::vector<const CollectiveSample*> known;
    for (const auto& s : samples)
      if (s.bus_factor > 0 && s.time_s > 0) known.push_back(&s);
    std::stable_sort(known.begin(), known.end(), [](const auto* a, const auto* b) {
      return a->bytes / a->time_s > b->bytes / b->time_s;
    });
    std::vector<double> factors;
    for (std::size_t i = 0; i < known.size() && i < 5; ++i) factors.push_back(known[i]->bus_factor);
    bus_factor = median(factors);
  }
  for (const SizeRegime& regime : regimes) {
    std::vector<const CollectiveSample*> in;
    for (const auto& s : samples)
      if (regime.contains(s.bytes) && s.time_s > 0) in.push_back(&s);
    std::set<double> sizes;
    for (const auto* s : in) sizes.insert(s->bytes);
    if (sizes.size() < 2) {
      if (!in.empty())
        out.notes.push_back(fmt::format("{}: regime '{}' has {} size(s): not fitted (needs two)",
                                        out.collective, regime.name, sizes.size()));
      continue;
    }
    std::vector<std::pair<double, double>> points;
    for (const auto* s : in) points.emplace_back(s->bytes, s->time_s);
    RegimeFit fit;
    fit.regime = regime;
    fit.points = in.size();
    fit.line = fit_latency_bandwidth(points);
    fit.algbw_Bps = 1.0 / fit.line.s_per_byte;
    fit.bus_factor = bus_factor;
    fit.busbw_Bps = fit.algbw_Bps * fit.bus_factor;
    ErrorStats errors;
    for (const auto* s : in) {
      FitResidual r{s->bytes, s->time_s, fit.line.predict_s(s->bytes), s->where};
      errors.add(r.rel_err());
      fit.residuals.push_back(std::move(r));
    }
    fit.max_abs_rel_err = errors.worst_abs();
    std::stable_sort(fit.residuals.begin(), fit.residuals.end(),
                     [](const FitResidual& a, const FitResidual& b) { return a.bytes < b.bytes; });
    fit.mape = errors.mape();
    out.regimes.push_back(std::move(fit));
  }
  return out;
}

std::vector<CollectiveSample> samples_from_nccl_tests(const NcclTestsLog& log,
                                                      std::string_view origin) {
  std::vector<CollectiveSample> out;
  std::size_t index = 0;
  for (const NcclTestsRow& row : log.rows) {
    ++index;
    double time_us = row.time_us;
    double algbw = row.algbw_GBps, busbw = row.busbw_GBps;
    if (!(time_us > 0) && row.in_place_time_us) {
      time_us = *row.in_place_time_us;
      algbw = row.in_place_algbw_GBps.value_or(0);
      busbw = row.in_place_busbw_GBps.value_or(0);
    }
    if (!(row.size_bytes > 0) || !(time_us > 0)) continue;
    CollectiveSample s;
    s.bytes = row.size_bytes;
    s.time_s = time_us * 1e-6;
    s.bus_factor = algbw > 0 && busbw > 0 ? busbw / algbw : 0;
    s.where = fmt::format("{} row {} ({})", origin, index, human_bytes(row.size_bytes));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<CollectiveFit> fit_nccl_tests_logs(const std::vector<fs::path>& logs,
                                               const std::vector<SizeRegime>& regimes) {
  // (collective, ranks) → samples and sources, in the order first seen.
  std::vector<std::tuple<std::string, int, std::vector<std::string>, std::vector<CollectiveSample>>>
      groups;
  for (const fs::path& file : logs) {
    const NcclTestsLog log = load_nccl_tests_log(file.string());
    std::string collective = log.collective;
    if (collective.empty()) collective = collective_from_file_name(file);
    if (collective.empty())
      throw InputError(file.string(),
                       "the log does not name its collective (no '# Collective test starting: "
                       "X_perf' line) and the file name does not either; rename it, e.g. "
                       "all_reduce.log");
    auto samples = samples_from_nccl_tests(log, file.filename().string());
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
      return std::get<0>(g) == collective && std::get<1>(g) == log.ranks;
    });
    if (it == groups.end()) {
      groups.emplace_back(collective, log.ranks, std::vector<std::string>{},
                          std::vector<CollectiveSample>{});
      it = std::prev(groups.end());
    }
    std::get<2>(*it).push_back(file.string());
    auto& all = std::get<3>(*it);
    all.insert(all.end(), samples.begin(), samples.end());
  }
  std::vector<CollectiveFit> out;
  for (auto& [collective, ranks, sources, samples] : groups)
    out.push_back(fit_collective(collective, ranks, sources, samples, regimes));
  return out;
}

std::vector<CollectiveFit> fit_nccl_jsonl(const fs::path& file,
                                          const std::vector<SizeRegime>& regimes) {
  std::map<std::pair<std::string, int>, std::vector<CollectiveSample>> groups;
  std::vector<std::pair<std::string, int>> order;
  for (const JsonlRow& row : read_jsonl(file)) {
    const std::string at = fmt::format("{}:{}", file.string(), row.line);
    try {
      const Json& v = row.value;
      const std::string op = require_string(v, "op", "");
      const int ranks = static_cast<int>(require_positive_int(v, "ranks", ""));
      CollectiveSample s;
      s.bytes = require_positive_number(v, "bytes", "");
      s.time_s = require_positive_number(v, "s_med", "");
      const auto algbw = optional_positive_number(v, "algbw_GBps", "");
      const auto busbw = optional_positive_number(v, "busbw_GBps", "");
      s.bus_factor = algbw && busbw ? *busbw / *algbw : 0;
      s.where = fmt::format("{}:{} ({})", file.filename().string(), row.line, human_bytes(s.bytes));
      const auto key = std::pair(op, ranks);
      if (!groups.contains(key)) order.push_back(key);
      groups[key].push_back(std::move(s));
    } catch (const InputError& e) {
      throw InputError(at, e.what());
    }
  }
  std::vector<CollectiveFit> out;
  for (const auto& key : order)
    out.push_back(fit_collective(key.first, key.second, {file.string()}, groups[key], regimes));
  return out;
}

Json nccl_fit_to_json(const std::vector<CollectiveFit>& fits,
                      const std::vector<SizeRegime>& regimes, std::string_view command) {
  const auto bound = [](double b) { return std::isfinite(b) ? Json(b) : Json(nullptr); };
  Json regime_list = Json::array();
  for (const auto& r : regimes)
    regime_list.push_back(Json{
        {"name", r.name}, {"min_bytes", bound(r.min_bytes)}, {"max_bytes", bound(r.max_bytes)}});
  Json collectives = Json::array();
  for (const CollectiveFit& fit : fits) {
    Json rs = Json::array();
    for (const RegimeFit& r : fit.regimes) {
      rs.push_back(Json{
          {"regime", r.regime.name},
          {"min_bytes", bound(r.regime.min_bytes)},
          {"max_bytes", bound(r.regime.max_bytes)},
          {"points", r.points},
          {"alpha_us", round_sig(r.line.alpha_s * 1e6)},
          {"algbw_GBps", round_sig(r.algbw_Bps / 1e9)},
          {"busbw_GBps", r.bus_factor > 0 ? Json(round_sig(r.busbw_Bps / 1e9)) : Json(nullptr)},
          {"bus_factor", r.bus_factor > 0 ? Json(round_sig(r.bus_factor, 4)) : Json(nullptr)},
          {"mape", round_sig(r.mape, 4)},
          {"max_abs_rel_err", round_sig(r.max_abs_rel_err, 4)}});
    }
    Json entry{{"collective", fit.collective},
               {"ranks", fit.ranks > 0 ? Json(fit.ranks) : Json(nullptr)},
               {"sources", fit.sources},
               {"regimes", rs}};
    if (!fit.notes.empty()) entry["notes"] = fit.notes;
    collectives.push_back(std::move(entry));
  }
  Json out{{"kind", "nccl-latency-bandwidth-fit"},
           {"model",
            "t(bytes) = alpha_us * 1e-6 + bytes / (algbw_GBps * 1e9) per size regime [min_bytes, "
            "max_bytes); busbw_GBps = algbw_GBps * bus_factor; bytes as nccl-tests counts them; "
            "fitted by least absolute relative deviations"},
           {"regimes", regime_list},
           {"collectives", collectives}};
  if (!command.empty()) out["command"] = std::string(command);
  return out;
}

std::string format_collective_fit(const CollectiveFit& fit, bool residuals) {
  std::string out = fmt::format("{}{}:\n", fit.collective,
                                fit.ranks > 0 ? fmt::format(" ({} ranks)", fit.ranks) : "");
  for (const RegimeFit& r : fit.regimes) {
    const std::string range = std::isfinite(r.regime.max_bytes)
                                  ? fmt::format("[{}, {})", human_bytes(r.regime.min_bytes),
                                                human_bytes(r.regime.max_bytes))
                                  : fmt::format("[{}, ...)", human_bytes(r.regime.min_bytes));
    out += fmt::format(
        "  {:<8} {:<22} n={:<3} alpha {:9.3f} us  algbw {:8.2f} GB/s  busbw {}  MAPE {:5.2f}%  "
        "max {:5.2f}%\n",
        r.regime.name, range, r.points, r.line.alpha_s * 1e6, r.algbw_Bps / 1e9,
        r.bus_factor > 0 ? fmt::format("{:8.2f} GB/s", r.busbw_Bps / 1e9) : std::string("    ?"),
        100 * r.mape, 100 * r.max_abs_rel_err);
    if (!residuals) continue;
    for (const FitResidual& p : r.residuals)
      out += fmt::format("      {:>10}  measured {:10.2f} us  fit {:10.2f} us  {:+7.2f}%   {}\n",
                         human_bytes(p.bytes), p.measured_s * 1e6, p.predicted_s * 1e6,
                         100 * p.rel_err(), p.where);
  }
  for (const auto& note : fit.notes) out += "  note: " + note + "\n";
  return out;
}

}  // namespace trainsim::calibrate
