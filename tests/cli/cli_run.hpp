#pragma once
// Runs the `trainsim` program under test (TRAINSIM_CLI) and captures what it prints.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace trainsim::test {

struct CliRun {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline CliRun trainsim(const std::string& args) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const auto out =
      dir / ("trainsim_cli_out_" + std::to_string(::getpid()) + "_" + std::to_string(counter));
  const auto err =
      dir / ("trainsim_cli_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const std::string command =
      std::string(TRAINSIM_CLI) + " " + args + " >" + out.string() + " 2>" + err.string();
  const int raw = std::system(command.c_str());
  CliRun r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

}  // namespace trainsim::test
