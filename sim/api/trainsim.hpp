#pragma once
// trainsim as a library: the one entry point the CLI, validate, search, sweep, explain and the
// Python module use to reach the predictor.
//
//   Scenario s = load_scenario("scenarios/default.json", {"parallel.pp=8"});  // syntax, presets
//   s.parallel.tp = 4;                                  // strategies may be changed in code ...
//   for (const Diagnostic& d : check_scenario(s)) ...   // ... and checked, all problems at once
//   StepPrediction p = predict(s);                      // resolves, checks, picks the engine
//
// The stages, each usable on its own: parse_scenario (JSON → Scenario as stated: types, names,
// presets) → resolve_defaults (the defaults that depend on other settings) → check_scenario
// (every error and warning, with its JSON path) → predict. A Scenario built in code and the same
// one parsed from JSON give the same prediction. predict may be called from many threads at once
// on the analytic engine (each flow-engine run forks its own process: SimGrid keeps one engine per
// process).
#include <filesystem>
#include <string>
#include <vector>

#include "sim/core/data_dir.hpp"
#include "sim/core/diagnostic.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/json_fields.hpp"
#include "sim/parallel/overrides.hpp"
#include "sim/parallel/predict.hpp"
#include "sim/parallel/scenario.hpp"
#include "sim/parallel/scenario_checks.hpp"
#include "sim/parallel/scenario_defaults.hpp"

namespace trainsim {

// The bundled default scenario (GPT-3 175B on 1024 A100), under data_root().
std::filesystem::path default_scenario_file();

// A scenario file's JSON with `--set PATH=VALUE` overrides applied (apply_override).
Json load_scenario_json(const std::filesystem::path& file,
                        const std::vector<std::string>& overrides = {});

// parse_scenario of load_scenario_json: the scenario as stated, relative paths in it taken from
// the file's folder. Throws InputError naming the field.
Scenario load_scenario(const std::filesystem::path& file,
                       const std::vector<std::string>& overrides = {});

// The same for a scenario given as JSON text (standard input, a Python dict, a library call);
// relative paths in it are taken from `base_dir`. Both name the scenario after its overrides
// ("... with parallel.pp=8") unless they set its name.
Scenario parse_scenario_text(
    std::string_view json_text, const std::vector<std::string>& overrides = {},
    const std::filesystem::path& base_dir = std::filesystem::current_path());

// Whether this build has the SimGrid flow engine (engine.network = "flow").
bool has_flow_engine();

// `scenario` with its "auto" settings replaced by the fastest strategy that fits in memory (the
// search restricted to them, a stated dp kept); each choice and why it won appended to
// `assumptions`. A scenario without "auto" settings comes back unchanged.
Scenario fill_auto_settings(const Scenario& scenario,
                            std::vector<Assumption>* assumptions = nullptr);

// One training step of `scenario` on the engine it names: fills its "auto" settings with the
// fastest strategy that fits (sim/search; each choice and its reason in `assumptions`), resolves
// its defaults, checks it (InputError for the first error, naming its path; its warnings lead
// the prediction's), then simulates. InfeasibleError when strict_memory is set and the step does
// not fit, or when no choice of the "auto" settings fits.
StepPrediction predict(const Scenario& scenario, const PredictOptions& options = {});

}  // namespace trainsim
