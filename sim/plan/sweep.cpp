#include "sim/plan/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "sim/parallel/prediction_serial.hpp"

namespace trainsim {
namespace {

[[noreturn]] void bad_variation(std::string_view spec, std::string_view why) {
  throw InputError("--vary", fmt::format("'{}': {}; expected PATH=V1,V2,... or a range "
                                         "PATH=A..B*F (geometric), PATH=A..B+S or PATH=A..B",
                                         spec, why));
}

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

// A whole number stays an integer in the scenario JSON (the parser wants integers there).
Json number(double v) {
  if (v == std::floor(v) && std::abs(v) < 9e15) return static_cast<std::int64_t>(v);
  return v;
}

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::vector<Json> parse_range(std::string_view spec, const std::string& range) {
  const auto dots = range.find("..");
  std::string upper = range.substr(dots + 2);
  char kind = '+';
  std::string step_text = "1";
  if (const auto op = upper.find_first_of("*+"); op != std::string::npos) {
    kind = upper[op];
    step_text = upper.substr(op + 1);
    upper = upper.substr(0, op);
  }
  const auto a = parse_number(trimmed(range.substr(0, dots)));
  const auto b = parse_number(trimmed(upper));
  const auto step = parse_number(trimmed(step_text));
  if (!a || !b || !step) bad_variation(spec, "a range needs numbers");
  if (*a > *b) bad_variation(spec, "the range's start is above its end");
  if (kind == '*' && (*step <= 1 || *a <= 0))
    bad_variation(spec, "a geometric range needs a positive start and a factor above 1");
  if (kind == '+' && *step <= 0) bad_variation(spec, "an arithmetic range needs a positive step");
  std::vector<Json> values;
  // Each value is computed from the start, so that rounding does not accumulate.
  for (std::size_t i = 0;; ++i) {
    const double v = kind == '*' ? *a * std::pow(*step, static_cast<double>(i))
                                 : *a + *step * static_cast<double>(i);
    if (v > *b * (1 + 1e-12)) break;
    if (values.size() == kMaxSweepPoints)
      bad_variation(spec, fmt::format("more than {} values", kMaxSweepPoints));
    values.push_back(number(v));
  }
  return values;
}

bool is_cluster_size(std::string_view path) {
  return path == "cluster.gpus" || path == "cluster.nodes";
}

// The paths a sweep states at every point: its variations and its --set overrides.
std::vector<std::string> stated_paths(const SweepOptions& options) {
  std::vector<std::string> paths;
  for (const Variation& v : options.vary) paths.push_back(v.path);
  for (const std::string& assignment : options.overrides)
    paths.push_back(assignment.substr(0, assignment.find('=')));
  return paths;
}

void erase_field(Json& json, std::string_view section, std::string_view key) {
  const std::string s(section);
  if (json.contains(s) && json[s].is_object()) json[s].erase(std::string(key));
}

// Every process's predicted points, in place of those it left to others: each sends its own
// (index, status, message, the prediction as bytes) and takes everyone's.
void exchange_points(const WorkSpread& spread, std::vector<SweepPoint>& points) {
  const auto size = static_cast<std::size_t>(spread.size());
  Json mine = Json::array();
  for (std::size_t index = static_cast<std::size_t>(spread.rank()); index < points.size();
       index += size) {
    const SweepPoint& p = points[index];
    Json prediction = nullptr;
    if (p.prediction) {
      const std::string bytes = prediction_to_bytes(*p.prediction);
      prediction = Json::binary({bytes.begin(), bytes.end()});
    }
    mine.push_back({{"index", index},
                    {"status", static_cast<int>(p.status)},
                    {"message", p.message},
                    {"prediction", std::move(prediction)}});
  }
  const std::vector<std::uint8_t> sent = Json::to_cbor(mine);
  for (const std::string& theirs : spread.all_gather(std::string(sent.begin(), sent.end()))) {
    for (const Json& got : Json::from_cbor(theirs.begin(), theirs.end())) {
      SweepPoint& p = points.at(got.at("index").get<std::size_t>());
      p.status = static_cast<SweepPoint::Status>(got.at("status").get<int>());
      p.message = got.at("message").get<std::string>();
      if (const Json& bytes = got.at("prediction"); bytes.is_binary())
        p.prediction = prediction_from_bytes(std::string_view(
            reinterpret_cast<const char*>(bytes.get_binary().data()), bytes.get_binary().size()));
    }
  }
}

}  // namespace

Variation parse_variation(std::string_view spec) {
  const auto equals = spec.find('=');
  if (equals == std::string_view::npos) bad_variation(spec, "no '='");
  if (!is_valid_utf8(spec))
    throw InputError("--vary", "not valid UTF-8 text (a byte that is not part of a character)");
  Variation v;
  v.path = trimmed(spec.substr(0, equals));
  const std::string list = trimmed(spec.substr(equals + 1));
  if (v.path.empty()) bad_variation(spec, "no field path before '='");
  if (list.empty()) bad_variation(spec, "no values after '='");
  if (list.find("..") != std::string::npos && list.find(',') == std::string::npos) {
    v.values = parse_range(spec, list);
    return v;
  }
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    const std::string text = trimmed(std::string_view(list).substr(start, comma - start));
    if (text.empty()) bad_variation(spec, "an empty value");
    v.values.push_back(
        parse_json_value(text, fmt::format("--vary {}", v.path)).value_or(Json(text)));
    start = comma + 1;
  }
  return v;
}

