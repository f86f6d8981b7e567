#pragma once
// One finding about a scenario: an error that stops it from being simulated, or a warning about
// an accepted but questionable choice. Each names the JSON path of the field it is about, so a
// caller (the CLI, a search, a notebook) can point at it, and carries a code a program can test
// instead of matching message text.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trainsim {

enum class Severity : std::uint8_t { error, warning };

enum class DiagnosticCode : std::uint8_t {
  invalid,          // error: the value cannot be simulated; the message says what is allowed
  no_effect,        // warning: a setting that does nothing in this configuration
  crosses_nodes,    // warning: a tensor-parallel group runs over the network
  slow_simulation,  // warning: the flow engine on a cluster that takes minutes
  over_memory,      // warning: the predicted peak exceeds the GPU's memory
  memory_at_risk,   // warning: the peak fits the GPU but not within training.memory_headroom
  replicated,       // warning: a part of the model is duplicated on several ranks (KV heads)
};

std::string_view name_of(DiagnosticCode code);

struct Diagnostic {
  Severity severity = Severity::error;
  DiagnosticCode code = DiagnosticCode::invalid;
  std::string path;     // the field's JSON path ("parallel.tp"); empty for the whole scenario
  std::string message;  // errors: what is wrong and what is allowed, without the path;
                        // warnings: the sentence shown to the user
  bool operator==(const Diagnostic&) const = default;
};

inline Diagnostic error_at(std::string path, std::string message) {
  return {Severity::error, DiagnosticCode::invalid, std::move(path), std::move(message)};
}
inline Diagnostic warning_at(DiagnosticCode code, std::string path, std::string message) {
  return {Severity::warning, code, std::move(path), std::move(message)};
}

// Throws InputError (sim/core/errors.hpp) for the first error among `diagnostics`, naming its
// path; its message says how many further errors there are.
void throw_first_error(const std::vector<Diagnostic>& diagnostics);

bool has_errors(const std::vector<Diagnostic>& diagnostics);

std::vector<Diagnostic> warnings_of(const std::vector<Diagnostic>& diagnostics);

}  // namespace trainsim
