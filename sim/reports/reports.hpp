#pragma once
// Step predictions rendered for people (table), scripts (JSON, CSV) and Perfetto (trace events).
#include <nlohmann/json.hpp>
#include <string>

#include "sim/parallel/predict.hpp"

namespace trainsim {

using OrderedJson = nlohmann::ordered_json;

// The `predict --format json` object (interface.md), fields in contract order.
// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csv_field(const std::string& text);
// "21.434 s", "73.945 ms", "15.0 us".
std::string human_seconds(double s);

OrderedJson prediction_to_json(const StepPrediction& prediction);
std::string prediction_to_table(const StepPrediction& prediction);
std::string prediction_to_csv(const StepPrediction& prediction);

// One sentence naming the largest loss against pure compute and what usually reduces it.
std::string explain_bottleneck(const StepPrediction& prediction);

// Chrome/Perfetto trace-event JSON: one process per simulated GPU, one thread per stream, each
// task a complete ("X") slice with its FLOPs and bytes in args. Needs a prediction made with
// keep_timeline.
OrderedJson prediction_to_trace(const StepPrediction& prediction);

}  // namespace trainsim
