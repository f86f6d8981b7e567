// trainsim-calibrate: turns measurements into hardware profiles (hardware/profiles/<gpu>.json).
//
//   trainsim-calibrate run [-o DIR] [--quick]                 CUDA microbenchmarks → DIR/*.jsonl
//   trainsim-calibrate fit DIR --gpu h100-sxm5-80gb -o FILE   measurements → profile (+ NCCL fit)
//   trainsim-calibrate import-microbench DIR --gpu ... -o FILE   (the importer `fit` uses)
//   trainsim-calibrate import-nccl-tests LOG... -o FILE       nccl-tests logs → alpha/busbw fit
//   trainsim-calibrate check DIR --profile FILE [--max-mape PCT]
//
// Exit status: 0 success, 1 check failed (MAPE above --max-mape) or a CUDA/internal error,
// 2 invalid input (the message names the file, line or JSON path) or, for `run`, no CUDA GPU.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "calibrate/fit/check.hpp"
#include "calibrate/fit/gpu_peaks.hpp"
#include "calibrate/fit/microbench_import.hpp"
#include "calibrate/fit/nccl_fit.hpp"
#include "hardware/profile.hpp"
#include "sim/compute/compute_cost.hpp"
#include "sim/core/errors.hpp"

#ifdef TRAINSIM_CALIBRATE_HAVE_CUDA
#include "calibrate/cuda/run.hpp"
#endif

