// trainsim command-line entry point: parses arguments and is the one place that prints errors
// and maps them to exit statuses (0 ok, 2 invalid input, 3 infeasible, 1 internal error).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/commands.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/json_fields.hpp"
#if defined(TRAINSIM_HAVE_MPI)
#include <optional>

#include "sim/mpi/mpi_spread.hpp"
#endif

int main(int argc, char** argv) {
  using namespace trainsim;
  std::shared_ptr<const WorkSpread> spread;
#if defined(TRAINSIM_HAVE_MPI)
  // Under mpirun the ranks share each search; rank 0 alone prints (every rank computes the same
  // result and exit status).
  std::optional<MpiSession> mpi;
  if (MpiSession::launched_by_mpi()) {
    mpi.emplace(argc, argv);
    spread = std::make_shared<MpiSpread>(*mpi);
    if (mpi->rank() != 0) {
      std::cout.setstate(std::ios::badbit);
      std::cerr.setstate(std::ios::badbit);
    }
  }
#endif
  CLI::App app{"trainsim: predict the step time, breakdown and memory of parallel LLM training"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("trainsim {}", TRAINSIM_VERSION));

  cli::PredictArgs predict;
  auto* predict_cmd = app.add_subcommand("predict", "predict one training step of a scenario");
  predict_cmd->add_option("scenario", predict.scenario_file,
                          "scenario JSON, - for standard input (default: scenarios/default.json)");
  predict_cmd->footer(
      "A scenario is one JSON object (comments allowed) with the sections\n"
      "  model     a preset name (trainsim presets models), {\"hf_config\": \"config.json\"} or\n"
      "            {layers, hidden, heads, vocab, ...}\n"
      "  cluster   gpu, node, network (preset names or objects), nodes or gpus\n"
      "  parallel  tp, pp, dp, cp, ep, vpp, schedule (1f1b, interleaved, gpipe, zb-h1, zb-v),\n"
      "            sequence_parallel, zero; \"auto\" lets the search choose\n"
      "  training  global_batch (required), micro_batch, seq_len, precision, recompute, tokens,\n"
      "            memory_headroom (share of GPU memory kept free; default 0.05)\n"
      "and optionally comm, engine and strict_memory (exit 3 when the step does not fit within\n"
      "the headroom). Memory is shown in GiB (an \"80 GB\" GPU holds 80 GiB).\n"
      "Example: trainsim predict scenarios/llama3.1-70b-h100.json --set parallel.pp=8\n"
      "Every field: the interface reference (docs/interface.md) and README.md.");
  predict_cmd->add_option("--set", predict.overrides, "override a field: PATH=VALUE")
      ->allow_extra_args(false);
  predict_cmd->add_option("--format", predict.format, "table | json | csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  predict_cmd->add_option("--trace", predict.trace_file, "write a Perfetto trace-event JSON file");
  predict_cmd->add_flag("--detailed", predict.detailed,
                        "simulate one task per layer (as --trace does)");

  cli::SearchArgs search;
  auto* search_cmd = app.add_subcommand(
      "search", "find the fastest parallel strategies for a scenario's model, cluster and batch");
  search_cmd->add_option("scenario", search.scenario_file,
                         "scenario JSON (default: scenarios/default.json)");
  search_cmd
      ->add_option("--set", search.overrides,
                   "override a field: PATH=VALUE (a searched setting set here is pinned)")
      ->allow_extra_args(false);
  search_cmd
      ->add_option("--pin", search.pins,
                   "keep a searched setting at the scenario's value, e.g. parallel.tp")
      ->delimiter(',')
      ->allow_extra_args(false);
  search_cmd->add_option("--top", search.top, "how many strategies to show (default 5)");
  search_cmd->add_option("--objective", search.objective, "time | cost | tokens_per_dollar");
  search_cmd->add_option("--memory-headroom", search.memory_headroom,
                         "fraction of GPU memory kept free (default 0.05)");
  search_cmd->add_option("--format", search.format, "table | json | csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  search_cmd->add_option("--report", search.report_file,
                         "also write an HTML page of the ranked strategies (each step part by "
                         "part, memory against capacity)");

  cli::SweepArgs sweep;
  auto* sweep_cmd = app.add_subcommand(
      "sweep", "predict a scenario at every combination of varied fields (capacity planning)");
  sweep_cmd->add_option("scenario", sweep.scenario_file,
                        "scenario JSON (default: scenarios/default.json)");
  sweep_cmd
      ->add_option("--vary", sweep.vary,
                   "PATH=V1,V2,... or PATH=A..B*F (geometric), A..B+S, A..B; repeat to combine")
      ->required()
      ->allow_extra_args(false);
  sweep_cmd->add_option("--set", sweep.overrides, "override a field: PATH=VALUE")
      ->allow_extra_args(false);
  sweep_cmd->add_flag("--search", sweep.search, "the best strategy at each point");
  sweep_cmd->add_option("--memory-headroom", sweep.memory_headroom,
                        "with --search: fraction of GPU memory kept free (default 0.05)");
  sweep_cmd->add_option("--format", sweep.format, "table | json | csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  sweep_cmd->add_option("--report", sweep.report_file,
                        "also write an HTML page of the sweep (step time, MFU and memory plots)");

  cli::ExplainArgs explain;
  auto* explain_cmd = app.add_subcommand(
      "explain",
      "where a step's time goes, each exposed communication, and the changes that "
      "would help most (each predicted)");
  explain_cmd->add_option("scenario", explain.scenario_file,
                          "scenario JSON (default: scenarios/default.json)");
  explain_cmd->add_option("--set", explain.overrides, "override a field: PATH=VALUE")
      ->allow_extra_args(false);
  explain_cmd
      ->add_option("--suggestions", explain.suggestions, "how many changes to suggest (default 3)")
      ->check(CLI::Range(0, 100));
  explain_cmd
      ->add_option("--memory-headroom", explain.memory_headroom,
                   "fraction of GPU memory a suggestion keeps free (default 0.05)")
      ->check(CLI::Range(0.0, 0.95));
  explain_cmd->add_option("--format", explain.format, "table | json")
      ->check(CLI::IsMember({"table", "json"}));

  cli::ReportArgs report;
  auto* report_cmd = app.add_subcommand(
      "report",
      "one self-contained HTML page (opens offline): the step's timeline per GPU, the breakdown, "
      "memory per GPU, the communication table, a scaling plot and the explanation");
  report_cmd->add_option("scenario", report.scenario_file,
                         "scenario JSON (default: scenarios/default.json)");
  report_cmd->add_option("--set", report.overrides, "override a field: PATH=VALUE")
      ->allow_extra_args(false);
  report_cmd->add_option("-o,--output", report.output_file, "the HTML file to write")->required();

  cli::CompareArgs compare;
  auto* compare_cmd = app.add_subcommand(
      "compare",
      "two scenarios side by side, or one against itself with --set changes, and "
      "what the difference comes from");
  compare_cmd->add_option("scenarios", compare.scenario_files, "A.json [B.json]")->expected(0, 2);
  compare_cmd
      ->add_option("--set", compare.overrides,
                   "with one scenario: B is A with these (PATH=VALUE); with two: applied to both")
      ->allow_extra_args(false);
  compare_cmd->add_option("--format", compare.format, "table | json")
      ->check(CLI::IsMember({"table", "json"}));
  compare_cmd->add_option("--report", compare.report_file,
                          "also write an HTML page: both timelines on one time scale, both "
                          "steps' parts, the table");

  cli::PresetsArgs presets;
  auto* presets_cmd = app.add_subcommand(
      "presets", "list presets of a kind (models | gpus | nodes | networks), or show one");
  presets_cmd->add_option("kind", presets.kind,
                          "models | gpus | nodes | networks (none: list the kinds)");
  presets_cmd->add_option("name", presets.name, "a preset of that kind: print its fields");
  presets_cmd->add_option("--format", presets.format, "table | json")
      ->check(CLI::IsMember({"table", "json"}));

  cli::ValidateArgs validate;
  auto* validate_cmd = app.add_subcommand(
      "validate", "predict published measurements and report the error per record and group");
  validate_cmd
      ->add_option("records", validate.records_file,
                   "records JSON (format of tests/data/validation/published-dev.json)")
      ->required();
  validate_cmd->add_option("--format", validate.format, "table | json")
      ->check(CLI::IsMember({"table", "json"}));
  validate_cmd->add_option("--set", validate.overrides,
                           "override a field of every generated scenario: PATH=VALUE");
  validate_cmd
      ->add_option("--unstated", validate.unstated,
                   "auto (the default: the fastest setting that fits, as the people who ran the "
                   "job would tune it) | default (the frameworks' fixed defaults)")
      ->check(CLI::IsMember({"auto", "default"}));
  validate_cmd->add_option("--write-scenarios", validate.scenarios_dir,
                           "write each record's generated scenario to DIR/<id>.json (for predict)");

  cli::CollectiveArgs collective;
  auto* collective_cmd = app.add_subcommand(
      "collective", "simulate an nccl-tests sweep of one collective (nccl-tests' table layout)");
  collective_cmd->add_option("--op", collective.op,
                             "all_reduce | all_gather | reduce_scatter | broadcast | reduce | "
                             "all_to_all | send_recv");
  collective_cmd->add_option("--gpus", collective.gpus, "ranks in the communicator");
  collective_cmd->add_option("--cluster", collective.cluster, "node preset, e.g. dgx-h100");
  collective_cmd->add_option("--network", collective.network, "network preset between nodes");
  collective_cmd->add_option("--min-bytes,-b", collective.min_bytes, "smallest size (e.g. 8, 1M)");
  collective_cmd->add_option("--max-bytes,-e", collective.max_bytes, "largest size (e.g. 8G)");
  collective_cmd->add_option("--step-factor,-f", collective.step_factor, "size multiplier");
  collective_cmd->add_option("--dtype,-d", collective.dtype,
                             "float | half | bfloat16 | double | int8...");
  collective_cmd->add_option("--compare", collective.compare_log,
                             "an nccl-tests log: print the error per size against it");
  collective_cmd->add_option("--algorithm", collective.algorithm, "force: ring | tree | nvls ...");
  collective_cmd->add_option("--protocol", collective.protocol, "force: LL | LL128 | Simple");
  collective_cmd->add_flag("--collnet", collective.collnet,
                           "enable CollNet on a SHARP network (NCCL_COLLNET_ENABLE=1)");
  collective_cmd->add_option("--format", collective.format, "table | json")
      ->check(CLI::IsMember({"table", "json"}));
  collective_cmd
      ->add_option("--engine", collective.engine,
                   "analytic (NCCL's cost model) | flow (SimGrid flows on the cluster topology)")
      ->check(CLI::IsMember({"analytic", "flow"}));

  // A first word that is no command: name the nearest (CLI11 would only say that a command is
  // required).
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> commands;
    const auto all = [](const CLI::App*) { return true; };
    for (const CLI::App* command : static_cast<const CLI::App&>(app).get_subcommands(all))
      commands.push_back(command->get_name());
    const std::string word = argv[1];
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      const auto nearest = nearest_names(word, commands, 1);
      std::cerr << one_line(fmt::format(
                       "trainsim: unknown command '{}'; {}commands: {}", word,
                       nearest.empty() ? "" : fmt::format("did you mean '{}'? ", nearest.front()),
                       fmt::join(commands, ", ")))
                << "\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << fmt::format("trainsim: {}\n", one_line(e.what()));
    return 2;
  }
  try {
    if (*predict_cmd) return cli::run_predict(predict);
    if (*presets_cmd) return cli::run_presets(presets);
    search.spread = sweep.spread = spread;
    if (*search_cmd) return cli::run_search(search);
    if (*sweep_cmd) return cli::run_sweep(sweep);
    if (*validate_cmd) return cli::run_validate(validate);
    if (*explain_cmd) return cli::run_explain(explain);
    if (*compare_cmd) return cli::run_compare(compare);
    if (*report_cmd) return cli::run_report(report);
    if (*collective_cmd) return cli::run_collective(collective);
  } catch (const InputError& e) {
    std::cerr << fmt::format("trainsim: invalid input: {}\n", e.what());
    return 2;
  } catch (const InfeasibleError& e) {
    std::cerr << fmt::format("trainsim: infeasible: {}\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("trainsim: internal error (please report): {}\n", one_line(e.what()));
    return 1;
  }
  return 0;
}
