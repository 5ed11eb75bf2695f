// What a run directory says about its solution, read without LibTorch: is it
// analysed, did its training diverge, and the scalars of its analysis summary.
// The sweep (what is left to run), its report and the compare report read these.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace awd::store {

/// Creates `dir` and checks it is writable; removes the temporaries of dead
/// processes there. (What kind of folder it may be is folder_kind.h's.)
void prepare_output_dir(const std::string& dir);

/// The output folder of an analysis (`awd analyze --model/--features`, or one
/// written from Python): refuses a folder that is not an analysis' (another
/// kind, or files awd did not write, folder_kind.h) and, unless `force`, one
/// holding a finished analysis (summary.json); then marks it an analysis and
/// removes the files of the analysis it replaces, so that none of them (a
/// spectrum.csv the new analysis does not write) stays beside the new ones.
/// The user's files in it stay.
void prepare_analysis_dir(const std::string& dir, bool force);

// A run directory is always one run: config.json, written when the training
// starts, holds a fresh run id, and training.json and every analysis's
// summary.json repeat it. A result file whose id is not that of config.json
// (left by an interrupted replacement, or copied in) is never counted as
// finished. Runs of an awd before run ids carry none anywhere, and count.

/// A fresh run id: 16 hex digits from the operating system's random source.
std::string new_run_id();

/// The run id of a JSON document (config.json, training.json, summary.json):
/// nullopt when it is not an object (one that did not parse, parsed without
/// exceptions, is none), "" when it records none.
std::optional<std::string> recorded_run_id(const nlohmann::json& j);

/// RUN_DIR/training.json exists and belongs to the run of RUN_DIR/config.json.
bool training_finished(const std::string& run_dir);

/// RUN_DIR/NAME/summary.json exists and belongs to the run of RUN_DIR/config.json.
bool analysis_finished(const std::string& run_dir, const std::string& name = "analysis");
/// ANALYSIS_DIR/summary.json exists and carries `run_id` (that of a run's
/// config.json already read).
bool analysis_of_run(const std::string& analysis_dir, const std::string& run_id);

/// RUN_DIR/NAME holds a finished analysis of several layers of the run
/// (layers_record.h): its layers.json, and every layer it lists analysed for
/// this run (each layer's summary.json carries the run id).
bool layers_finished(const std::string& run_dir, const std::string& name = "analysis");

/// RUN_DIR/NAME holds a finished analysis of the run that passed its
/// self-checks (duality::self_check_failure).
bool analysis_passed(const std::string& run_dir, const std::string& name = "analysis");

/// What ANALYSIS_DIR/summary.json records as its failed self-check ("" when it
/// passed, records none, or cannot be read).
std::string recorded_self_check_failure(const std::string& analysis_dir);

/// Whether the run's own training.json records stop_reason "diverged" (a
/// missing, unreadable or foreign training.json counts as not diverged).
bool training_diverged(const std::string& run_dir);

/// A sweep's solution needs no more work: analysed and its self-checks passed,
/// or its training diverged. (One whose self-check failed is tried again by
/// each new worker, which fails it again at once: it stays a failed solution.)
bool solution_finished(const std::string& run_dir);

/// How far the run in a directory got.
enum class RunState {
  kEmpty,       ///< no folder, or nothing in it but `keep` entries and temporaries
  kUnfinished,  ///< config.json, but no training.json of its run
  kTrained,     ///< trained; no analysis of its run in RUN_DIR/analysis (of one layer or several)
  kDiverged,    ///< trained, and the training diverged
  kAnalysed,    ///< trained and analysed
};
/// The state of `dir`. Throws std::runtime_error, one line, when the folder
/// is not a run directory (folder_kind.h: another kind of awd folder, or a
/// folder holding anything but `keep` entries and no run): replacing a run
/// must not delete a folder of other files.
RunState run_state(const std::string& dir, const std::vector<std::string>& keep = {});

/// Removes what awd wrote in the run directory `dir` except config.json and
/// the `keep` entries (folder_kind.h: remove_awd_files): what a new run does
/// right after writing its config.json, so that nothing of the run it
/// replaces survives beside it. The user's files stay.
void clear_run_dir(const std::string& dir, const std::vector<std::string>& keep = {});

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
