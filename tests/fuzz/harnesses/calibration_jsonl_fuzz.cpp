// Calibration microbenchmark JSONL (gemm.jsonl, the file `trainsim-calibrate import` requires)
// through the import and fit against the H100 datasheet peaks.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "calibrate/fit/gpu_peaks.hpp"
#include "calibrate/fit/microbench_import.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trainsim;
  namespace fs = std::filesystem;
  static const calibrate::GpuPeaks peaks =
      calibrate::load_gpu_peaks(calibrate::gpu_preset_path("h100-sxm5-80gb"));
  static const fs::path dir =
      fs::temp_directory_path() / ("trainsim-fuzz-jsonl-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "gemm.jsonl", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  fuzz::expect_accepted_or_refused([&] { calibrate::import_microbench(dir, peaks); });
  return 0;
}
