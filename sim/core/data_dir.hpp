#pragma once
// Where trainsim finds its data files (presets, profiles, collective constants, scenarios): the
// folder that holds hardware/, models/, sim/collectives/data/ and scenarios/. Looked up, first
// that applies:
//   1. set_data_root() (a program or the Python module that knows where its data lies);
//   2. TRAINSIM_DATA_DIR in the environment;
//   3. the source tree this library was built from, when it is still there (the build tree);
//   4. the installed copy, <prefix>/share/trainsim (cmake --install);
//   5. the current directory.
#include <filesystem>

namespace trainsim {

std::filesystem::path data_root();

// Overrides the lookup for this process (thread-safe); an empty path restores it.
void set_data_root(std::filesystem::path root);

}  // namespace trainsim
