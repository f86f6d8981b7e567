#include "sim/core/diagnostic.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "sim/core/errors.hpp"

namespace trainsim {
namespace {

bool is_error(const Diagnostic& d) {
  return d.severity == Severity::error;
}

}  // namespace

std::string_view name_of(DiagnosticCode code) {
  switch (code) {
    case DiagnosticCode::invalid:
      return "invalid";
    case DiagnosticCode::no_effect:
      return "no_effect";
    case DiagnosticCode::crosses_nodes:
      return "crosses_nodes";
    case DiagnosticCode::slow_simulation:
      return "slow_simulation";
    case DiagnosticCode::over_memory:
      return "over_memory";
    case DiagnosticCode::memory_at_risk:
      return "memory_at_risk";
    case DiagnosticCode::replicated:
      return "replicated";
  }
  return "?";
}

void throw_first_error(const std::vector<Diagnostic>& diagnostics) {
  const auto first = std::find_if(diagnostics.begin(), diagnostics.end(), is_error);
  if (first == diagnostics.end()) return;
  const auto more = std::count_if(first + 1, diagnostics.end(), is_error);
  throw InputError(first->path, more == 0
                                    ? first->message
                                    : fmt::format("{} (and {} further problem{})", first->message,
                                                  more, more == 1 ? "" : "s"));
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), is_error);
}

std::vector<Diagnostic> warnings_of(const std::vector<Diagnostic>& diagnostics) {
  std::vector<Diagnostic> warnings;
  std::copy_if(diagnostics.begin(), diagnostics.end(), std::back_inserter(warnings),
               [](const Diagnostic& d) { return d.severity == Severity::warning; });
  return warnings;
}

}  // namespace trainsim
