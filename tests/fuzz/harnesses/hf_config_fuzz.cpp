// A Hugging Face config.json through the importer (models/hf_import.hpp).
#include "fuzz_input.hpp"
#include "models/hf_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trainsim;
  fuzz::expect_accepted_or_refused([&] {
    const Json config = parse_json_text(fuzz::as_text(data, size), "config.json");
    const ModelSpec model = import_hf_config(config, "fuzzed", "model");
    (void)model.total_params();
  });
  return 0;
}
