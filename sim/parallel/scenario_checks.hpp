#pragma once
// Whether a scenario can be simulated, and what in it is questionable: every divisibility rule
// the frameworks impose, the bounds that keep a simulation to seconds and megabytes, and the
// settings that have no effect. For a scenario parsed from JSON or built in code alike.
#include <vector>

#include "sim/core/diagnostic.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

// All errors and warnings, in a stable order (errors about a setting before those that depend
// on it; a check that cannot run because of an earlier error is skipped, not reported twice).
// Takes the scenario as stated or resolved (it resolves a copy); a stated one also gets the
// warnings about settings given where they have no effect.
std::vector<Diagnostic> check_scenario(const Scenario& scenario);

// The scenario resolved (resolve_defaults) and checked: throws InputError for its first error;
// its warnings are appended to `warnings` when given.
Scenario checked(const Scenario& scenario, std::vector<Diagnostic>* warnings = nullptr);

}  // namespace trainsim
