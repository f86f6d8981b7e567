#pragma once
// `trainsim validate` on comparison sets (ranking-dev.json's format): does trainsim rank the
// strategies of one model on one cluster as their measurements do? Per set: Kendall's tau-b
// between predicted and measured step times, the regret of the strategy predicted fastest (how
// much slower it measured than the measured best), each record's error, and, where a set records
// runs that ran out of memory, whether the memory model agrees.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/error_stats.hpp"

namespace trainsim {

struct RankedRecord {
  std::string id;
  std::string framework;      // training.framework of the scenario it became
  bool measured_oom = false;  // the run failed for memory (no time)
  double measured_s = 0;      // when it ran
  double predicted_s = 0;
  bool predicted_fits = true;
  double error = 0;                 // relative_error(predicted_s, measured_s) when it ran
  double predicted_peak_bytes = 0;  // the memory model's peak on the worst GPU
  std::optional<double> measured_memory_bytes;  // what the run reported, where it did
  // relative_error(predicted_peak_bytes, measured_memory_bytes) where the run reported memory.
  std::optional<double> memory_error;
  std::vector<std::string> assumptions;
};

struct RankedSet {
  std::string id;
  std::vector<RankedRecord> records;
  std::vector<std::pair<std::string, std::string>> skipped;  // record id, reason
  std::optional<double> kendall_tau;  // over the records that ran; nullopt below two
  // measured time of the strategy predicted fastest (among those that ran and are predicted to
  // fit) over the measured best, minus one; nullopt below two runs or without such a strategy.
  std::optional<double> regret;
  std::string predicted_best, measured_best;
  int memory_agreements = 0, memory_records = 0;  // runs whose fit the model predicts rightly
  // Mean relative error of the predicted peak against the memory runs reported; nullopt when
  // none did.
  std::optional<double> memory_error;
};

struct RankingReport {
  std::vector<RankedSet> sets;
  std::vector<std::pair<std::string, std::string>> skipped_sets;  // set id, reason
  std::optional<double> mean_kendall_tau, mean_regret;
  std::optional<double> mean_memory_error;  // over every record that reported its memory
  int memory_agreements = 0, memory_records = 0;
  // The step-time error of the records that ran, by their scenarios' training.framework.
  std::map<std::string, ErrorStats> frameworks;
};

// Whether `file`'s JSON is a comparison-set file (an object with "sets") rather than records.
bool is_ranking_file(const std::filesystem::path& file);

// Throws InputError naming the file when it is unreadable or not a comparison-set file.
RankingReport rank_sets(const std::filesystem::path& file);

}  // namespace trainsim
