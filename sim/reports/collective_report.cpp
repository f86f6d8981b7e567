#include "sim/reports/collective_report.hpp"

#include <fmt/format.h>

#include "sim/core/error_stats.hpp"

namespace trainsim {
namespace {

std::string format_value(double v) {
  // nccl-tests prints %.2f, dropping decimals when the number gets wide.
  if (v >= 1e5) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

}  // namespace

OrderedJson collective_to_json(const CollectiveSweep& sweep) {
  OrderedJson out;
  out["collective"] = sweep.op;
  out["gpus"] = sweep.gpus;
  out["cluster"] = sweep.cluster;
  out["network"] = sweep.network;
  OrderedJson rows = OrderedJson::array();
  for (const CollectiveSweepRow& l : sweep.rows) {
    OrderedJson row = {{"size_bytes", l.size_bytes}, {"count", l.count},
                       {"time_us", l.time_us},       {"algbw_GBps", l.algbw_GBps},
                       {"busbw_GBps", l.busbw_GBps}, {"algorithm", l.algorithm},
                       {"protocol", l.protocol}};
    if (l.measured_time_us) {
      row["measured_time_us"] = *l.measured_time_us;
      row["error"] = relative_error(l.time_us, *l.measured_time_us);
    }
    rows.push_back(row);
  }
  out["rows"] = rows;
  return out;
}

std::string collective_to_table(const CollectiveSweep& sweep) {
  std::string out = fmt::format("# trainsim collective: {} on {} GPUs ({} node{} of {}, {})\n",
                                sweep.op, sweep.gpus, sweep.nodes, sweep.nodes > 1 ? "s" : "",
                                sweep.cluster, sweep.network);
  out += sweep.flow ? "# predicted by the flow engine: NCCL ring channels as SimGrid flows on the "
                      "cluster topology\n#\n"
                    : "# predicted by the analytical NCCL model "
                      "(sim/collectives/data/nccl-2.30.7.json)\n#\n";
  if (!sweep.compared) {
    out += fmt::format("# {:>10} {:>12} {:>8} {:>6} {:>6} {:>8} {:>7} {:>7}  {}\n", "size", "count",
                       "type", "redop", "root", "time", "algbw", "busbw", "algorithm");
    out += fmt::format("# {:>10} {:>12} {:>8} {:>6} {:>6} {:>8} {:>7} {:>7}\n", "(B)", "(elements)",
                       "", "", "", "(us)", "(GB/s)", "(GB/s)");
    double sum = 0;
    for (const CollectiveSweepRow& l : sweep.rows) {
      out += fmt::format("{:>12.0f} {:>12.0f} {:>8} {:>6} {:>6} {:>8} {:>7} {:>7}  {}/{}\n",
                         l.size_bytes, l.count, sweep.dtype, sweep.redop, sweep.rooted ? 0 : -1,
                         format_value(l.time_us), format_value(l.algbw_GBps),
                         format_value(l.busbw_GBps), l.algorithm, l.protocol);
      sum += l.busbw_GBps;
    }
    out += fmt::format("# Avg bus bandwidth    : {:g}\n",
                       sweep.rows.empty() ? 0.0 : sum / sweep.rows.size());
    return out;
  }
  out += fmt::format("# {:>10} {:>10} {:>10} {:>8} {:>8} {:>8}  {}\n", "size", "measured",
                     "predicted", "error", "busbw", "busbw", "algorithm");
  out += fmt::format("# {:>10} {:>10} {:>10} {:>8} {:>8} {:>8}\n", "(B)", "(us)", "(us)", "",
                     "meas.", "pred.");
  ErrorStats errors;
  for (const CollectiveSweepRow& l : sweep.rows) {
    const double error = relative_error(l.time_us, *l.measured_time_us);
    errors.add(error);
    out += fmt::format("{:>12.0f} {:>10} {:>10} {:>+7.1f}% {:>8} {:>8}  {}/{}\n", l.size_bytes,
                       format_value(*l.measured_time_us), format_value(l.time_us), 100.0 * error,
                       format_value(*l.measured_busbw_GBps), format_value(l.busbw_GBps),
                       l.algorithm, l.protocol);
  }
  out += fmt::format("# mean absolute error of time: {:.1f}% over {} sizes\n",
                     100.0 * errors.mape(), errors.count());
  return out;
}

}  // namespace trainsim
