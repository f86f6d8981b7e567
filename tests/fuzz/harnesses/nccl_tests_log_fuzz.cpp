// An nccl-tests log through its parser (sim/collectives/nccl_tests_log.hpp).
#include "fuzz_input.hpp"
#include "sim/collectives/nccl_tests_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trainsim;
  fuzz::expect_accepted_or_refused(
      [&] { parse_nccl_tests_log(fuzz::as_text(data, size), "fuzzed.log"); });
  return 0;
}
