#pragma once
// Where report pages get plotly.js from: the page inlines the library's source so that it opens
// offline, and trainsim does not carry its own copy of a third-party library.
#include <filesystem>
#include <string>

namespace trainsim {

// The first of: $TRAINSIM_PLOTLY_JS; the copy found when this build was configured (Debian's
// python3-plotly installs /usr/share/python3-plotly/plotly.js); data_root()/reports/plotly.js
// (what `cmake --install` copies). Throws InputError naming the package to install when none
// exists.
std::filesystem::path plotly_js_path();
std::string plotly_js_source();

}  // namespace trainsim
