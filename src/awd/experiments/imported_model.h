// A network awd did not train, analysed on its own data (SPEC §11): a
// TorchScript model (awd analyze --model).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/experiments/all_layers.h"
#include "awd/experiments/single_run.h"

namespace awd::experiments {

/// What `awd analyze --model MODEL.pt --layer NAME --data DIR -o OUT` analyses.
struct ImportedModel {
  std::string model_path;  ///< TorchScript with awd_features and awd_head (python/awd_export.py)
  std::string data_dir;    ///< a data folder with a training and a test split (.npy, IDX, CIFAR-10)
  std::string out_dir;
  int64_t n_test = 0;      ///< test samples, a seeded random subset (0 = all, in file order)
  uint64_t seed = 0;       ///< of that subset
  /// Per-channel normalisation (x - mean_c) / std_c of the inputs as fed to
  /// the model (dimension 1 of [N, C, ...]); empty = inputs as read.
  std::vector<double> mean, std;
  bool force = false;      ///< overwrite a finished analysis in out_dir
  /// Refuse, before the activities are computed, when the estimated peak
  /// memory exceeds this many bytes (0 = util::default_memory_limit()).
  int64_t max_memory = 0;
  bool progress = true;        ///< a progress line of the activities on stderr
  bool float64_activities = false;  ///< awd_features in float64 (ActivityPass::float32 false)
};

/// Analyses layer `analysis.layer` of the model on every training sample and
/// the chosen test samples, and writes out_dir/summary.json etc. (the files of
/// a run's analysis; the summary's config records the model file's path, size
/// and CRC-32 and the data files). `threads` as --threads (0 = all cores).
AnalysisOutput analyze_imported_model(const ImportedModel& model, const AnalysisConfig& analysis, int threads);

/// `awd analyze --model MODEL.pt --layer all|LIST`: each Linear layer the
/// request names that the model can be cut at (torchscript_split) analysed
/// as analyze_imported_model would, into OUT/LAYER, and OUT/layers.json
/// listing the others with the reason (analyze_layers_into). A list naming a
/// layer that cannot be cut is refused with the reason, before any analysis.
LayersOutput analyze_imported_layers(const ImportedModel& model, const AnalysisConfig& analysis, int threads);

}  // namespace awd::experiments
