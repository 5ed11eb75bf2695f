// What a run directory says about its solution, read without LibTorch: is it
// analysed, did its training diverge, and the scalars of its analysis summary.
// The sweep (what is left to run), its report and the compare report read these.
#pragma once
#include <string>
#include <vector>

namespace awd::store {

/// Creates `dir`; refuses a folder holding a finished run (its `marker` file)
/// unless `force`, and a folder that is not writable.
void prepare_output_dir(const std::string& dir, const std::string& marker, bool force);

/// RUN_DIR/analysis/summary.json: written last by the analysis of `awd run`.
std::string summary_path(const std::string& run_dir);

/// Whether the run has an analysis (RUN_DIR/analysis/summary.json exists).
bool analysis_finished(const std::string& run_dir);

/// Whether RUN_DIR/training.json records stop_reason "diverged" (a missing or
/// unreadable training.json counts as not diverged).
bool training_diverged(const std::string& run_dir);

/// A sweep's solution needs no more work: analysed, or its training diverged.
bool solution_finished(const std::string& run_dir);

/// The numbers `keys` of RUN_DIR/analysis/summary.json, in that order; an
/// error naming the file and the key ("PATH: no number 'KEY'") when one is
/// missing or not a number.
std::vector<double> read_summary_metrics(const std::string& run_dir, const std::vector<std::string>& keys);

/// The numbers `keys` of ANALYSIS_DIR/summary.json (an analysis folder as
/// `awd run` or `awd analyze` writes it), in that order; "PATH: no summary.json
/// (not an analysis folder)" when it is missing, and the errors of
/// read_summary_metrics otherwise.
std::vector<double> read_analysis_metrics(const std::string& analysis_dir, const std::vector<std::string>& keys);

/// The epochs summary.json records for the training (training.epochs), NaN when it records none.
double read_summary_epochs(const std::string& run_dir);

}  // namespace awd::store
