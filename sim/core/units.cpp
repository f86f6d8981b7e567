#include "sim/core/units.hpp"

#include <fmt/format.h>

namespace trainsim {

std::string binary_bytes(double bytes) {
  constexpr double kKiB = 1024.0, kMiB = kKiB * 1024, kTiB = kBytesPerGiB * 1024;
  if (bytes >= kTiB) return fmt::format("{:.2f} TiB", bytes / kTiB);
  if (bytes >= kBytesPerGiB) return fmt::format("{:.2f} GiB", bytes / kBytesPerGiB);
  if (bytes >= kMiB) return fmt::format("{:.1f} MiB", bytes / kMiB);
  if (bytes >= kKiB) return fmt::format("{:.1f} KiB", bytes / kKiB);
  return fmt::format("{:.0f} B", bytes);
}

}  // namespace trainsim
