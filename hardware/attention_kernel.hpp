#pragma once
// Which flash-attention kernel a training stack runs, and what that does to a GPU's achieved
// attention efficiency. A hardware profile measures the attention of the stack it was calibrated
// with: the shipped H100 profile is PyTorch 2.11's scaled_dot_product_attention, which runs
// cuDNN's fused attention on Hopper (hardware/profiles/README.md). Older stacks ran another
// kernel at a fraction of that rate, and a run from one names the kernel it ran
// (training.attention_kernel).
#include <array>
#include <optional>
#include <string_view>

#include "hardware/gpu_spec.hpp"
#include "hardware/profile.hpp"

namespace trainsim {

enum class AttentionKernel {
  profile,            // the kernel the GPU's hardware profile measured
  flash_attention_2,  // Dao's FlashAttention-2, PyTorch SDPA's flash backend
};
inline constexpr std::array kAttentionKernels = {AttentionKernel::profile,
                                                 AttentionKernel::flash_attention_2};

std::string_view name_of(AttentionKernel kernel);

// The best forward + backward efficiency (of the dense 16-bit peak) FlashAttention-2 is published
// to reach on the GPU's generation; nullopt where no figure is published.
std::optional<double> flash_attention_2_best_frac(const GpuSpec& gpu);

// Forward + backward efficiency of one attention point: the backward does 2.5 x the forward's
// FLOPs (FlashAttention's convention), so 3.5 / (1 / forward + 2.5 / backward).
double forward_backward_efficiency_frac(double forward_frac, double backward_frac);

// The profile's attention as a kernel whose best forward + backward efficiency is `best_frac`:
// every point (and the scalar maxima) scaled by best_frac over the profile's own best, which
// keeps the measured dependence on sequence length and head dimension. Never scaled up: a
// profile already at or below `best_frac` is returned unchanged.
HardwareProfile with_attention_best_frac(HardwareProfile profile, double best_frac);

}  // namespace trainsim
