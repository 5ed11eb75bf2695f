#include "awd/experiments/single_run.h"

#include <filesystem>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/io/run_dir.h"
#include "awd/models/classifier.h"
#include "awd/util/threads.h"

namespace fs = std::filesystem;

namespace awd::experiments {
namespace {
constexpr const char* kFinished = "training.json";
constexpr const char* kAnalysed = "summary.json";

std::vector<int64_t> input_shape(const data::Dataset& ds) {
  auto shape = ds.images.sizes().vec();
  shape.erase(shape.begin());
  return shape;
}

train::TrainResult train_on(const RunConfig& cfg, const data::DataFolder& folder, const OutputOptions& out) {
  // Training multiplies small matrices: a second thread costs more in
  // synchronisation than it saves (measured: several times slower per epoch).
  util::set_threads(cfg.threads > 0 ? cfg.threads : 1);
  const auto subset = data::draw_subset(folder, cfg.data);
  const auto samples = data::materialize(folder, subset);
  auto model = models::make_classifier(cfg.model, input_shape(folder.test), samples.num_classes, cfg.train.seed);
  const auto result = train::train_sgd(*model, samples, cfg.train,
                                       out.progress ? train::stderr_progress() : train::EpochCallback{});
  io::save_run(out.dir, cfg, folder, subset, *model, result);
  if (result.stop_reason == "diverged")
    throw TrainingDiverged("training diverged at epoch " + std::to_string(result.epochs) +
                           " (non-finite loss); recorded in " + out.dir + "/training.json");
  return result;
}

AnalysisOutput analyze_on(const std::string& run_dir, RunConfig cfg, const data::DataFolder& folder,
                          const std::string& name, bool force) {
  const auto& analysis = cfg.analysis;
  const auto run = io::load_run(run_dir, folder);
  if (run.training.stop_reason == "diverged")
    throw std::runtime_error(run_dir + ": training diverged; there is no solution to analyse");
  AnalysisOutput out;
  out.dir = (fs::path(run_dir) / name).string();
  io::prepare_output_dir(out.dir, kAnalysed, force);
  const auto samples = data::materialize(folder, run.subset);
  util::set_threads(cfg.threads);  // large GEMMs and the eigensolver use every core
  out.result = duality::analyze(*run.model, samples, analysis);
  io::save_analysis(out.dir, cfg, run.subset, run.training, out.result);
  out.table = io::summary_table(run.training, out.result);
  return out;
}

/// Checks the options and the output folder before any data is read.
void prepare_training(const RunConfig& cfg, const OutputOptions& out) {
  validate(cfg);
  io::prepare_output_dir(out.dir, kFinished, out.force);
  // A forced re-run must not leave the old finish marker beside new partial files.
  fs::remove(fs::path(out.dir) / kFinished);
}

}  // namespace

train::TrainResult train_solution(const RunConfig& cfg, const OutputOptions& out) {
  prepare_training(cfg, out);
  return train_on(cfg, data::load_folder(cfg.data.path), out);
}

AnalysisOutput analyze_solution(const std::string& run_dir, const AnalysisConfig& analysis, const std::string& name,
                                bool force) {
  auto cfg = io::load_run_config(run_dir);
  cfg.analysis = analysis;
  validate(cfg);
  return analyze_on(run_dir, cfg, data::load_folder(cfg.data.path), name, force);
}

AnalysisOutput run_solution(const RunConfig& cfg, const OutputOptions& out) {
  // Refuse early rather than after training.
  if (!out.force && fs::exists(fs::path(out.dir) / "analysis" / kAnalysed))
    throw std::runtime_error(out.dir + ": already holds a finished run (analysis/summary.json); use --force to overwrite");
  prepare_training(cfg, out);
  const auto folder = data::load_folder(cfg.data.path);
  train_on(cfg, folder, out);
  // The analysis reads the saved model back: what is analysed is what was saved.
  return analyze_on(out.dir, cfg, folder, "analysis", true);
}

}  // namespace awd::experiments
