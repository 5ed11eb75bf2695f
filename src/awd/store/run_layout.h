// Where things are in a run directory and in an analysis folder: the one place
// that knows the file names, so that a reader and a writer can never disagree.
//
//   RUN_DIR/config.json     the configuration and the run id (written when training starts)
//   RUN_DIR/training.json   how the training ended
//   RUN_DIR/analysis/       the analysis of `awd run` (RUN_DIR/NAME/ for `awd analyze --name NAME`)
//   ANALYSIS/summary.json   every scalar of an analysis, written last
//   ANALYSIS/TABLE.csv      directions, pairs, coverage, flatness, spectrum (analysis_files.h)
#pragma once
#include <string>

namespace awd::store {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kTrainingFile = "training.json";
inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kRunAnalysis = "analysis";  ///< the analysis folder of `awd run`

/// RUN_DIR/config.json
std::string config_file(const std::string& run_dir);
/// RUN_DIR/training.json
std::string training_file(const std::string& run_dir);
/// RUN_DIR/NAME: an analysis of the run (`awd run`'s by default).
std::string analysis_dir(const std::string& run_dir, const std::string& name = kRunAnalysis);
/// ANALYSIS_DIR/summary.json
std::string summary_file(const std::string& analysis_dir);
/// ANALYSIS_DIR/TABLE.csv (directions, pairs, coverage, flatness, spectrum)
std::string table_file(const std::string& analysis_dir, const std::string& table);

}  // namespace awd::store
