// A prediction survives the trip to bytes and back whole (sim/parallel/prediction_serial.hpp):
// what a process that did not make it prints from it is what the one that made it prints.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "sim/api/trainsim.hpp"
#include "sim/core/data_dir.hpp"
#include "sim/parallel/prediction_serial.hpp"
#include "sim/reports/reports.hpp"

namespace trainsim {
namespace {

struct BytesCase {
  std::string scenario;  // under scenarios/
  std::vector<std::string> sets;
};

// Between them every optional part of a prediction: a run with checkpoints and failures,
// images/s, an asynchronous parameter server, "auto" settings with their assumptions, warnings,
// and the flow engine's flow count and sharing slowdowns.
const std::vector<BytesCase> kBytesCases = {
    {"default",
     {"training.tokens=300e9", "cluster.storage_GBps=100", "cluster.gpu_mtbf_hours=50700"}},
    {"default", {"parallel.tp=auto", "training.micro_batch=auto"}},
    {"resnet50-data-parallel", {}},
    {"teaching/04-parameter-server",
     {"parallel.ps.update=async", R"(engine.gpu_speed=[{"gpu": 5, "factor": 0.5}])"}},
    {"mixtral-8x7b-expert-parallel", {"engine.network=flow"}},
    {"llama3.1-8b-single-node",  // does not fit: a warning
     {"training.global_batch=256", "training.micro_batch=16", "training.recompute=none"}},
};

// The case's prediction; nullopt for a flow-engine case in a build without SimGrid.
std::optional<StepPrediction> predict_case(const BytesCase& c) {
  const bool flow = std::find(c.sets.begin(), c.sets.end(), "engine.network=flow") != c.sets.end();
  if (flow && !has_flow_engine()) return std::nullopt;
  return predict(load_scenario(data_root() / "scenarios" / (c.scenario + ".json"), c.sets));
}

TEST(PredictionBytes, EveryReportOfTheDecodedPredictionIsTheOriginals) {
  for (const BytesCase& c : kBytesCases) {
    const std::optional<StepPrediction> made = predict_case(c);
    if (!made) continue;
    const StepPrediction& original = *made;
    const std::string bytes = prediction_to_bytes(original);
    const StepPrediction decoded = prediction_from_bytes(bytes);
    EXPECT_EQ(prediction_to_json(decoded).dump(), prediction_to_json(original).dump())
        << c.scenario;
    EXPECT_EQ(prediction_to_table(decoded), prediction_to_table(original)) << c.scenario;
    EXPECT_EQ(prediction_to_bytes(decoded), bytes) << c.scenario;
  }
}

TEST(PredictionBytes, TheCasesCoverEveryOptionalPart) {
  bool run = false, resilience = false, images = false, server = false, assumptions = false,
       warnings = false, flows = false;
  for (const BytesCase& c : kBytesCases) {
    const std::optional<StepPrediction> made = predict_case(c);
    if (!made) continue;
    const StepPrediction& p = *made;
    run |= p.run.has_value();
    resilience |= p.run && p.run->resilience;
    images |= p.images_per_s.has_value();
    server |= p.parameter_server && p.parameter_server->async;
    assumptions |= !p.assumptions.empty();
    warnings |= !p.warnings.empty();
    flows |= p.flows > 0;
  }
  EXPECT_TRUE(run && resilience && images && server && assumptions && warnings);
  EXPECT_EQ(flows, has_flow_engine());
}

TEST(PredictionBytes, BytesThatAreNotAPredictionAreRefused) {
  for (const std::string& bytes : {std::string(), std::string("not cbor"), std::string("\xa0")}) {
    try {
      prediction_from_bytes(bytes);
      ADD_FAILURE() << "accepted " << bytes.size() << " bytes";
    } catch (const InputError& e) {
      EXPECT_EQ(e.json_path(), "prediction bytes");
    }
  }
}

}  // namespace
}  // namespace trainsim
