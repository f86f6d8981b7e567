#include "sim/api/trainsim.hpp"

#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
#include "sim/network/flow_step.hpp"
#endif

namespace trainsim {

std::filesystem::path default_scenario_file() {
  return data_root() / "scenarios" / "default.json";
}

Json load_scenario_json(const std::filesystem::path& file,
                        const std::vector<std::string>& overrides) {
  Json json = load_json_file(file);
  for (const std::string& assignment : overrides) apply_override(json, assignment);
  return json;
}

Scenario load_scenario(const std::filesystem::path& file,
                       const std::vector<std::string>& overrides) {
  return parse_scenario(load_scenario_json(file, overrides), file.parent_path());
}

bool has_flow_engine() {
#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
  return true;
#else
  return false;
#endif
}

namespace {

StepPrediction predict_on_engine(const Scenario& scenario, const PredictOptions& options) {
  switch (scenario.engine.network) {
    case NetworkEngineKind::analytic:
      return predict_step(scenario, options);
    case NetworkEngineKind::flow:
#if defined(TRAINSIM_HAVE_FLOW_ENGINE)
      return predict_step_flow(scenario, options);
#else
      throw InputError("engine.network",
                       "'flow' needs the SimGrid flow engine, which this build does not have "
                       "(install libsimgrid-dev and rebuild), or use \"analytic\"");
#endif
  }
  throw std::logic_error("predict: unknown engine");
}

}  // namespace

StepPrediction predict(const Scenario& scenario, const PredictOptions& options) {
  std::vector<Diagnostic> warnings;
  const Scenario ready = checked(scenario, &warnings);
  StepPrediction out = predict_on_engine(ready, options);
  out.warnings.insert(out.warnings.begin(), warnings.begin(), warnings.end());
  return out;
}

}  // namespace trainsim
