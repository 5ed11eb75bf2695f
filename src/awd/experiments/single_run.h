// One solution end to end: train it, analyse it, write its run directory.
// The CLI's train/analyze/run commands and the sweeps call these.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/duality/analysis.h"
#include "awd/train/trainer.h"

namespace awd::experiments {

/// Where and how loudly a run writes.
struct OutputOptions {
  std::string dir;          ///< the run directory
  bool force = false;       ///< replace a trained or finished run
  bool progress = true;     ///< epoch lines on stderr
  /// Entries of `dir` that are not the run's and stay when a run replaces
  /// another (a sweep's request.json and log.txt).
  std::vector<std::string> keep;
};

/// Thrown when training diverged; the run directory records it.
struct TrainingDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Trains the solution of `cfg` and writes the run directory (no analysis),
/// replacing an unfinished run there, or with out.force any run. Throws
/// TrainingDiverged after recording a diverged run.
train::TrainResult train_solution(const RunConfig& cfg, const OutputOptions& out);

/// Analyses the trained run in `run_dir` with `analysis` options and writes
/// the results into run_dir/`name` (emptied first); an empty analysis.layer
/// means the layer the run recorded (fc for a ResNet preset). Refuses data
/// files that changed since the training (store/data_check.h). Returns the
/// result and the table for stdout.
struct AnalysisOutput {
  duality::AnalysisResult result;
  std::string table;
  std::string dir;
};
/// std::runtime_error (one line) when the saved analysis failed a self-check
/// (duality::self_check_failure): its results stay, summary.json marks them.
void require_self_checks(const AnalysisOutput& out);

AnalysisOutput analyze_solution(const std::string& run_dir, const AnalysisConfig& analysis,
                                const std::string& name, bool force);

/// train_solution then analyze_solution into run_dir/analysis. A run that is
/// trained but not analysed (an interrupted `awd run`) with the same training
/// configuration is only analysed; without out.force an analysed run is
/// refused. With learners over several processes, only the process holding
/// learner 0 writes and analyses; the others return an empty AnalysisOutput.
AnalysisOutput run_solution(const RunConfig& cfg, const OutputOptions& out);

}  // namespace awd::experiments
