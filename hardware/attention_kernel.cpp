#include "hardware/attention_kernel.hpp"

#include <algorithm>

namespace trainsim {

std::string_view name_of(AttentionKernel kernel) {
  switch (kernel) {
    case AttentionKernel::profile:
      return "profile";
    case AttentionKernel::flash_attention_2:
      return "flash_attention_2";
  }
  return "?";
}

std::optional<double> flash_attention_2_best_frac(const GpuSpec& gpu) {
  if (gpu.vendor != "nvidia") return std::nullopt;
  const int cc = gpu.compute_capability;
  // Dao, "FlashAttention-2" (arXiv:2307.08691) §4.1, forward + backward over sequence lengths
  // 512-16k and head dimensions 64/128 (transcribed as fa2-a100-peak in
  // tests/data/validation/published-dev.json):
  // A100: up to 230 TFLOP/s, 73% of the 312 TFLOP/s peak.
  if (cc >= 80 && cc <= 87) return 0.73;
  // H100: "the same implementation on H100 GPUs ... up to 335 TFLOPs/s" of 989.4; the
  // FlashAttention-3 abstract (arXiv:2407.08608, fa3-h100-peak) puts FlashAttention-2 at "only
  // 35% utilization" there. It uses none of Hopper's TMA or warpgroup MMA.
  if (cc == 90) return 335.0 / 989.4;
  return std::nullopt;
}

double forward_backward_efficiency_frac(double forward_frac, double backward_frac) {
  return 3.5 / (1.0 / forward_frac + 2.5 / backward_frac);
}

HardwareProfile with_attention_best_frac(HardwareProfile profile, double best_frac) {
  double own_best = forward_backward_efficiency_frac(profile.attention_max_efficiency_frac,
                                                     profile.attention_backward_max_efficiency());
  if (!profile.attention.empty()) {
    own_best = 0;
    for (const AttentionEfficiencyPoint& p : profile.attention)
      own_best =
          std::max(own_best, forward_backward_efficiency_frac(p.forward_frac, p.backward_frac));
  }
  if (!(own_best > best_frac)) return profile;
  const double scale = best_frac / own_best;
  for (AttentionEfficiencyPoint& p : profile.attention) {
    p.forward_frac *= scale;
    p.backward_frac *= scale;
  }
  profile.attention_max_efficiency_frac *= scale;
  profile.attention_backward_max_efficiency_frac *= scale;  // 0 (= the forward's) stays 0
  return profile;
}

}  // namespace trainsim
