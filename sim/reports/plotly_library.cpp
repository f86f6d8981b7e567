#include "sim/reports/plotly_library.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "sim/core/data_dir.hpp"
#include "sim/core/errors.hpp"

namespace trainsim {

std::filesystem::path plotly_js_path() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("TRAINSIM_PLOTLY_JS"); env && *env) {
    // A path the user named must exist: falling back to another copy would hide the mistake.
    if (!std::filesystem::is_regular_file(env))
      throw InputError("TRAINSIM_PLOTLY_JS",
                       fmt::format("'{}' is not a file; point it at plotly.js or unset it", env));
    return env;
  }
#if defined(TRAINSIM_PLOTLY_JS)
  candidates.emplace_back(TRAINSIM_PLOTLY_JS);
#endif
  candidates.push_back(data_root() / "reports" / "plotly.js");
  for (const std::filesystem::path& path : candidates)
    if (std::filesystem::is_regular_file(path)) return path;
  throw InputError("report",
                   "the report draws its charts with plotly.js, which was not found: install "
                   "Debian's python3-plotly (apt-get install python3-plotly) or set "
                   "TRAINSIM_PLOTLY_JS to a copy of plotly.js");
}

std::string plotly_js_source() {
  const std::filesystem::path path = plotly_js_path();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "cannot read plotly.js");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace trainsim
