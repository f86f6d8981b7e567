#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace trainsim {

// Numeric formats a GPU executes. The order is the index into per-precision tables.
enum class Precision { fp32, tf32, bf16, fp16, fp8 };
inline constexpr std::size_t kPrecisionCount = 5;
inline constexpr std::array<std::string_view, kPrecisionCount> kPrecisionNames = {
    "fp32", "tf32", "bf16", "fp16", "fp8"};

constexpr std::size_t index_of(Precision p) {
  return static_cast<std::size_t>(p);
}
constexpr std::string_view name_of(Precision p) {
  return kPrecisionNames[index_of(p)];
}

inline std::optional<Precision> parse_precision(std::string_view text) {
  for (std::size_t i = 0; i < kPrecisionCount; ++i)
    if (kPrecisionNames[i] == text) return static_cast<Precision>(i);
  return std::nullopt;
}

// Bytes of one stored element in this format (tf32 is stored as fp32).
constexpr double bytes_per_element(Precision p) {
  switch (p) {
    case Precision::fp32:
    case Precision::tf32:
      return 4.0;
    case Precision::bf16:
    case Precision::fp16:
      return 2.0;
    case Precision::fp8:
      return 1.0;
  }
  return 4.0;
}

}  // namespace trainsim
