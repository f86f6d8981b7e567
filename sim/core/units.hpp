#pragma once
// Memory in binary units, as GPU vendors count it: an "80 GB" H100 or A100 holds 80 GiB of
// 2^30 bytes (85.9e9 bytes), so printed in GiB its capacity reads as on the datasheet.
#include <string>

namespace trainsim {

inline constexpr double kBytesPerGiB = 1024.0 * 1024.0 * 1024.0;

constexpr double to_gib(double bytes) {
  return bytes / kBytesPerGiB;
}

// "43.71 GiB", "48.0 MiB", "3.5 KiB", "12 B"; TiB from 2^40.
std::string binary_bytes(double bytes);

}  // namespace trainsim
