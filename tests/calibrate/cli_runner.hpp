#pragma once
// Runs build/trainsim-calibrate (TRAINSIM_CALIBRATE_CLI, defined by calibrate/CMakeLists.txt)
// through the shell and captures its exit status and output.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>

namespace trainsim::calibrate::testing {

struct CliResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// `arguments` are appended to the program path as they are (quote paths with spaces yourself);
// `environment` (e.g. "CUDA_VISIBLE_DEVICES=") is put in front of the command.
inline CliResult run_calibrate(const std::string& arguments, const std::string& environment = "") {
  const std::string command = (environment.empty() ? "" : environment + " ") +
                              std::string(TRAINSIM_CALIBRATE_CLI) + " " + arguments + " 2>&1";
  CliResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("trainsim_calibrate_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline const std::filesystem::path& test_data() {
  static const std::filesystem::path dir(TRAINSIM_CALIBRATE_TEST_DATA_DIR);
  return dir;
}

}  // namespace trainsim::calibrate::testing
