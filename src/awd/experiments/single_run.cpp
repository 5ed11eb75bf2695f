#include "awd/experiments/single_run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/data/transforms.h"
#include "awd/distributed/exchange.h"
#include "awd/duality/sequential_split.h"
#include "awd/experiments/all_layers.h"
#include "awd/experiments/compare.h"
#include "awd/experiments/output_guard.h"
#include "awd/experiments/run_plan.h"
#include "awd/experiments/trajectory.h"
#include "awd/models/classifier.h"
#include "awd/store/analysis_files.h"
#include "awd/store/analysis_text.h"
#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_dir.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"
#include "awd/store/snapshots.h"
#include "awd/store/weights_folder.h"
#include "awd/train/learners.h"
#include "awd/util/memory.h"
#include "awd/util/threads.h"

namespace fs = std::filesystem;

namespace awd::experiments {
namespace {

/// Plain SGD unless the run asks for several learners, another backend or the noise record.
bool plain_sgd(const LearnersConfig& l) { return l.count == 1 && l.backend == Backend::kLocal && l.noise_every == 0; }

int training_threads(const RunConfig& cfg) { return cfg.threads > 0 ? cfg.threads : 1; }

/// `layer`: the analysed layer, for the noise record and the snapshots (none when neither is on).
train::TrainResult train_on(const RunConfig& cfg, const data::DataFolder& folder,
                            const std::optional<models::DenseStage>& layer, const OutputOptions& out,
                            distributed::Exchange& exchange) {
  // Training multiplies small matrices: a second thread costs more in
  // synchronisation than it saves (measured: several times slower per epoch).
  util::set_threads(training_threads(cfg));
  const auto subset = data::draw_subset(folder, cfg.data);
  const auto samples = data::normalized(data::materialize(folder, subset), cfg.data.mean, cfg.data.std);
  auto model = models::make_classifier(cfg.model, folder.test.sample_shape(), samples.num_classes, cfg.train.seed);
  std::vector<data::FileRecord> init_files;
  if (!cfg.model.init_from.empty()) init_files = store::read_weights_folder(cfg.model.init_from, *model);
  const bool writes = exchange.writes_outputs();
  // From here the folder holds this run, unfinished, and nothing of the one it replaces.
  const auto run_id = writes ? store::begin_run(out.dir, cfg, folder, subset, init_files, out.keep) : "";
  auto progress = out.progress && writes ? train::stderr_progress() : train::EpochCallback{};
  // The snapshots are of `model`: with several learners it holds their mean
  // weights at the end of every epoch. Only the writing process analyses them;
  // the others wait for it before the next epoch's first collective.
  std::optional<Trajectory> trajectory;
  if (cfg.train.analyze_every > 0) {
    if (writes) {
      trajectory.emplace(out.dir, run_id, cfg, layer.value(), subset, samples, training_threads(cfg), out.progress);
      trajectory->take(*model, training_so_far(train::EpochRecord{0, false}));
    }
    exchange.wait_for_writer(store::epoch_folder(0));
    progress = [&trajectory, &model, &exchange, print = progress](const train::EpochRecord& r, const TrainConfig& c) {
      if (print) print(r, c);
      if (r.epoch % c.analyze_every != 0) return;
      const double loss = r.evaluated ? r.train_loss : r.minibatch_loss;
      if (trajectory && std::isfinite(loss)) trajectory->take(*model, training_so_far(r));
      exchange.wait_for_writer(store::epoch_folder(r.epoch));
    };
  }
  const auto result = plain_sgd(cfg.learners)
                          ? train::train_sgd(*model, samples, cfg.train, progress)
                          : train::train_learners(*model, samples, cfg.train, cfg.learners, layer, exchange, progress);
  if (!writes) return result;  // the process holding learner 0 writes the run directory
  store::save_trained(out.dir, run_id, *model, result);
  if (trajectory && result.stop_reason != StopReason::kDiverged) trajectory->finish(*model, result);
  if (result.stop_reason == StopReason::kDiverged)
    throw TrainingDiverged("training diverged at epoch " + std::to_string(result.epochs) +
                           " (non-finite loss); recorded in " + out.dir + "/training.json");
  return result;
}

/// The files a data folder was read from.
std::vector<data::FileRecord> files_of(const data::DataFolder& folder) {
  auto files = folder.train.files;
  files.insert(files.end(), folder.test.files.begin(), folder.test.files.end());
  return files;
}

/// The data folder read now is the one the run was trained on: the same files, unchanged.
void require_same_data(const store::RunRecord& run, const data::DataFolder& folder) {
  const auto files = files_of(folder);
  const auto record = store::config_file(run.dir);
  store::require_recorded(run.data_files, record, files);
  store::DataFileCheck check;
  check.know(files);
  check.verify(run.data_files, record, "the run was trained");
}

/// Creates the output folder and checks it is writable, before any data is read.
void prepare_training(const OutputOptions& out, const distributed::Exchange& exchange) {
  if (exchange.writes_outputs()) store::prepare_output_dir(out.dir);
}

/// The training set of `cfg` can serve its batches: a batch (n learners x b)
/// no larger than the training set. Draws the subset (it also refuses an M or
/// n_test the data cannot give) before any folder is made.
void check_batches(const RunConfig& cfg, const data::DataFolder& folder) {
  check_learners_fit(cfg, static_cast<int64_t>(data::draw_subset(folder, cfg.data).train_indices.size()));
}

/// The training's memory, estimated before the network is first built: per
/// learner, weights, gradients, the momentum buffer and a working copy in
/// float32. A network far too large is refused in one line instead of
/// failing inside LibTorch's allocator (or swapping for hours).
void check_training_memory(const RunConfig& cfg, const data::DataFolder& folder) {
  const double params = models::parameter_estimate(cfg.model, folder.test.sample_shape(), folder.test.num_classes);
  const double bytes = params * 4.0 * 4.0 * double(std::max<int64_t>(1, cfg.learners.count));
  const auto limit = util::default_memory_limit();
  if (limit > 0 && bytes > double(limit)) {
    char count[32];
    std::snprintf(count, sizeof count, "%.3g", params);
    throw std::runtime_error(std::string("the network has about ") + count + " parameters: training needs about " +
                             util::format_bytes(bytes) + ", more than the " + util::format_bytes(double(limit)) +
                             " this machine can give (see --hidden, --width)");
  }
}

/// The analysed layer exists in the network of `cfg`, is dense, and takes the
/// analysis asked for (basis rank below its size): checked on an untrained
/// copy before training, not after it. Returns the layer, found once (none
/// when cfg.analysis.layer names several: each is checked).
std::optional<models::DenseStage> check_layer(const RunConfig& cfg, const data::DataFolder& folder) {
  if (names_several_layers(cfg.analysis.layer)) {
    // The noise record and the snapshots follow one layer along training.
    if (cfg.learners.noise_every > 0)
      throw std::invalid_argument("--noise-every records one layer's noise; --layer " + cfg.analysis.layer +
                                  " names several");
    if (cfg.train.analyze_every > 0)
      throw std::invalid_argument("--analyze-every analyses one layer along training; --layer " + cfg.analysis.layer +
                                  " names several");
    select_network_layers(cfg, folder.test.sample_shape(), folder.test.num_classes);
    return std::nullopt;
  }
  const auto model = models::make_classifier(cfg.model, folder.test.sample_shape(), folder.test.num_classes, 0);
  const auto layer = model->find_dense(cfg.analysis.layer);
  duality::effective_basis_rank(model->dense_layer(layer)->weight.numel(), cfg.analysis);
  return layer;
}

/// The snapshots of --analyze-every are analysed as they are: a network with
/// BatchNorm only has its statistics recomputed at evaluated epochs, so its
/// snapshots must fall on them.
void check_snapshots(const RunConfig& cfg) {
  const bool batchnorm = cfg.model.arch == Arch::kResnet18 || cfg.model.arch == Arch::kDensenet121;
  const int64_t every = cfg.train.eval_every > 0 ? cfg.train.eval_every : train::kBatchNormEvalEvery;
  if (cfg.train.analyze_every > 0 && batchnorm && cfg.train.analyze_every % every != 0)
    throw std::invalid_argument("--analyze-every " + std::to_string(cfg.train.analyze_every) +
                                " must be a multiple of the evaluation interval " + std::to_string(every) +
                                " (--eval-every): a BatchNorm network's snapshots need its recomputed statistics");
}

}  // namespace

std::unique_ptr<duality::LayerSplit> split_network(const models::Classifier& model, const models::DenseStage& layer,
                                                   Arch arch) {
  // The analysis works on a float64 copy of the model, cut open at the
  // layer. The large networks' activities run once through a float32 copy in
  // batches (their convolutions cost the most; SPEC §9); the MLP and CNN keep
  // the exact float64 path.
  std::optional<duality::ActivityPass> pass;
  if (arch == Arch::kResnet18 || arch == Arch::kDensenet121) pass = duality::ActivityPass{256};
  return duality::sequential_split(model, layer, pass);
}

void require_self_checks(const AnalysisOutput& out) {
  if (const auto failure = duality::self_check_failure(out.result); !failure.empty())
    throw std::runtime_error(out.dir + ": self-check failed: " + failure + " (results kept, marked in summary.json)");
}

train::TrainResult train_solution(const RunConfig& cfg_in, const OutputOptions& out) {
  auto cfg = cfg_in;
  make_paths_absolute(cfg);
  validate(cfg);
  const auto folder = data::load_folder(cfg.data.path);
  if (out.expected) store::verify_sweep_inputs(out.expected->files, out.expected->record, files_of(folder));
  check_batches(cfg, folder);
  check_training_memory(cfg, folder);
  // The noise record reads the layer's Hessian, the snapshots analyse the layer.
  std::optional<models::DenseStage> layer;
  if (cfg.learners.noise_every > 0 || cfg.train.analyze_every > 0) layer = check_layer(cfg, folder);
  check_snapshots(cfg);
  plan_run(cfg, out, false, files_of(folder));
  const auto exchange = distributed::make_exchange(cfg.learners);
  // Refused --init-from weights leave no empty folder (only the writing process makes it).
  OutputGuard guard(exchange->writes_outputs() ? out.dir : "");
  prepare_training(out, *exchange);
  auto result = train_on(cfg, folder, layer, out, *exchange);
  guard.dismiss();
  return result;
}

AnalysisOutput analyze_solution(const std::string& run_dir, const AnalysisConfig& analysis, const std::string& name,
                                bool force, int64_t snapshot) {
  // The analysis folder is RUN_DIR/NAME: a plain name, never a path out of the run nor one of its files.
  store::check_analysis_name(name);
  return analyze_solution_into(run_dir, analysis, name, force, snapshot);
}

OpenedRun open_run(const std::string& run_dir, int64_t snapshot) {
  auto record = store::read_run_record(run_dir);
  auto folder = data::load_folder(record.config.data.path);
  auto cfg = record.config;
  return open_run(std::move(record), std::move(cfg), std::move(folder), snapshot);
}

OpenedRun open_run(store::RunRecord record, RunConfig cfg, data::DataFolder folder, int64_t snapshot) {
  require_same_data(record, folder);
  OpenedRun run{store::load_run(std::move(record), folder), std::move(cfg), std::move(folder)};
  if (snapshot >= 0) {
    store::load_snapshot(run.saved.record.dir, snapshot, *run.saved.model);
    run.saved.training = training_so_far(train::EpochRecord{snapshot, false});
  } else if (run.saved.training.stop_reason == StopReason::kDiverged) {
    throw std::runtime_error(run.saved.record.dir + ": training diverged; there is no solution to analyse");
  }
  return run;
}

AnalysisOutput analyze_layer(const OpenedRun& run, const AnalysisConfig& analysis, const std::string& name,
                             bool force) {
  const auto& run_dir = run.saved.record.dir;
  auto cfg = run.config;
  const auto layer = analysis.layer.empty() ? cfg.analysis.layer : analysis.layer;
  cfg.analysis = analysis;
  cfg.analysis.layer = layer;
  if (names_several_layers(layer))
    throw std::invalid_argument(run_dir + ": the run analyses several layers (--layer " + layer + "); give --layer " +
                                layer + " or one layer");
  validate(cfg);
  AnalysisOutput out;
  out.dir = (fs::path(run_dir) / name).string();
  store::require_folder_kind(out.dir, store::FolderKind::kAnalysis);
  if (!force && store::analysis_of_run(out.dir, run.saved.record.run_id))
    throw std::runtime_error(out.dir +
                             ": already holds an analysis of this run (summary.json); use --force to replace it");
  const auto& model = *run.saved.model;
  const auto dense = model.find_dense(layer);
  // A basis rank or n_s beyond the layer's N is refused before the folder is touched.
  duality::effective_basis_rank(model.dense_layer(dense)->weight.numel(), cfg.analysis);
  const auto& subset = run.saved.record.subset;
  const auto samples = data::normalized(data::materialize(run.folder, subset), cfg.data.mean, cfg.data.std);
  util::set_threads(cfg.threads);  // large GEMMs and the eigensolver use every core
  store::prepare_output_dir(out.dir);
  store::own_folder(out.dir, store::FolderKind::kAnalysis);
  store::remove_awd_files(out.dir, store::FolderKind::kAnalysis);  // nothing of an earlier analysis stays
  out.result = duality::analyze(*split_network(model, dense, cfg.model.arch), samples, cfg.analysis);
  store::save_analysis(out.dir, run.saved.record.run_id, cfg, subset, run.saved.training, out.result);
  out.table = store::summary_table(run.saved.training, out.result);
  require_self_checks(out);
  return out;
}

AnalysisOutput analyze_solution_into(const std::string& run_dir, const AnalysisConfig& analysis,
                                     const std::string& name, bool force, int64_t snapshot) {
  return analyze_layer(open_run(run_dir, snapshot), analysis, name, force);
}

namespace {

/// What run_solution and run_solution_layers do before their analysis: the
/// checks (refuse early rather than after training), the plan, and the
/// training when the plan asks for it.
struct PreparedRun {
  RunConfig cfg;
  data::DataFolder folder;
  std::optional<models::DenseStage> layer;  ///< the analysed layer, found once (none for several)
  Plan plan = Plan::kTrain;
  bool writes = true;  ///< this process writes the run (with learners over processes: learner 0's)
};

PreparedRun prepare_run(const RunConfig& cfg_in, const OutputOptions& out) {
  PreparedRun p;
  p.cfg = cfg_in;
  auto& cfg = p.cfg;
  make_paths_absolute(cfg);
  validate(cfg);
  p.folder = data::load_folder(cfg.data.path);
  if (out.expected) store::verify_sweep_inputs(out.expected->files, out.expected->record, files_of(p.folder));
  check_batches(cfg, p.folder);
  check_training_memory(cfg, p.folder);
  p.layer = check_layer(cfg, p.folder);
  check_snapshots(cfg);
  p.plan = plan_run(cfg, out, true, files_of(p.folder));
  if (p.plan == Plan::kFinished) return p;
  const auto exchange = distributed::make_exchange(cfg.learners);
  if (p.plan == Plan::kTrain) {
    OutputGuard guard(exchange->writes_outputs() ? out.dir : "");
    prepare_training(out, *exchange);
    train_on(cfg, p.folder, p.layer, out, *exchange);
    guard.dismiss();
  }
  p.writes = exchange->writes_outputs();
  return p;
}

std::string finished_note(const std::string& run_dir) {
  return "already finished: " + run_dir + " holds this run, trained and analysed with these options " +
         "(--force trains it again)\n";
}

}  // namespace

AnalysisOutput run_solution(const RunConfig& cfg_in, const OutputOptions& out) {
  if (names_several_layers(cfg_in.analysis.layer))
    throw std::invalid_argument("--layer " + cfg_in.analysis.layer + " names several layers: one solution analyses one");
  const auto p = prepare_run(cfg_in, out);
  if (p.plan == Plan::kFinished) {
    AnalysisOutput done;
    done.dir = store::analysis_dir(out.dir);
    done.table = finished_note(out.dir);
    return done;
  }
  if (!p.writes) return {};
  // The analysis reads the saved model back: what is analysed is what was saved.
  return analyze_layer(open_run(store::read_run_record(out.dir), p.cfg, p.folder), p.cfg.analysis, store::kRunAnalysis,
                       true);
}

LayersOutput run_solution_layers(const RunConfig& cfg_in, const OutputOptions& out) {
  const auto p = prepare_run(cfg_in, out);
  if (p.plan == Plan::kFinished) {
    LayersOutput done;
    done.dir = store::analysis_dir(out.dir);
    done.note = finished_note(out.dir);
    return done;
  }
  if (!p.writes) return {};
  return analyze_run_layers(open_run(store::read_run_record(out.dir), p.cfg, p.folder), p.cfg.analysis,
                            store::kRunAnalysis, true);
}

store::InputFiles read_inputs(const RunConfig& base) {
  store::InputFiles inputs;
  inputs.data = files_of(data::load_folder(base.data.path));
  if (base.model.init_from.empty()) return inputs;
  std::error_code ec;
  if (!fs::is_directory(base.model.init_from, ec))
    throw std::runtime_error(base.model.init_from + ": not a folder of weights (--init-from)");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(base.model.init_from, ec))
    if (e.is_regular_file() && e.path().extension() == ".npy") names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) inputs.init.push_back(data::record_file(n));
  return inputs;
}

}  // namespace awd::experiments
