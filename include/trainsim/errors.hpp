#pragma once
// Installed as <trainsim/errors.hpp>; standard C++ only.
// The three kinds of failure trainsim distinguishes (see docs/architecture in README):
//  - InputError: the scenario or a command-line argument is wrong; exit status 2.
//  - InfeasibleError: the input is valid but the configuration cannot run; exit status 3.
//  - anything else (std::logic_error, asserts) is a trainsim bug.
#include <stdexcept>
#include <string>

// What libtrainsim exports: its interface, and the exceptions' type information (so that a
// program catches them by type across the shared library's boundary).
#ifndef TRAINSIM_VISIBLE
#define TRAINSIM_VISIBLE __attribute__((visibility("default")))
#endif

namespace trainsim {

class TRAINSIM_VISIBLE InputError : public std::runtime_error {
 public:
  // `json_path` names the offending field ("parallel.tp", "model.heads", or a file for syntax
  // errors); `message` says what is wrong and what is allowed.
  InputError(std::string json_path, const std::string& message)
      : std::runtime_error(json_path.empty() ? message : json_path + ": " + message),
        json_path_(std::move(json_path)) {}
  const std::string& json_path() const { return json_path_; }

 private:
  std::string json_path_;
};

class TRAINSIM_VISIBLE InfeasibleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace trainsim
