#pragma once
// Helpers shared by the models/ tests (compiled as one unit: each is defined once, here).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "models/model_presets.hpp"
#include "sim/core/errors.hpp"

namespace trainsim::model_tests {

inline ModelSpec preset(const std::string& name) {
  return resolve_model(name, "model", ".");
}

// Runs `fn`, expects an InputError at `json_path`, and returns its message.
inline std::string input_error(const std::function<void()>& fn, const std::string& json_path) {
  try {
    fn();
  } catch (const InputError& e) {
    EXPECT_EQ(e.json_path(), json_path) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError at " << json_path;
  return "";
}

}  // namespace trainsim::model_tests
