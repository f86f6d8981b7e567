// A scenario file, through parsing, defaults and checks, to a prediction on the analytic engine
// (the flow engine forks SimGrid per prediction: too slow to fuzz; its parsing is covered here).
#include <cmath>

#include "fuzz_input.hpp"
#include "sim/api/trainsim.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trainsim;
  fuzz::expect_accepted_or_refused([&] {
    Scenario scenario = parse_scenario_text(fuzz::as_text(data, size));
    scenario.engine.network = NetworkEngineKind::analytic;
    const StepPrediction p = predict(scenario);
    if (!(std::isfinite(p.step_time_s) && p.step_time_s > 0)) __builtin_trap();
  });
  return 0;
}
