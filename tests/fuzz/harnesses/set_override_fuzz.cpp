// `--set PATH=VALUE` overrides (each input line one assignment) applied to the bundled default
// scenario, then parsed and predicted as the CLI does.
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "sim/api/trainsim.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trainsim;
  std::vector<std::string> overrides;
  std::string line;
  for (const char c : fuzz::as_text(data, size)) {
    if (c != '\n') {
      line += c;
      continue;
    }
    overrides.push_back(line);
    line.clear();
  }
  if (!line.empty()) overrides.push_back(line);
  fuzz::expect_accepted_or_refused([&] {
    Scenario scenario = load_scenario(default_scenario_file(), overrides);
    scenario.engine.network = NetworkEngineKind::analytic;
    predict(scenario);
  });
  return 0;
}
