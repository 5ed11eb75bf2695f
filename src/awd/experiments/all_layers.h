// Several dense layers of one solution analysed at once (`--layer all`, or a
// list `--layer fc1,fc3`; of a run by `awd analyze RUN_DIR` and `awd run`, of
// a TorchScript model by `awd analyze --model`, imported_model.h): one
// analysis folder per layer inside the analysis folder, each exactly what
// `awd analyze --layer LAYER` writes (dense or top-k chosen by the layer's own
// size, basis_choice.h), and the record of which
// layers were analysed and which were left out with the reason
// (store/layers_record.h). The table and figure over the layers are
// report/layers_report.h's, drawn from these files.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/store/layers_record.h"

namespace awd::experiments {

/// Whether a --layer value names several layers: "all", or a comma-separated list.
bool names_several_layers(const std::string& layer);

/// The layers `request` names among `candidates` (in the network's order):
/// for "all", every candidate without a reason, the others skipped with
/// theirs; for a list, its names in its order. std::invalid_argument, one
/// line naming --layer, for an empty or repeated name, a name that is no
/// candidate (listing them), a listed layer that cannot be analysed (its
/// reason), and for "all" when no layer can be.
struct LayerSelection {
  std::vector<std::string> analysed;
  std::vector<store::LayerCandidate> skipped;
};
LayerSelection select_layers(const std::string& request, const std::vector<store::LayerCandidate>& candidates);

/// The selection cfg.analysis.layer makes among the dense layers of cfg's
/// network for inputs of `input_shape` (one sample's) and `num_classes`: each
/// layer checked against cfg.analysis (a basis rank or n_s beyond its N) on
/// an untrained copy, so that a request is refused before any training.
LayerSelection select_network_layers(const RunConfig& cfg, const std::vector<int64_t>& input_shape,
                                     int64_t num_classes);

/// What an analysis of several layers wrote.
struct LayersOutput {
  std::string dir;                    ///< the analysis folder (layers.json, one folder per layer)
  store::LayersRecord record;
  std::vector<std::string> failures;  ///< one line per layer whose self-check failed (its results kept)
  std::string note;                   ///< "already finished: ..." when `awd run` had nothing left to do
  std::string training;               ///< the run's training line (store/analysis_text.h); "" for a model's
};

/// Analyses the layers `analysis.layer` names of the trained run in `run_dir`
/// into RUN_DIR/NAME/LAYER (analyze_solution_into), after clearing what awd
/// wrote in RUN_DIR/NAME; refuses a folder that already holds such an
/// analysis unless `force`. A layer whose self-check fails is listed in
/// failures and the others still run; any other error stops at once.
LayersOutput analyze_solution_layers(const std::string& run_dir, const AnalysisConfig& analysis,
                                     const std::string& name, bool force);
/// The same on a run already opened (single_run.h), into RUN_DIR/NAME.
struct OpenedRun;
LayersOutput analyze_run_layers(const OpenedRun& run, const AnalysisConfig& analysis, const std::string& name,
                                bool force);

/// What every analysis of several layers shares, whatever the network (a run's,
/// a TorchScript model's): checks and clears the analysis folder `dir`
/// (refused unless `force` when it holds an analysis of several layers, or
/// `holds_analysis`: one of a single layer), calls analyse_one(layer, folder)
/// for each layer of `selection` with its folder DIR/LAYER, then writes
/// DIR/layers.json with `config`. A layer whose analysis throws
/// std::runtime_error after writing its summary.json (a failed self-check)
/// is listed in failures; any other error stops at once.
using AnalyseLayer = std::function<void(const std::string& layer, const std::string& folder)>;
LayersOutput analyze_layers_into(const std::string& dir, const LayerSelection& selection, const AnalysisConfig& analysis,
                                 const nlohmann::json& config, bool holds_analysis, bool force,
                                 const AnalyseLayer& analyse_one);

}  // namespace awd::experiments
