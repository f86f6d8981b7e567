#pragma once
// Where trainsim finds its data files (presets, profiles, collective constants). The build
// records the source tree; TRAINSIM_DATA_DIR in the environment overrides it (installed copies).
#include <cstdlib>
#include <filesystem>

namespace trainsim {

inline std::filesystem::path data_root() {
  if (const char* env = std::getenv("TRAINSIM_DATA_DIR"); env && *env) return env;
#ifdef TRAINSIM_SOURCE_DIR
  return TRAINSIM_SOURCE_DIR;
#else
  return std::filesystem::current_path();
#endif
}

}  // namespace trainsim
