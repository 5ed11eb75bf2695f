#include "awd/experiments/trajectory.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>

#include <cstdio>
#include <limits>
#include <utility>

#include "awd/experiments/single_run.h"
#include "awd/store/analysis_files.h"
#include "awd/store/folder_kind.h"
#include "awd/store/snapshots.h"
#include "awd/util/threads.h"

namespace awd::experiments {
namespace {

/// Puts LibTorch's default generator and the thread counts back as they were:
/// the analysis may draw from the generator (it is the one dropout uses) and
/// sets its own threads, while the training's next steps must see neither.
class TrainingStateGuard {
 public:
  explicit TrainingStateGuard(int threads)
      : generator_(at::detail::getDefaultCPUGenerator()), state_(generator_.get_state()), threads_(threads) {}
  ~TrainingStateGuard() {
    generator_.set_state(state_);
    util::set_threads(threads_);
  }
  TrainingStateGuard(const TrainingStateGuard&) = delete;
  TrainingStateGuard& operator=(const TrainingStateGuard&) = delete;

 private:
  at::Generator generator_;
  at::Tensor state_;
  int threads_;
};

}  // namespace

train::TrainResult training_so_far(const train::EpochRecord& rec) {
  train::TrainResult t;
  t.epochs = rec.epoch;
  t.seconds = rec.seconds;
  t.train_loss = rec.evaluated ? rec.train_loss : std::numeric_limits<double>::quiet_NaN();
  t.train_accuracy = rec.evaluated ? rec.train_accuracy : std::numeric_limits<double>::quiet_NaN();
  return t;
}

Trajectory::Trajectory(std::string run_dir, std::string run_id, const RunConfig& cfg, models::DenseStage layer,
                       const data::Subset& subset, const data::Samples& samples, int training_threads, bool progress)
    : run_dir_(std::move(run_dir)), run_id_(std::move(run_id)), cfg_(cfg), layer_(std::move(layer)), subset_(subset),
      samples_(samples), training_threads_(training_threads), progress_(progress) {}

void Trajectory::take(models::Classifier& model, const train::TrainResult& training) {
  const int64_t epoch = training.epochs;
  TrainingStateGuard guard(training_threads_);
  store::save_snapshot(run_dir_, epoch, model);
  util::set_threads(cfg_.threads);  // as the end-of-training analysis: the same numbers
  auto cfg = cfg_;
  if (!progress_) cfg.analysis.progress = {};
  const auto result = duality::analyze(*split_network(model, layer_, cfg.model.arch), samples_, cfg.analysis);
  const auto dir = store::trajectory_analysis_dir(run_dir_, epoch);
  store::own_folder(dir, store::FolderKind::kAnalysis);
  store::remove_awd_files(dir, store::FolderKind::kAnalysis);
  store::save_analysis(dir, run_id_, cfg_, subset_, training, result);
  last_ = epoch;
  if (!progress_) return;
  const auto failure = duality::self_check_failure(result);
  std::fprintf(stderr, "snapshot epoch %lld: dL %.4g  dL_p %.4g  dL_s %.4g  dL_f %.4g  n_s %lld%s\n",
               static_cast<long long>(epoch), result.gap, result.pair_gap, result.decomposition.dL_sharp,
               result.decomposition.dL_flat, static_cast<long long>(result.decomposition.n_sharp),
               failure.empty() ? "" : ("  SELF-CHECK FAILED: " + failure).c_str());
}

void Trajectory::finish(models::Classifier& model, const train::TrainResult& result) {
  if (result.epochs != last_) take(model, result);
}

}  // namespace awd::experiments
