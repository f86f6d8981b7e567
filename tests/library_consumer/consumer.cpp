// Predicts one scenario given as JSON text, the bundled default as JSON, and a wrong field, the
// way the header's comment shows. Prints what check.sh compares.
#include <trainsim/trainsim.hpp>

#include <iostream>

int main() {
  trainsim::PredictRequest request;
  request.scenario_json = R"({"model": "llama3.1-8b",
    "cluster": {"gpu": "h100-sxm5-80gb", "node": "dgx-h100", "gpus": 64,
                "network": "ib-ndr400-rail-fattree"},
    "parallel": {"tp": 4}, "training": {"global_batch": 512, "seq_len": 8192}})";
  request.sets = {"parallel.pp=2"};
  const trainsim::Prediction p = trainsim::predict_scenario(request);
  std::cout << "llama3.1-8b: " << p.gpus << " GPUs, " << p.step_time_s << " s per step, MFU "
            << p.mfu << "\n";

  std::cout << trainsim::predict_scenario({}).json;  // the default scenario, as predict prints

  try {
    request.sets = {"parallel.schedule=foo"};
    trainsim::predict_scenario(request);
  } catch (const trainsim::InputError& e) {
    std::cout << "refused " << e.json_path() << "\n";
  }
  return 0;
}
