// `trainsim-calibrate run`: device checks, then the benchmark groups in order (correctness
// checks first, so that a wrong GEMM never produces a profile), writing DIR/*.jsonl.
#include "calibrate/cuda/run.hpp"

#include <chrono>
#include <ctime>
#include <memory>
#include <stdexcept>

#include <cublasLt.h>
#include <fmt/format.h>

#include "calibrate/cuda/benches.hpp"

namespace trainsim::calibrate::cuda {

namespace fs = std::filesystem;

int visible_device_count(std::string& why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    why = fmt::format("{}: {}", cudaGetErrorName(status), cudaGetErrorString(status));
    cudaGetLastError();  // clear the sticky-free error state
    return 0;
  }
  if (count == 0) why = "no device";
  return count;
}

namespace {

std::string version_text(int v) {  // 13000 → "13.0"
  return fmt::format("{}.{}", v / 1000, (v % 1000) / 10);
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

void write_env(const fs::path& file, const Json& env) {
  JsonlWriter writer(file);
  writer.write(env);
}

}  // namespace

void run_microbenchmarks(const RunOptions& options) {
  std::string why;
  const int count = visible_device_count(why);
  if (count <= 0) throw std::runtime_error("no CUDA GPU found (" + why + ")");
  if (options.device < 0 || options.device >= count)
    throw std::invalid_argument(
        fmt::format("--device {}: this machine has GPUs 0..{}", options.device, count - 1));
  CALIBRATE_CUDA_CHECK(cudaSetDevice(options.device));
  cudaDeviceProp prop{};
  CALIBRATE_CUDA_CHECK(cudaGetDeviceProperties(&prop, options.device));
  int runtime = 0, driver = 0;
  CALIBRATE_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  CALIBRATE_CUDA_CHECK(cudaDriverGetVersion(&driver));

  fs::create_directories(options.out_dir);
  BenchConfig config;
  config.quick = options.quick;
  config.warmup = options.quick ? 3 : 5;
  config.repeats = options.quick ? 10 : 20;
  config.device = options.device;
  config.compute_capability = prop.major * 10 + prop.minor;
  config.sm_count = prop.multiProcessorCount;

  Json env{{"gpu", prop.name},
           {"sms", prop.multiProcessorCount},
           {"mem_bytes", prop.totalGlobalMem},
           {"l2_bytes", prop.l2CacheSize},
           {"compute_capability", fmt::format("{}.{}", prop.major, prop.minor)},
           {"cuda", version_text(runtime)},
           {"cuda_driver", version_text(driver)},
           {"cublaslt", std::to_string(cublasLtGetVersion())},
           {"devices", count},
           {"device", options.device},
           {"tool", "trainsim-calibrate run"},
           {"quick", options.quick},
           {"warmup", config.warmup},
           {"repeats", config.repeats},
           {"timing",
            "median of repeats after warm-up, each repeat between its own CUDA events; "
            "bandwidth and norm kernels with the L2 cache flushed first"},
           {"started", now_utc()}};
  const fs::path env_file = options.out_dir / "env.jsonl";
  write_env(env_file, env);
  progress(fmt::format(
      "GPU {}: {} ({} SMs, {:.1f} GiB, compute capability {}.{}), CUDA {}, "
      "{} GPU(s) visible; writing {}",
      options.device, prop.name, prop.multiProcessorCount, prop.totalGlobalMem / double(1u << 30),
      prop.major, prop.minor, version_text(runtime), count, options.out_dir.string()));

  Stream stream;
  LtContext lt;
  env["gemm_check"] = check_gemm_correctness(lt, stream.get(), config.compute_capability >= 89);
  progress("gemm correctness: passed (" + env["gemm_check"].get<std::string>() + ")");

  JsonlWriter copy(options.out_dir / "copy.jsonl"), norm(options.out_dir / "norm.jsonl"),
      gemm(options.out_dir / "gemm.jsonl"), check(options.out_dir / "check.jsonl");
  const auto started = std::chrono::steady_clock::now();
  bench_memory(config, stream.get(), copy, norm);
  bench_gemm(config, lt, stream.get(), gemm, check);
  if (options.layer) bench_layers(config, lt, stream.get(), check);

  std::unique_ptr<JsonlWriter> nccl;
  if (options.nccl && count >= 2) {
#ifdef TRAINSIM_CALIBRATE_HAVE_NCCL
    nccl = std::make_unique<JsonlWriter>(options.out_dir / "nccl.jsonl");
#endif
  }
  if (options.nccl) {
    env["nccl"] = bench_nccl(config, count, nccl.get());
  } else {
    env["nccl"] = Json{{"skipped", "--no-nccl"}};
  }
  CALIBRATE_CUDA_CHECK(cudaSetDevice(options.device));

  env["finished"] = now_utc();
  env["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  env["rows"] = Json{{"gemm.jsonl", gemm.rows()},
                     {"copy.jsonl", copy.rows()},
                     {"norm.jsonl", norm.rows()},
                     {"check.jsonl", check.rows()},
                     {"nccl.jsonl", nccl ? Json(nccl->rows()) : Json(0)}};
  write_env(env_file, env);
  progress(fmt::format("done in {:.0f} s", env["seconds"].get<double>()));
}

}  // namespace trainsim::calibrate::cuda