std::string_view name_of(SweepPoint::Status status) {
  switch (status) {
    case SweepPoint::Status::ok:
      return "ok";
    case SweepPoint::Status::invalid:
      return "invalid";
    case SweepPoint::Status::infeasible:
      return "infeasible";
  }
  return "ok";
}

std::vector<SweepPoint> sweep(const std::filesystem::path& scenario_file,
                              const SweepOptions& options) {
  if (options.vary.empty()) throw InputError("--vary", "give at least one variation");
  std::size_t points = 1;
  for (std::size_t i = 0; i < options.vary.size(); ++i) {
    const Variation& v = options.vary[i];
    if (v.values.empty()) throw InputError("--vary", fmt::format("'{}' has no values", v.path));
    for (std::size_t j = 0; j < i; ++j)
      if (options.vary[j].path == v.path)
        throw InputError("--vary", fmt::format("'{}' is varied twice", v.path));
    if (points > kMaxSweepPoints / v.values.size())
      throw InputError("--vary", fmt::format("the variations make more than {} points; vary fewer "
                                             "values",
                                             kMaxSweepPoints));
    points *= v.values.size();
  }

  Json base = load_scenario_json(scenario_file, options.overrides);
  const std::vector<std::string> stated = stated_paths(options);
  const auto is_stated = [&](std::string_view path) {
    return std::find(stated.begin(), stated.end(), path) != stated.end();
  };
  // A varied cluster size replaces the other size field, and dp follows the size.
  for (const Variation& v : options.vary) {
    if (!is_cluster_size(v.path)) continue;
    erase_field(base, "cluster", v.path == "cluster.gpus" ? "nodes" : "gpus");
    if (!is_stated("parallel.dp")) erase_field(base, "parallel", "dp");
  }

  SearchOptions search_options = options.search_options;
  if (options.search) {
    search_options.top = 1;
    for (const std::string& path : stated) {
      if (path == "parallel.dp") search_options.keep_dp = true;
      if (const auto field = search_field_at(path)) search_options.fields.erase(*field);
    }
  }

  std::vector<SweepPoint> out(points);
  for (std::size_t index = 0; index < points; ++index) {
    std::vector<Json>& values = out[index].values;
    values.resize(options.vary.size());
    std::size_t rest = index;
    for (std::size_t i = options.vary.size(); i-- > 0;) {
      const Variation& v = options.vary[i];
      values[i] = v.values[rest % v.values.size()];
      rest /= v.values.size();
    }
  }
  // Points on the flow engine wait for a pass of their own, one at a time, after the others: each
  // forks a SimGrid process that may hold gigabytes, and forking while other threads allocate is
  // unsafe under some allocators (clang 14's AddressSanitizer deadlocks the child). Searches
  // never fork (they run the analytic engine).
  std::vector<char> on_flow(points, 0);
  const auto predict_point = [&](std::size_t index, bool flow_now) {
    SweepPoint& point = out[index];
    Json json = base;
    try {
      for (std::size_t i = 0; i < options.vary.size(); ++i)
        apply_override(json, options.vary[i].path + "=" + point.values[i].dump());
      const Scenario scenario = parse_scenario(json, scenario_file.parent_path());
      if (!flow_now && !options.search && scenario.engine.network == NetworkEngineKind::flow) {
        on_flow[index] = 1;
        return;
      }
      if (options.search) {
        SearchResult found = search(scenario, search_options);
        point.strategy = found.best.front().choice;
        point.prediction = std::move(found.best.front().prediction);
      } else {
        point.prediction = predict(scenario);
      }
    } catch (const InputError& e) {
      point.status = SweepPoint::Status::invalid;
      point.message = e.what();
    } catch (const InfeasibleError& e) {
      point.status = SweepPoint::Status::infeasible;
      point.message = e.what();
    }
  };
  const auto predict_flow_points = [&] {
    for (std::size_t index = 0; index < points; ++index)
      if (on_flow[index]) predict_point(index, true);
  };
  // Searches shared between processes run one point at a time, in the same order everywhere
  // (their exchanges must match); predictions are dealt out, point i to process i mod N, and
  // exchanged. In one process the points run in parallel.
  const WorkSpread* spread = search_options.spread.get();
  if (spread && spread->size() > 1) {
    if (options.search) {
      for (std::size_t index = 0; index < points; ++index) predict_point(index, true);
    } else {
      const auto size = static_cast<std::size_t>(spread->size());
      const auto rank = static_cast<std::size_t>(spread->rank());
      tbb::parallel_for(std::size_t{0}, points, [&](std::size_t index) {
        if (index % size == rank) predict_point(index, false);
      });
      predict_flow_points();
      exchange_points(*spread, out);
    }
  } else {
    tbb::parallel_for(std::size_t{0}, points,
                      [&](std::size_t index) { predict_point(index, false); });
    predict_flow_points();
  }
  // Nothing predicted: the variation or the scenario is wrong, not the points.
  if (std::all_of(out.begin(), out.end(),
                  [](const SweepPoint& p) { return p.status == SweepPoint::Status::invalid; }))
    throw InputError("--vary", fmt::format("no point of the sweep is a valid scenario; the "
                                           "first: {}",
                                           out.front().message));
  return out;
}

}  // namespace trainsim
