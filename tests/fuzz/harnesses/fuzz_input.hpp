#pragma once
// What every harness shares: the input as text, and the one rule of the contract: bad input is
// refused with InputError (or InfeasibleError for a valid but impossible configuration), never a
// crash, another exception, a hang or a sanitizer report. Any other exception escapes the
// harness, so libFuzzer (or the corpus replay) reports it with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/core/errors.hpp"

namespace trainsim::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `body`, absorbing the refusals the contract allows.
template <typename Body>
void expect_accepted_or_refused(Body&& body) {
  try {
    body();
  } catch (const InputError&) {
  } catch (const InfeasibleError&) {
  }
}

}  // namespace trainsim::fuzz
