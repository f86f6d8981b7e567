#pragma once
// A prediction as bytes and back, for processes that share work (a sweep's points spread over MPI
// ranks): every field of StepPrediction but the workload and timeline, numbers bit for bit, so
// that a prediction made in one process prints in another exactly as it would have there.
// Unlike prediction_to_json (the report users read), nothing is derived or left out.
#include <string>
#include <string_view>

#include "sim/parallel/predict.hpp"

namespace trainsim {

std::string prediction_to_bytes(const StepPrediction& prediction);

// Throws InputError naming "prediction bytes" when `bytes` is not what prediction_to_bytes wrote.
StepPrediction prediction_from_bytes(std::string_view bytes);

}  // namespace trainsim
