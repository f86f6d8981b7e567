#pragma once
// What each save-list recomputation (training.recompute) keeps of a transformer layer.
#include <optional>

#include "models/model_spec.hpp"
#include "models/save_list.hpp"
#include "sim/parallel/scenario.hpp"

namespace trainsim {

// The outputs `kind` keeps besides the layer input; nullopt for none, selective and full, which
// are not save lists.
std::optional<SaveList> save_list_of(RecomputeKind kind, const ModelSpec& model);

}  // namespace trainsim
