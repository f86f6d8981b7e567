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

// A message is one line, whatever the input held: control characters (a newline inside a value)
// are written as escapes (\n, \t, \x1b).
inline std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      constexpr char digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[byte >> 4];
      out += digits[byte & 0xf];
    }
  }
  return out;
}

class TRAINSIM_VISIBLE InputError : public std::runtime_error {
 public:
  // `json_path` names the offending field ("parallel.tp", "model.heads", or a file for syntax
  // errors); `message` says what is wrong and what is allowed.
  InputError(std::string json_path, const std::string& message)
      : std::runtime_error(one_line(json_path.empty() ? message : json_path + ": " + message)),
        json_path_(std::move(json_path)) {}
  const std::string& json_path() const { return json_path_; }

 private:
  std::string json_path_;
};

class TRAINSIM_VISIBLE InfeasibleError : public std::runtime_error {
 public:
  explicit InfeasibleError(const std::string& message) : std::runtime_error(one_line(message)) {}
};

}  // namespace trainsim
