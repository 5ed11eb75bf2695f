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

/// The output folder of `awd analyze --model/--features`: prepare_output_dir
/// with summary.json as the marker, and an analysis replaced with `force` is
/// removed first, so that none of its files (a spectrum.csv the new analysis
/// does not write) stays beside the new ones.
void prepare_analysis_dir(const std::string& dir, bool force);

// A run directory is always one run: config.json, written when the training
// starts, holds a fresh run id, and training.json and every analysis's
// summary.json repeat it. A result file whose id is not that of config.json
// (left by an interrupted replacement, or copied in) is never counted as
// finished. Runs of an awd before run ids carry none anywhere, and count.

/// A fresh run id: 16 hex digits from the operating system's random source.
std::string new_run_id();

/// RUN_DIR/analysis/summary.json: written last by the analysis of `awd run`.
std::string summary_path(const std::string& run_dir);

/// RUN_DIR/training.json exists and belongs to the run of RUN_DIR/config.json.
bool training_finished(const std::string& run_dir);

/// RUN_DIR/NAME/summary.json exists and belongs to the run of RUN_DIR/config.json.
bool analysis_finished(const std::string& run_dir, const std::string& name = "analysis");

/// Whether the run's own training.json records stop_reason "diverged" (a
/// missing, unreadable or foreign training.json counts as not diverged).
bool training_diverged(const std::string& run_dir);

/// A sweep's solution needs no more work: analysed, or its training diverged.
bool solution_finished(const std::string& run_dir);

/// How far the run in a directory got.
enum class RunState {
  kEmpty,       ///< no folder, or nothing in it but `keep` entries and temporaries
  kUnfinished,  ///< config.json, but no training.json of its run
  kTrained,     ///< trained; no analysis of its run in RUN_DIR/analysis
  kDiverged,    ///< trained, and the training diverged
  kAnalysed,    ///< trained and analysed
};
/// The state of `dir`. Throws std::runtime_error ("DIR: not a run directory
/// (holds NAME) ...") when the folder holds anything but `keep` entries and
/// no config.json: replacing a run must not delete a folder of other files.
RunState run_state(const std::string& dir, const std::vector<std::string>& keep = {});

/// Removes everything in `dir` except config.json and the `keep` entries: what
/// a new run does right after writing its config.json, so that nothing of the
/// run it replaces survives beside it.
void clear_run_dir(const std::string& dir, const std::vector<std::string>& keep = {});

/// Removes everything in `dir` (an analysis folder about to be rewritten).
void clear_folder(const std::string& dir);

/// The numbers `keys` of RUN_DIR/analysis/summary.json, in that order; an
/// error naming the file and the key ("PATH: no number 'KEY'") when one is
/// missing or not a number.
std::vector<double> read_summary_metrics(const std::string& run_dir, const std::vector<std::string>& keys);

/// The numbers `keys` of ANALYSIS_DIR/summary.json (an analysis folder as
/// `awd run` or `awd analyze` writes it), in that order; "PATH: no summary.json
/// (not an analysis folder)" when it is missing, and the errors of
/// read_summary_metrics otherwise.
std::vector<double> read_analysis_metrics(const std::string& analysis_dir, const std::vector<std::string>& keys);

/// The number at `pointer` (a JSON pointer, such as "/top_k/remainder/dL") of
/// ANALYSIS_DIR/summary.json, or `fallback` when the summary has none there
/// (a dense analysis has no top_k); the errors of read_analysis_metrics for a
/// missing or corrupt file, and "PATH: POINTER is not a number" for another value.
double read_analysis_number_or(const std::string& analysis_dir, const std::string& pointer, double fallback);

/// The epochs summary.json records for the training (training.epochs), NaN when it records none.
double read_summary_epochs(const std::string& run_dir);

}  // namespace awd::store
