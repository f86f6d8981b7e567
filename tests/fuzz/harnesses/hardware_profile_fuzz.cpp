// A hardware profile (hardware/profile.hpp), as `cluster.profile` loads it.
#include "fuzz_input.hpp"
#include "hardware/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trainsim;
  fuzz::expect_accepted_or_refused([&] {
    parse_profile(parse_json_text(fuzz::as_text(data, size), "profile.json"), "profile");
  });
  return 0;
}