namespace {

namespace fs = std::filesystem;
using namespace trainsim;
using namespace trainsim::calibrate;

// Where the datasheet peaks come from (import-microbench, fit, check).
struct PeakArgs {
  std::string gpu;
  std::string gpu_preset;                     // explicit preset file
  std::map<std::string, double> peak_tflops;  // --peak-tflops bf16=989.4
  double hbm_GBps = 0;
  int sm_count = 0;
};

struct ImportArgs {
  std::string dir;
  PeakArgs peaks;
  std::string output;
  std::string name;
  double fp8_max_efficiency = MicrobenchImportOptions{}.fp8_max_efficiency_frac;
  // fit only:
  std::string nccl_output;
  std::vector<double> regimes = default_regime_boundaries();
  bool all_shapes = false;
};

struct NcclArgs {
  std::vector<std::string> logs;
  std::string output;
  std::vector<double> regimes = default_regime_boundaries();
  bool quiet = false;
};

struct CheckArgs {
  std::string measured;
  std::string profile;
  PeakArgs peaks;
  std::optional<double> max_mape_percent;
};

struct RunArgs {
  std::string output = "calibration";
  bool quick = false;
  int device = 0;
  bool no_nccl = false;
  bool no_layer = false;
  bool mpi = false;
};

void add_peak_options(CLI::App* app, PeakArgs& args, bool gpu_required) {
  auto* gpu =
      app->add_option("--gpu", args.gpu, "GPU preset name (hardware/presets/gpus/NAME.json)");
  if (gpu_required) gpu->required();
  app->add_option("--gpu-preset", args.gpu_preset,
                  "GPU preset file to read the peaks from (default: the --gpu preset)");
  app->add_option("--peak-tflops", args.peak_tflops,
                  "Override a dense peak, PRECISION=TFLOPS (repeatable)");
  app->add_option("--hbm-GBps", args.hbm_GBps, "Override the HBM bandwidth (GB/s)");
  app->add_option("--sm-count", args.sm_count, "Override the SM count");
}

GpuPeaks resolve_peaks(const PeakArgs& args) {
  GpuPeaks peaks;
  const fs::path preset =
      args.gpu_preset.empty() ? gpu_preset_path(args.gpu) : fs::path(args.gpu_preset);
  std::error_code ec;
  if (fs::is_regular_file(preset, ec)) {
    peaks = load_gpu_peaks(preset);
  } else if (!args.gpu_preset.empty()) {
    throw InputError("--gpu-preset", fmt::format("no such file: {}", args.gpu_preset));
  } else {
    peaks.origin = "command line";
  }
  peaks.gpu = args.gpu;
  // Flags override the preset, one number at a time.
  bool overridden = false;
  for (const auto& [name, tflops] : args.peak_tflops) {
    const auto p = parse_precision(name);
    if (!p) {
      const std::vector<std::string> names(kPrecisionNames.begin(), kPrecisionNames.end());
      throw InputError("--peak-tflops", unknown_name_message("precision", name, names));
    }
    peaks.dense_peak_flops_per_s[index_of(*p)] = tflops * 1e12;
    overridden = true;
  }
  if (args.hbm_GBps > 0) peaks.hbm_Bps = args.hbm_GBps * 1e9, overridden = true;
  if (args.sm_count > 0) peaks.sm_count = args.sm_count, overridden = true;
  if (overridden && peaks.origin != "command line") peaks.origin += " + command-line overrides";
  if (!(peaks.hbm_Bps > 0))
    throw InputError("--gpu", fmt::format("no GPU preset {} and no --hbm-GBps: the calibration "
                                          "needs the GPU's peak numbers",
                                          preset.string()));
  return peaks;
}

void write_text(const std::string& output, const std::string& text) {
  if (output.empty() || output == "-") {
    std::cout << text;
    return;
  }
  std::ofstream out(output, std::ios::binary);
  if (!out) throw InputError("-o", fmt::format("cannot write {}", output));
  out << text;
}

void print_agreement(const MicrobenchImport& result) {
  const auto line = [](const std::string& what, const Agreement& a) {
    if (a.count == 0) return;
    std::cerr << fmt::format("  {:<28} n={:<4} mean |err| {:6.2f}%  max |err| {:6.2f}%  ({})\n",
                             what, a.count, 100 * a.mean_abs_rel_err, 100 * a.max_abs_rel_err,
                             a.worst);
  };
  std::cerr << fmt::format(
      "profile '{}' for {} ({} GEMM shapes, {} attention points, {} "
      "bandwidth points)\nComputeCost vs measurements:\n",
      result.profile.name, result.profile.gpu, result.gemm_shapes.count,
      result.profile.attention.size(), result.profile.memory_bandwidth.size());
  line("gemm shapes (mean of runs)", result.gemm_shapes);
  line("gemm rows", result.gemm_rows);
  line("gemm bf16 leave-one-out", result.gemm_bf16_leave_one_out);
  line("attention forward", result.attention_forward);
  line("attention backward", result.attention_backward);
  line("attention fwd+bwd", result.attention_forward_backward);
  line("copy/add", result.copy);
  line("read/write-only (validation)", result.memory_validation);
  for (const auto& [op, agreement] : result.norm_by_op)
    line(fmt::format("{} (validation)", op), agreement);
  for (const auto& note : result.notes) std::cerr << "  note: " << note << "\n";
}

MicrobenchImport import_dir(const ImportArgs& args, const std::string& command) {
  const GpuPeaks peaks = resolve_peaks(args.peaks);
  MicrobenchImportOptions options;
  options.profile_name = args.name;
  options.command = command;
  options.fp8_max_efficiency_frac = args.fp8_max_efficiency;
  return import_microbench(args.dir, peaks, options);
}

int run_import(const ImportArgs& args, const std::string& command) {
  const MicrobenchImport result = import_dir(args, command);
  write_text(args.output, profile_to_json(result.profile).dump(2) + "\n");
  print_agreement(result);
  return 0;
}

// Per-shape GEMM residuals: a summary per precision, then the shapes (the worst 20 by the
// out-of-sample error, or all with --all-shapes).
void print_gemm_residuals(const MicrobenchImport& result, bool all_shapes) {
  struct Stats {
    std::size_t n = 0, loo_n = 0;
    double sum = 0, max = 0, loo_sum = 0, loo_max = 0;
  };
  std::map<std::string, Stats> by_precision;
  for (const auto& r : result.gemm_shape_residuals) {
    Stats& s = by_precision[std::string(name_of(r.precision))];
    const double err = std::fabs(r.predicted_s / r.measured_s - 1);
    ++s.n, s.sum += err, s.max = std::max(s.max, err);
    if (r.leave_one_out_s > 0) {
      const double loo = std::fabs(r.leave_one_out_s / r.measured_s - 1);
      ++s.loo_n, s.loo_sum += loo, s.loo_max = std::max(s.loo_max, loo);
    }
  }
  std::cerr << "GEMM fit residuals per precision (in sample; leave-one-out = each shape "
               "predicted from the table without it):\n";
  for (const auto& [p, s] : by_precision) {
    std::cerr << fmt::format("  {:<5} {:>4} shapes  mean |err| {:6.2f}%  max {:6.2f}%", p, s.n,
                             100 * s.sum / s.n, 100 * s.max);
    if (s.loo_n)
      std::cerr << fmt::format("   leave-one-out mean |err| {:6.2f}%  max {:6.2f}%",
                               100 * s.loo_sum / s.loo_n, 100 * s.loo_max);
    std::cerr << "\n";
  }
  auto shapes = result.gemm_shape_residuals;
  const auto key = [](const GemmShapeResidual& r) {
    const double loo = r.leave_one_out_s > 0 ? r.leave_one_out_s : r.predicted_s;
    return std::fabs(loo / r.measured_s - 1);
  };
  if (!all_shapes) {
    std::stable_sort(shapes.begin(), shapes.end(),
                     [&](const auto& a, const auto& b) { return key(a) > key(b); });
    if (shapes.size() > 20) shapes.resize(20);
    std::cerr << fmt::format("GEMM shapes, worst {} by leave-one-out error (--all-shapes: all):\n",
                             shapes.size());
  } else {
    std::cerr << "GEMM shapes:\n";
  }
  std::cerr << fmt::format("  {:<22} {:<5} {:>4} {:>12} {:>12} {:>8} {:>8}  {}\n", "m x n x k",
                           "prec", "runs", "measured", "predicted", "err", "l-o-o", "first row");
  for (const auto& r : shapes)
    std::cerr << fmt::format(
        "  {:<22} {:<5} {:>4} {:>9.2f} us {:>9.2f} us {:>+7.2f}% {:>8}  {}\n",
        fmt::format("{}x{}x{}", r.m, r.n, r.k), name_of(r.precision), r.runs, r.measured_s * 1e6,
        r.predicted_s * 1e6, 100 * (r.predicted_s / r.measured_s - 1),
        r.leave_one_out_s > 0
            ? fmt::format("{:+.2f}%", 100 * (r.leave_one_out_s / r.measured_s - 1))
            : std::string("-"),
        r.label);
}

std::string default_nccl_output(const std::string& profile_output) {
  if (profile_output.empty() || profile_output == "-") return "";
  fs::path p(profile_output);
  return (p.parent_path() / (p.stem().string() + ".nccl_fit.json")).string();
}

int run_fit(const ImportArgs& args, const std::string& command) {
  const MicrobenchImport result = import_dir(args, command);
  write_text(args.output, profile_to_json(result.profile).dump(2) + "\n");
  print_agreement(result);
  print_gemm_residuals(result, args.all_shapes);

  const fs::path nccl = fs::path(args.dir) / "nccl.jsonl";
  std::error_code ec;
  if (fs::is_regular_file(nccl, ec)) {
    const auto regimes = make_size_regimes(args.regimes);
    const auto fits = fit_nccl_jsonl(nccl, regimes);
    std::cerr << "NCCL latency-bandwidth fit (" << nccl.string() << "):\n";
    for (const auto& f : fits) std::cerr << format_collective_fit(f);
    const std::string out =
        args.nccl_output.empty() ? default_nccl_output(args.output) : args.nccl_output;
    if (!out.empty()) {
      write_text(out, nccl_fit_to_json(fits, regimes, command).dump(2) + "\n");
      std::cerr << "wrote " << out << "\n";
    } else {
      std::cerr << "(no --nccl-output and the profile went to stdout: NCCL fit not written)\n";
    }
  }
  if (!args.output.empty() && args.output != "-") std::cerr << "wrote " << args.output << "\n";
  return 0;
}

int run_import_nccl_tests(const NcclArgs& args, const std::string& command) {
  const auto regimes = make_size_regimes(args.regimes);
  std::vector<fs::path> logs(args.logs.begin(), args.logs.end());
  const auto fits = fit_nccl_tests_logs(logs, regimes);
  write_text(args.output, nccl_fit_to_json(fits, regimes, command).dump(2) + "\n");
  for (const auto& f : fits) std::cerr << format_collective_fit(f, !args.quiet);
  return 0;
}

int run_check(const CheckArgs& args) {
  const HardwareProfile profile = load_profile(args.profile);
  PeakArgs peak_args = args.peaks;
  if (peak_args.gpu.empty()) peak_args.gpu = profile.gpu;
  if (peak_args.gpu.empty() && peak_args.gpu_preset.empty())
    throw InputError("--gpu", fmt::format("the profile {} names no GPU; give --gpu or --gpu-preset",
                                          args.profile));
  const GpuPeaks peaks = resolve_peaks(peak_args);
  const ComputeCost cost(to_gpu_spec(peaks), profile);
  const CheckReport report = check_against_measurements(args.measured, cost);
  std::cout << fmt::format("ComputeCost under profile '{}' ({}) vs {} (not fitted on):\n",
                           profile.name, args.profile, args.measured);
  std::cout << format_check_report(report);
  if (args.max_mape_percent && 100 * report.mape > *args.max_mape_percent) {
    std::cout << fmt::format("FAIL: MAPE {:.2f}% > --max-mape {}%\n", 100 * report.mape,
                             *args.max_mape_percent);
    return 1;
  }
  if (args.max_mape_percent)
    std::cout << fmt::format("OK: MAPE {:.2f}% <= --max-mape {}%\n", 100 * report.mape,
                             *args.max_mape_percent);
  return 0;
}

int run_run(const RunArgs& args) {
#ifdef TRAINSIM_CALIBRATE_HAVE_CUDA
  std::string why;
  if (cuda::visible_device_count(why) <= 0) {
    std::cerr << "trainsim-calibrate: no CUDA GPU found (no device)\n";
    if (!why.empty() && why != "no device") std::cerr << "  cudaGetDeviceCount: " << why << "\n";
    return 2;
  }
  cuda::RunOptions options;
  options.out_dir = args.output;
  options.quick = args.quick;
  options.device = args.device;
  options.nccl = !args.no_nccl;
  options.layer = !args.no_layer;
  if (args.mpi) {
    if (!cuda::built_with_mpi())
      throw InputError("--mpi",
                       "this trainsim-calibrate was built without MPI (install an MPI such as "
                       "libopenmpi-dev, with NCCL, and rebuild)");
    if (!cuda::run_microbenchmarks_mpi(options)) return 0;  // not rank 0: nothing to say
  } else {
    cuda::run_microbenchmarks(options);
  }
  std::cerr << "wrote " << args.output << "/*.jsonl; next: trainsim-calibrate fit " << args.output
            << " --gpu <preset> -o profile.json\n";
  return 0;
#else
  (void)args;
  std::cerr << "trainsim-calibrate: no CUDA GPU found (built without CUDA)\n";
  return 2;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trainsim-calibrate: build hardware profiles from measurements"};
  app.require_subcommand(1);

  ImportArgs import_args;
  auto* import = app.add_subcommand(
      "import-microbench",
      "Derive a hardware profile from recorded microbenchmarks (gemm/copy/sdpa/norm .jsonl)");
  import->add_option("dir", import_args.dir, "Directory holding gemm.jsonl, copy.jsonl, ...")
      ->required();
  add_peak_options(import, import_args.peaks, true);
  import->add_option("-o,--output", import_args.output, "Profile JSON to write ('-' = stdout)");
  import->add_option("--name", import_args.name, "Profile name");
  import->add_option("--fp8-max-efficiency", import_args.fp8_max_efficiency,
                     "Best fp8 GEMM efficiency when fp8 was not measured (0 = unset)");

  ImportArgs fit_args;
  auto* fit = app.add_subcommand(
      "fit",
      "Measurements directory (from `run`) → hardware profile, with fit residuals; "
      "nccl.jsonl, when present, → latency/bandwidth fit");
  fit->add_option("dir", fit_args.dir, "Directory written by `trainsim-calibrate run`")->required();
  add_peak_options(fit, fit_args.peaks, true);
  fit->add_option("-o,--output", fit_args.output, "Profile JSON to write ('-' = stdout)")
      ->required();
  fit->add_option("--name", fit_args.name, "Profile name");
  fit->add_option("--fp8-max-efficiency", fit_args.fp8_max_efficiency,
                  "Best fp8 GEMM efficiency when fp8 was not measured (0 = unset)");
  fit->add_option("--nccl-output", fit_args.nccl_output,
                  "NCCL fit JSON to write (default: beside -o, NAME.nccl_fit.json)");
  fit->add_option("--regimes", fit_args.regimes,
                  "NCCL size-regime boundaries in bytes (default 65536,16777216)")
      ->delimiter(',');
  fit->add_flag("--all-shapes", fit_args.all_shapes, "Print every GEMM shape's residual");

  NcclArgs nccl_args;
  auto* nccl = app.add_subcommand(
      "import-nccl-tests",
      "Fit t = alpha + bytes/bandwidth per collective and size regime to nccl-tests logs");
  nccl->add_option("logs", nccl_args.logs, "nccl-tests output files (all_reduce_perf, ...)")
      ->required();
  nccl->add_option("-o,--output", nccl_args.output, "Fit JSON to write ('-' = stdout)");
  nccl->add_option("--regimes", nccl_args.regimes,
                   "Size-regime boundaries in bytes (default 65536,16777216)")
      ->delimiter(',');
  nccl->add_flag("-q,--quiet", nccl_args.quiet, "Print the fits without per-size residuals");

  CheckArgs check_args;
  auto* check = app.add_subcommand(
      "check", "Compare ComputeCost under a profile with measurements it was not fitted on");
  check->add_option("measured", check_args.measured, "Directory holding check.jsonl, or the file")
      ->required();
  check->add_option("--profile", check_args.profile, "Hardware profile JSON")->required();
  add_peak_options(check, check_args.peaks, false);
  check->add_option("--max-mape", check_args.max_mape_percent,
                    "Exit with status 1 when the mean absolute percentage error exceeds this "
                    "(percent, e.g. 15)");

  RunArgs run_args;
  auto* run = app.add_subcommand(
      "run", "Run the CUDA microbenchmarks on this machine's GPUs and write DIR/*.jsonl");
  run->add_option("-o,--output", run_args.output, "Directory to write (default: calibration)");
  run->add_flag("--quick", run_args.quick, "Fewer shapes, sizes and repeats");
  run->add_option("--device", run_args.device, "GPU for the single-GPU benchmarks (default 0)");
  run->add_flag("--no-nccl", run_args.no_nccl, "Skip the NCCL collectives");
  run->add_flag("--no-layer", run_args.no_layer, "Skip the transformer-layer check cases");
  run->add_flag("--mpi", run_args.mpi,
                "Under mpirun, one process per GPU: NCCL collectives across every rank and node");

  CLI11_PARSE(app, argc, argv);

  // The command as typed, recorded in the profile's source block.
  std::string command = "trainsim-calibrate";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];

  try {
    if (*import) return run_import(import_args, command);
    if (*fit) return run_fit(fit_args, command);
    if (*nccl) return run_import_nccl_tests(nccl_args, command);
    if (*check) return run_check(check_args);
    if (*run) return run_run(run_args);
  } catch (const InputError& e) {
    std::cerr << "trainsim-calibrate: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "trainsim-calibrate: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
