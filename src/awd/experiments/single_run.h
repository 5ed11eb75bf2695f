// One solution end to end: train it, analyse it, write its run directory.
// The CLI's train/analyze/run commands and the sweeps call these.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/duality/analysis.h"
#include "awd/experiments/all_layers.h"
#include "awd/experiments/run_plan.h"
#include "awd/store/data_check.h"
#include "awd/store/run_dir.h"
#include "awd/train/trainer.h"

namespace awd::experiments {

/// Thrown when training diverged; the run directory records it.
struct TrainingDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Trains the solution of `cfg` and writes the run directory (no analysis),
/// replacing an unfinished run there, or with out.force any run (run_plan.h).
/// Data and --init-from paths are recorded absolute. Throws TrainingDiverged
/// after recording a diverged run.
train::TrainResult train_solution(const RunConfig& cfg, const OutputOptions& out);

/// Analyses the trained run in `run_dir` with `analysis` options and writes
/// the results into run_dir/`name` (what awd wrote there is removed first;
/// a name of the run's own files, or a folder that is not an analysis', is
/// refused); an empty analysis.layer means the layer the run recorded (fc for
/// a ResNet preset). Refuses data files that changed since the training
/// (store/data_check.h). Returns the result and the table for stdout.
struct AnalysisOutput {
  duality::AnalysisResult result;
  std::string table;
  std::string dir;
};
/// std::runtime_error (one line) when the saved analysis failed a self-check
/// (duality::self_check_failure): its results stay, summary.json marks them.
void require_self_checks(const AnalysisOutput& out);

/// With `snapshot` >= 0 the network analysed is the run's snapshot of that
/// epoch (store/snapshots.h; TrainConfig::analyze_every) instead of its final one.
AnalysisOutput analyze_solution(const std::string& run_dir, const AnalysisConfig& analysis,
                                const std::string& name, bool force, int64_t snapshot = -1);

/// The split of `model` at `layer` (the model is left unchanged), as every
/// analysis of an awd network of architecture `arch` sees it, during training
/// (the snapshots of TrainConfig::analyze_every) or after it.
std::unique_ptr<duality::LayerSplit> split_network(const models::Classifier& model, const models::DenseStage& layer,
                                                   Arch arch);

/// A trained run read back once for its analyses: config.json parsed once,
/// the data folder checked against the files it records, the network.
struct OpenedRun {
  store::SavedRun saved;
  RunConfig config;  ///< the run's configuration (what analyze_layer starts from)
  data::DataFolder folder;
};
/// Reads the run in `run_dir` and the data folder it names; with `snapshot`
/// >= 0 the network is the run's snapshot of that epoch (store/snapshots.h;
/// TrainConfig::analyze_every) instead of its final one. Refuses a diverged
/// run, data files that changed since the training (store/data_check.h).
OpenedRun open_run(const std::string& run_dir, int64_t snapshot = -1);
/// The same for a record and data folder already read, with `cfg` the
/// configuration in memory (the one just trained).
OpenedRun open_run(store::RunRecord record, RunConfig cfg, data::DataFolder folder, int64_t snapshot = -1);

/// Analyses `run` with `analysis` options into RUN_DIR/NAME, a path inside
/// the run that the caller has checked (a layer's folder inside an analysis
/// of several, all_layers.h); an empty analysis.layer means the layer the run
/// recorded, and it names one layer.
AnalysisOutput analyze_layer(const OpenedRun& run, const AnalysisConfig& analysis, const std::string& name, bool force);

/// analyze_layer on open_run(run_dir, snapshot).
AnalysisOutput analyze_solution_into(const std::string& run_dir, const AnalysisConfig& analysis,
                                     const std::string& folder, bool force, int64_t snapshot = -1);

/// train_solution then analyze_solution into run_dir/analysis. A run that is
/// trained but not analysed (an interrupted `awd run`) with the same training
/// configuration is only analysed; one analysed with the same options is
/// already finished (its table says so, nothing is done); run_plan.h says
/// what is refused. With out.expected, data or --init-from files that differ
/// from those the sweep recorded are refused, naming the file. With learners
/// over several processes, only the process holding learner 0 writes and
/// analyses; the others return an empty AnalysisOutput.
AnalysisOutput run_solution(const RunConfig& cfg, const OutputOptions& out);

/// run_solution for several layers (cfg.analysis.layer "all" or a list,
/// all_layers.h): the analysis step is analyze_solution_layers into
/// RUN_DIR/analysis, and a run whose layers are all analysed with the same
/// options is finished (note says so, nothing is done). run_solution refuses
/// such a layer request.
LayersOutput run_solution_layers(const RunConfig& cfg, const OutputOptions& out);

/// The inputs a sweep of `base` reads: the data files of base.data.path and
/// every NAME.npy of base.model.init_from, each with its size and CRC-32.
store::InputFiles read_inputs(const RunConfig& base);

}  // namespace awd::experiments
