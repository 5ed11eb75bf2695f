#include "awd/experiments/single_run.h"

#include <filesystem>
#include <optional>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/data/transforms.h"
#include "awd/distributed/exchange.h"
#include "awd/duality/sequential_split.h"
#include "awd/experiments/compare.h"
#include "awd/store/analysis_files.h"
#include "awd/store/run_dir.h"
#include "awd/store/run_status.h"
#include "awd/store/weights_folder.h"
#include "awd/models/classifier.h"
#include "awd/train/learners.h"
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

/// Plain SGD unless the run asks for several learners, another backend or the noise record.
bool plain_sgd(const LearnersConfig& l) { return l.count == 1 && l.backend == Backend::kLocal && l.noise_every == 0; }

train::TrainResult train_on(const RunConfig& cfg, const data::DataFolder& folder, const OutputOptions& out,
                            distributed::Exchange& exchange) {
  // Training multiplies small matrices: a second thread costs more in
  // synchronisation than it saves (measured: several times slower per epoch).
  util::set_threads(cfg.threads > 0 ? cfg.threads : 1);
  const auto subset = data::draw_subset(folder, cfg.data);
  const auto samples = data::normalized(data::materialize(folder, subset), cfg.data.mean, cfg.data.std);
  auto model = models::make_classifier(cfg.model, input_shape(folder.test), samples.num_classes, cfg.train.seed);
  std::vector<data::FileRecord> init_files;
  if (!cfg.model.init_from.empty()) init_files = store::read_weights_folder(cfg.model.init_from, *model);
  const bool writes = exchange.writes_outputs();
  const auto progress = out.progress && writes ? train::stderr_progress() : train::EpochCallback{};
  const auto result = plain_sgd(cfg.learners)
                          ? train::train_sgd(*model, samples, cfg.train, progress)
                          : train::train_learners(*model, samples, cfg.train, cfg.learners, cfg.analysis.layer,
                                                  exchange, progress);
  if (!writes) return result;  // the process holding learner 0 writes the run directory
  store::save_run(out.dir, cfg, folder, subset, *model, result, init_files);
  if (result.stop_reason == StopReason::kDiverged)
    throw TrainingDiverged("training diverged at epoch " + std::to_string(result.epochs) +
                           " (non-finite loss); recorded in " + out.dir + "/training.json");
  return result;
}

AnalysisOutput analyze_on(const std::string& run_dir, RunConfig cfg, const data::DataFolder& folder,
                          const std::string& name, bool force) {
  const auto& analysis = cfg.analysis;
  const auto run = store::load_run(run_dir, folder);
  if (run.training.stop_reason == StopReason::kDiverged)
    throw std::runtime_error(run_dir + ": training diverged; there is no solution to analyse");
  AnalysisOutput out;
  out.dir = (fs::path(run_dir) / name).string();
  store::prepare_output_dir(out.dir, kAnalysed, force);
  const auto samples = data::normalized(data::materialize(folder, run.subset), cfg.data.mean, cfg.data.std);
  util::set_threads(cfg.threads);  // large GEMMs and the eigensolver use every core
  // The analysis works on a float64 copy of the saved model, cut open at the
  // layer. The large networks' activities run once through a float32 copy in
  // batches (their convolutions cost the most; SPEC §9); the MLP and CNN keep
  // the exact float64 path.
  std::optional<duality::ActivityPass> pass;
  if (cfg.model.arch == Arch::kResnet18 || cfg.model.arch == Arch::kDensenet121) pass = duality::ActivityPass{256};
  const auto split = duality::sequential_split(*run.model, analysis.layer, pass);
  out.result = duality::analyze(*split, samples, analysis);
  store::save_analysis(out.dir, cfg, run.subset, run.training, out.result);
  out.table = store::summary_table(run.training, out.result);
  require_self_checks(out);
  return out;
}

/// Checks the output folder before any data is read; only the writing process touches it.
void prepare_training(const OutputOptions& out, const distributed::Exchange& exchange) {
  if (!exchange.writes_outputs()) return;
  store::prepare_output_dir(out.dir, kFinished, out.force);
  // A forced re-run must not leave the old finish marker beside new partial files.
  fs::remove(fs::path(out.dir) / kFinished);
}

/// validate() and, for several learners, that their batches fit the training set: before any folder is made.
void check_before_training(const RunConfig& cfg) {
  validate(cfg);
  if (cfg.learners.count > 1) check_learners_fit(cfg);
}

/// The analysed layer exists in the network of `cfg`, is dense, and takes the
/// analysis asked for (basis rank below its size): checked on an untrained
/// copy before training, not after it.
void check_layer(const RunConfig& cfg, const data::DataFolder& folder) {
  const auto model = models::make_classifier(cfg.model, input_shape(folder.test), folder.train.num_classes, 0);
  duality::effective_basis_rank(model->dense_layer(cfg.analysis.layer)->weight.numel(), cfg.analysis);
}

}  // namespace

void require_self_checks(const AnalysisOutput& out) {
  if (const auto failure = duality::self_check_failure(out.result); !failure.empty())
    throw std::runtime_error(out.dir + ": self-check failed: " + failure + " (results kept, marked in summary.json)");
}

train::TrainResult train_solution(const RunConfig& cfg, const OutputOptions& out) {
  check_before_training(cfg);
  const auto folder = data::load_folder(cfg.data.path);
  if (cfg.learners.noise_every > 0) check_layer(cfg, folder);  // the noise record reads the layer's Hessian
  const auto exchange = distributed::make_exchange(cfg.learners);
  prepare_training(out, *exchange);
  return train_on(cfg, folder, out, *exchange);
}

AnalysisOutput analyze_solution(const std::string& run_dir, const AnalysisConfig& analysis, const std::string& name,
                                bool force) {
  // The analysis folder is RUN_DIR/NAME: a plain name, never a path out of the run.
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw std::invalid_argument("--name must be a plain folder name inside the run directory, not '" + name + "'");
  auto cfg = store::load_run_config(run_dir);
  const auto layer = analysis.layer.empty() ? cfg.analysis.layer : analysis.layer;
  cfg.analysis = analysis;
  cfg.analysis.layer = layer;
  validate(cfg);
  return analyze_on(run_dir, cfg, data::load_folder(cfg.data.path), name, force);
}

AnalysisOutput run_solution(const RunConfig& cfg, const OutputOptions& out) {
  // Refuse early rather than after training.
  check_before_training(cfg);
  const auto folder = data::load_folder(cfg.data.path);
  check_layer(cfg, folder);
  const auto exchange = distributed::make_exchange(cfg.learners);
  if (exchange->writes_outputs() && !out.force && fs::exists(fs::path(out.dir) / "analysis" / kAnalysed))
    throw std::runtime_error(out.dir + ": already holds a finished run (analysis/summary.json); use --force to overwrite");
  prepare_training(out, *exchange);
  train_on(cfg, folder, out, *exchange);
  if (!exchange->writes_outputs()) return {};
  // The analysis reads the saved model back: what is analysed is what was saved.
  return analyze_on(out.dir, cfg, folder, "analysis", true);
}

}  // namespace awd::experiments
