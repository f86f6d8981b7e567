#pragma once
// How large a model may be: well beyond every published transformer, within what the simulation
// handles in seconds and megabytes (a prediction's cost grows with layers and experts). Sources:
// the deepest trained transformer has 1,000 layers (DeepNet, Wang et al. 2022); the widest dense
// ones 18,432 (PaLM 540B, Chowdhery et al. 2022) and 16,384 (Llama 3.1 405B) with MLPs of 73,728
// and 53,248; vocabularies reach 256K (Gemma, Gemma Team 2024); contexts 10M tokens (Llama 4
// Scout, Meta 2025); expert counts 2,048 (Switch-C, Fedus et al. 2021).
#include "sim/core/json_fields.hpp"

namespace trainsim::model_limits {

inline constexpr Limit kLayers{10'000, "ten times the deepest trained transformer (DeepNet)"};
inline constexpr Limit kHidden{1 << 17, "seven times the widest published model (PaLM 540B)"};
inline constexpr Limit kHeads{1 << 14, "16384 attention heads"};
inline constexpr Limit kFfnHidden{1 << 20, "fourteen times PaLM 540B's MLP"};
inline constexpr Limit kVocab{1 << 22, "sixteen times the largest vocabularies (256K)"};
inline constexpr Limit kSeqLen{1 << 24, "16M tokens, beyond the longest trained context (10M)"};
inline constexpr Limit kExperts{1 << 14, "eight times the most experts published (Switch-C)"};

}  // namespace trainsim::model_limits
