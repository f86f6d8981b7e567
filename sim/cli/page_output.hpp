#pragma once
// An HTML page a command writes (`report -o`, `search --report`, `sweep --report`): what the
// page needs from outside (plotly.js) is found and the file opened before any work, so that a
// missing library or an unwritable path fails at once; a page never written (the work failed) is
// removed rather than left empty. Under MPI only rank 0 writes.
#include <fstream>
#include <string>
#include <string_view>

namespace trainsim::cli {

class PageOutput {
 public:
  // `option` names the command-line option in errors ("--output", "--report").
  PageOutput(std::string path, std::string option, bool writes = true);
  PageOutput(const PageOutput&) = delete;
  PageOutput& operator=(const PageOutput&) = delete;
  ~PageOutput();

  std::string_view plotly_js() const { return plotly_js_; }
  // Writes the page; returns its size in bytes.
  std::size_t write(const std::string& html);
  const std::string& path() const { return path_; }

 private:
  std::string path_, option_;
  bool writes_;
  bool written_ = false;
  std::string plotly_js_;
  std::ofstream out_;
};

}  // namespace trainsim::cli
