// trainsim-calibrate: turns measurements into hardware profiles (hardware/profiles/<gpu>.json).
//
//   trainsim-calibrate import-microbench DIR --gpu h100-sxm5-80gb -o FILE
//
// Exit status: 0 success, 2 invalid input (the message names the file, line or JSON path).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "calibrate/fit/gpu_peaks.hpp"
#include "calibrate/fit/microbench_import.hpp"
#include "hardware/profile.hpp"
#include "sim/core/errors.hpp"

namespace {

using namespace trainsim;
using namespace trainsim::calibrate;

struct ImportArgs {
  std::string dir;
  std::string gpu;
  std::string gpu_preset;  // explicit preset file
  std::string output;
  std::string name;
  std::map<std::string, double> peak_tflops;  // --peak-tflops bf16=989.4
  double hbm_GBps = 0;
  int sm_count = 0;
  double fp8_max_efficiency = MicrobenchImportOptions{}.fp8_max_efficiency_frac;
};

GpuPeaks resolve_peaks(const ImportArgs& args) {
  GpuPeaks peaks;
  const std::filesystem::path preset =
      args.gpu_preset.empty() ? gpu_preset_path(args.gpu) : std::filesystem::path(args.gpu_preset);
  std::error_code ec;
  if (std::filesystem::is_regular_file(preset, ec)) {
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
    throw InputError("--gpu", fmt::format("no GPU preset {} and no --hbm-GBps: the import needs "
                                          "the GPU's peak numbers",
                                          preset.string()));
  return peaks;
}

int run_import(const ImportArgs& args, const std::string& command) {
  const GpuPeaks peaks = resolve_peaks(args);
  MicrobenchImportOptions options;
  options.profile_name = args.name;
  options.command = command;
  options.fp8_max_efficiency_frac = args.fp8_max_efficiency;
  const MicrobenchImport result = import_microbench(args.dir, peaks, options);

  const std::string text = profile_to_json(result.profile).dump(2) + "\n";
  if (args.output.empty() || args.output == "-") {
    std::cout << text;
  } else {
    std::ofstream out(args.output, std::ios::binary);
    if (!out) throw InputError("-o", fmt::format("cannot write {}", args.output));
    out << text;
  }

  const auto line = [](const char* what, const Agreement& a) {
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
  for (const auto& [op, agreement] : result.norm_by_op)
    line(fmt::format("{} (validation)", op).c_str(), agreement);
  for (const auto& note : result.notes) std::cerr << "  note: " << note << "\n";
  return 0;
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
  import->add_option("--gpu", import_args.gpu, "GPU preset name (hardware/presets/gpus/NAME.json)")
      ->required();
  import->add_option("--gpu-preset", import_args.gpu_preset,
                     "GPU preset file to read the peaks from (default: the --gpu preset)");
  import->add_option("-o,--output", import_args.output, "Profile JSON to write ('-' = stdout)");
  import->add_option("--name", import_args.name, "Profile name");
  import->add_option("--peak-tflops", import_args.peak_tflops,
                     "Override a dense peak, PRECISION=TFLOPS (repeatable)");
  import->add_option("--hbm-GBps", import_args.hbm_GBps, "Override the HBM bandwidth (GB/s)");
  import->add_option("--sm-count", import_args.sm_count, "Override the SM count");
  import->add_option("--fp8-max-efficiency", import_args.fp8_max_efficiency,
                     "Best fp8 GEMM efficiency when fp8 was not measured (0 = unset)");

  CLI11_PARSE(app, argc, argv);

  // The command as typed, recorded in the profile's source block.
  std::string command = "trainsim-calibrate";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];

  try {
    if (*import) return run_import(import_args, command);
  } catch (const InputError& e) {
    std::cerr << "trainsim-calibrate: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "trainsim-calibrate: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
