#pragma once
// How well one ordering agrees with another: Kendall's tau-b (ties in either list accounted for,
// as SciPy's kendalltau computes it), for checking that predicted step times rank strategies as
// the measured ones do.
#include <optional>
#include <span>

namespace trainsim {

// tau-b of the pairs (a[i], b[i]): +1 same order, -1 reversed; nullopt when fewer than two
// items or when either list is all ties (the statistic is undefined).
std::optional<double> kendall_tau_b(std::span<const double> a, std::span<const double> b);

}  // namespace trainsim
