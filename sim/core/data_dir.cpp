#include "sim/core/data_dir.hpp"

#include <cstdlib>
#include <mutex>
#include <system_error>

namespace trainsim {
namespace {

std::mutex root_mutex;
std::filesystem::path& explicit_root() {
  static std::filesystem::path root;
  return root;
}

// A folder is a data root when it holds the presets.
bool holds_data(const std::filesystem::path& dir) {
  std::error_code ignored;
  return std::filesystem::is_directory(dir / "hardware" / "presets", ignored);
}

}  // namespace

std::filesystem::path data_root() {
  {
    const std::lock_guard lock(root_mutex);
    if (!explicit_root().empty()) return explicit_root();
  }
  if (const char* env = std::getenv("TRAINSIM_DATA_DIR"); env && *env) return env;
#ifdef TRAINSIM_SOURCE_DIR
  if (holds_data(TRAINSIM_SOURCE_DIR)) return TRAINSIM_SOURCE_DIR;
#endif
#ifdef TRAINSIM_INSTALL_DATA_DIR
  if (holds_data(TRAINSIM_INSTALL_DATA_DIR)) return TRAINSIM_INSTALL_DATA_DIR;
#endif
  return std::filesystem::current_path();
}

void set_data_root(std::filesystem::path root) {
  const std::lock_guard lock(root_mutex);
  explicit_root() = std::move(root);
}

}  // namespace trainsim
