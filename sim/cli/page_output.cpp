#include "sim/cli/page_output.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "sim/core/errors.hpp"
#include "sim/reports/plotly_library.hpp"

namespace trainsim::cli {

PageOutput::PageOutput(std::string path, std::string option, bool writes)
    : path_(std::move(path)), option_(std::move(option)), writes_(writes) {
  if (!writes_) return;
  plotly_js_ = plotly_js_source();
  out_.open(path_, std::ios::binary);
  if (!out_) throw InputError(option_, fmt::format("cannot write '{}'", path_));
}

PageOutput::~PageOutput() {
  if (!writes_ || written_) return;
  out_.close();
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

std::size_t PageOutput::write(const std::string& html) {
  if (!writes_) return html.size();
  out_ << html;
  out_.close();
  if (!out_) throw InputError(option_, fmt::format("could not write all of '{}'", path_));
  written_ = true;
  return html.size();
}

}  // namespace trainsim::cli
