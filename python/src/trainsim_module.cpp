// The `trainsim._trainsim` extension: the library's entry points with JSON text in and out, so
// that Python gets exactly what the CLI's `--format json` prints (python/trainsim/__init__.py
// turns it into dicts). Every call releases the GIL while it simulates.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hardware/presets.hpp"
#include "models/model_presets.hpp"
#include "sim/api/collective_sweep.hpp"
#include "sim/api/trainsim.hpp"
#include "sim/plan/explanation.hpp"
#include "sim/plan/strategy_search.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/plan/validation_run.hpp"
#include "sim/reports/collective_report.hpp"
#include "sim/reports/explain_report.hpp"
#include "sim/reports/reports.hpp"
#include "sim/reports/search_report.hpp"
#include "sim/reports/sweep_report.hpp"
#include "sim/reports/validation_report.hpp"
#include "sim/search/search.hpp"
#include "trainsim/trainsim.hpp"

namespace py = pybind11;

namespace trainsim {
namespace {

// A scenario from Python: the JSON text of a dict (relative paths in it resolve against the
// current directory), else a file path, else the bundled default; then the `--set` overrides.
struct ScenarioSource {
  std::string json_text;
  std::string path;
  std::vector<std::string> sets;
};

Scenario load(const ScenarioSource& source) {
  if (source.json_text.empty()) {
    return load_scenario(
        source.path.empty() ? default_scenario_file() : std::filesystem::path(source.path),
        source.sets);
  }
  return parse_scenario_text(source.json_text, source.sets);
}

// The installed interface's predict (include/trainsim), as `trainsim predict` runs it.
std::string predict_json(const ScenarioSource& source, const std::string& trace_path) {
  PredictRequest request;
  request.scenario_json = source.json_text;
  request.scenario_file = source.path;
  request.sets = source.sets;
  request.trace_file = trace_path;
  return predict_scenario(request).json;
}

std::string search_json(const ScenarioSource& source, const std::vector<std::string>& pins, int top,
                        const std::string& objective, double memory_headroom) {
  SearchRequest request;
  request.overrides = source.sets;
  request.pins = pins;
  request.top = top;
  request.objective = objective;
  request.memory_headroom = memory_headroom;
  const SearchAnswer answer = search_scenario(load(source), request);
  return search_to_json(answer.result, context_of(answer)).dump();
}

std::string sweep_json(const ScenarioSource& source, const std::vector<std::string>& vary,
                       bool with_search, double memory_headroom) {
  SweepOptions options;
  for (const std::string& spec : vary) options.vary.push_back(parse_variation(spec));
  options.overrides = source.sets;
  options.search = with_search;
  options.search_options.memory_headroom = memory_headroom;
  const std::filesystem::path file =
      source.path.empty() ? default_scenario_file() : std::filesystem::path(source.path);
  return sweep_to_json(options, sweep(file, options)).dump();
}

std::string explain_json(const ScenarioSource& source, int suggestions, double memory_headroom) {
  ExplainOptions options;
  options.suggestions = suggestions;
  options.memory_headroom = memory_headroom;
  return explanation_to_json(explain(load(source), options)).dump();
}

std::string validate_json(const std::string& records_file, const std::vector<std::string>& sets,
                          const std::string& unstated, const std::string& scenarios_dir) {
  ValidationRequest request;
  request.records_file = records_file;
  request.overrides = sets;
  request.unstated = unstated;
  request.scenarios_dir = scenarios_dir;
  return validation_to_json(validate_records(request)).dump();
}

std::string collective_json(const CollectiveSweepRequest& request) {
  const CollectiveSweep sweep = sweep_collective(request);
  OrderedJson out = collective_to_json(sweep);
  out["notes"] = sweep.notes;
  return out.dump();
}

std::string presets_json(const std::string& kind) {
  std::vector<PresetSummary> list;
  if (kind == "models")
    list = list_model_presets();
  else if (kind == "gpus")
    list = list_gpu_presets();
  else if (kind == "nodes")
    list = list_node_presets();
  else if (kind == "networks")
    list = list_network_presets();
  else
    throw InputError("kind", "allowed: models, gpus, nodes, networks; got '" + kind + "'");
  OrderedJson out = OrderedJson::array();
  for (const PresetSummary& p : list)
    out.push_back({{"name", p.name}, {"description", p.description}});
  return out.dump();
}

}  // namespace
}  // namespace trainsim

PYBIND11_MODULE(_trainsim, m) {
  using namespace trainsim;
  m.doc() = "trainsim's C++ core; use the functions of the `trainsim` package.";
  py::register_exception<InputError>(m, "InvalidInput", PyExc_ValueError);
  py::register_exception<InfeasibleError>(m, "Infeasible", PyExc_ValueError);

  py::class_<ScenarioSource>(m, "ScenarioSource")
      .def(py::init<std::string, std::string, std::vector<std::string>>(), py::arg("json_text"),
           py::arg("path"), py::arg("sets"));
  const auto release = py::call_guard<py::gil_scoped_release>();
  m.def("predict", &predict_json, release, py::arg("source"), py::arg("trace_path"));
  m.def("search", &search_json, release, py::arg("source"), py::arg("pins"), py::arg("top"),
        py::arg("objective"), py::arg("memory_headroom"));
  m.def("sweep", &sweep_json, release, py::arg("source"), py::arg("vary"), py::arg("search"),
        py::arg("memory_headroom"));
  m.def("explain", &explain_json, release, py::arg("source"), py::arg("suggestions"),
        py::arg("memory_headroom"));
  m.def("validate", &validate_json, release, py::arg("records_file"), py::arg("sets"),
        py::arg("unstated"), py::arg("scenarios_dir"));
  py::class_<CollectiveSweepRequest>(m, "CollectiveSweepRequest")
      .def(py::init<>())
      .def_readwrite("op", &CollectiveSweepRequest::op)
      .def_readwrite("gpus", &CollectiveSweepRequest::gpus)
      .def_readwrite("cluster", &CollectiveSweepRequest::cluster)
      .def_readwrite("network", &CollectiveSweepRequest::network)
      .def_readwrite("min_bytes", &CollectiveSweepRequest::min_bytes)
      .def_readwrite("max_bytes", &CollectiveSweepRequest::max_bytes)
      .def_readwrite("step_factor", &CollectiveSweepRequest::step_factor)
      .def_readwrite("dtype", &CollectiveSweepRequest::dtype)
      .def_readwrite("compare_log", &CollectiveSweepRequest::compare_log)
      .def_readwrite("algorithm", &CollectiveSweepRequest::algorithm)
      .def_readwrite("protocol", &CollectiveSweepRequest::protocol)
      .def_readwrite("collnet", &CollectiveSweepRequest::collnet)
      .def_readwrite("engine", &CollectiveSweepRequest::engine);
  m.def("collective", &collective_json, release, py::arg("request"));
  m.def("presets", &presets_json, release, py::arg("kind"));
  m.def(
      "set_data_root", [](const std::string& root) { set_data_root(root); }, py::arg("root"));
}
