// Plain SGD training with the paper's knobs and stop rule (SPEC §7).
#pragma once
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "awd/config.h"
#include "awd/data/subset.h"
#include "awd/models/classifier.h"

namespace awd::train {

/// Loss and accuracy of the model on a set, in eval mode (no dropout).
struct Evaluation {
  double loss = 0;      ///< mean cross-entropy (natural log)
  double accuracy = 0;  ///< fraction classified correctly
};
/// All inputs in one pass, or in batches of `batch` (0 = one pass) whose
/// logits are joined before the loss (networks with large activations).
Evaluation evaluate(models::Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                    int64_t batch = 0);

/// The reported weights at the end of an epoch, as the epoch's record and
/// the stop rule see them: the model's BatchNorm statistics recomputed on the
/// training inputs first (train/batchnorm.h), then evaluated on the correctly
/// labelled training samples and on the test set.
struct EpochEvaluation {
  Evaluation train, test;
};
EpochEvaluation evaluate_epoch(models::Classifier& model, const data::Samples& samples, const torch::Tensor& clean_inputs,
                               const torch::Tensor& clean_labels);

struct EpochRecord {
  int64_t epoch = 0;
  /// False for an epoch the schedule skipped (EpochEnd): only epoch,
  /// minibatch_loss and seconds hold values then. The history keeps evaluated
  /// epochs only.
  bool evaluated = true;
  double train_loss = 0;      ///< on the correctly labelled training samples
  double train_accuracy = 0;
  double test_loss = 0, test_error = 0;  ///< on the test set
  double seconds = 0;         ///< elapsed since training started
  /// Mean cross-entropy of the epoch's minibatches as they were trained on
  /// (train mode, moving weights, augmented inputs); NaN when not tracked
  /// (evaluation every epoch).
  double minibatch_loss = std::numeric_limits<double>::quiet_NaN();
};

/// The noise of SPEC §8 at one step, eta(t) = (1/n) sum_a grad L_mu_a(w_a) -
/// grad L(S_train; w_bar), with the geometry of the analysed layer at w_bar.
struct NoiseRecord {
  int64_t step = 0;         ///< 1-based SGD step (one step = every learner's minibatch)
  int64_t epoch = 0;
  double train_loss = 0;    ///< L(S_train; w_bar), every training sample, objective trained on
  double eta_sq = 0;        ///< ||eta||^2 over every parameter
  double eta_layer_sq = 0;  ///< ||eta||^2 over the analysed layer's weights
  std::vector<double> top_eigenvalues;  ///< lambda_1 >= lambda_2 >= ... of the layer Hessian at w_bar
  std::vector<double> eta_top_sq;       ///< (v_i . eta_layer)^2 along their eigenvectors v_i
};

struct TrainResult {
  StopReason stop_reason = StopReason::kMaxEpoch;
  int64_t epochs = 0;
  double train_loss = 0, train_accuracy = 0;
  double seconds = 0;
  int64_t eval_every = 1;  ///< the evaluation schedule used (effective_eval_every)
  std::vector<EpochRecord> history;  ///< the evaluated epochs
  std::vector<NoiseRecord> noise;  ///< every learners.noise_every steps (empty when off)
};

/// Called after each epoch; for progress reports.
using EpochCallback = std::function<void(const EpochRecord&, const TrainConfig&)>;

/// The weight-decay penalty (SPEC §7): beta ||w|| or, with decay_penalty
/// squared, beta/2 ||w||^2, w being every weight of the network as one vector.
torch::Tensor decay_penalty(const std::vector<torch::Tensor>& weights, const TrainConfig& cfg);

/// The objective trained on (SPEC §7): the mean cross-entropy of `model` on
/// (inputs, labels), plus decay_penalty while `decay` of its decayed weights
/// (decay_scope weights) or of every parameter (all). With `cross_entropy`
/// given, the mean cross-entropy alone is stored there too.
torch::Tensor objective(models::Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                        const TrainConfig& cfg, bool decay, double* cross_entropy = nullptr);

/// Sums minibatch cross-entropies over an epoch, weighted by their samples.
class MinibatchMean {
 public:
  void add(double cross_entropy, int64_t samples) {
    sum_ += cross_entropy * double(samples);
    samples_ += samples;
  }
  /// The mean so far (NaN when nothing was added); starts the next epoch afresh.
  double take();
  /// The weighted sum and the samples so far; starts afresh.
  std::pair<double, int64_t> take_sum();

 private:
  double sum_ = 0;
  int64_t samples_ = 0;
};

/// Epochs between evaluations when TrainConfig::eval_every is 0 (auto), for
/// networks with BatchNorm; networks without it are evaluated every epoch.
/// Measured on resnet18-cifar-cpu's network, one learner, B = 128, 1 thread
/// (bench/epoch_vs_pytorch.sh, README "Speed"): one evaluation (BatchNorm
/// recomputed, 2000 training and 1000 test images) costs about 3.4 s against
/// 6 s for the training epoch, so evaluating every epoch made awd's epoch
/// 1.8x PyTorch's loop; every 5th costs 1.1x, and a larger K would save at
/// most 0.3 s more per epoch while thinning the history of a 30-epoch run.
inline constexpr int64_t kBatchNormEvalEvery = 5;

/// The evaluations actually run: cfg.eval_every, or for 0 (auto) 1 without
/// BatchNorm and kBatchNormEvalEvery with it.
int64_t effective_eval_every(const TrainConfig& cfg, models::Classifier& model);

/// Ends every epoch the same way for every trainer: evaluates the reported
/// weights when the schedule says so, records the epoch, applies the stop
/// rule (unless cfg.fixed_epochs) and the divergence check, calls on_epoch.
///
/// Evaluated are every eval_every-th epoch, the last (max_epoch), and any
/// epoch whose minibatch mean loss is below eps or not finite. The stop rule
/// and the divergence check see only evaluated epochs, i.e. the exact numbers
/// of SPEC §7 (the clean training set's loss and accuracy at the reported
/// weights, BatchNorm recalibrated), never the minibatch mean: that one is
/// taken at moving weights in train mode, on augmented images when
/// cfg.augment, and so says little about the solution (with crop and flip it
/// stays well above the clean loss). It only brings an evaluation forward, so
/// a run stops at most eval_every - 1 epochs after the rule first holds.
/// Evaluation reads no random stream, so the weights of every epoch are the
/// same for any eval_every; with eval_every 1 nothing is skipped or tracked.
class EpochEnd {
 public:
  EpochEnd(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
           const EpochCallback& on_epoch);

  /// Whether the trainer should add up its minibatch losses (eval_every > 1).
  bool tracks_minibatches() const { return every_ > 1; }

  /// After epoch `epoch`, whose minibatches had mean cross-entropy
  /// `minibatch_loss` (NaN when not tracked). True when training stops.
  bool close(TrainResult& result, int64_t epoch, double minibatch_loss);

  /// Elapsed seconds since construction (the start of training).
  double seconds() const;

 private:
  models::Classifier& model_;
  const data::Samples& samples_;
  const TrainConfig& cfg_;
  EpochCallback on_epoch_;
  torch::Tensor clean_inputs_, clean_labels_;
  int64_t every_;
  std::chrono::steady_clock::time_point start_;
};

/// One epoch's steps of a trainer over `order` of `inputs` (the epoch's
/// training inputs, augmented or not), with the decay term when `decay`;
/// returns the minibatches' mean cross-entropy (NaN when not tracked).
using EpochSteps =
    std::function<double(int64_t epoch, const torch::Tensor& order, const torch::Tensor& inputs, bool decay)>;

/// The epoch loop every trainer shares: per epoch the shuffled order (seed
/// + 2), the inputs (augmented from seed + 3), weight decay up to decay_stop,
/// `steps`, then `end` (evaluation, stop rule). The same seed draws the same
/// orders and augmentations for one learner and for n.
TrainResult run_epochs(const data::Samples& samples, const TrainConfig& cfg, EpochEnd& end, const EpochSteps& steps);

/// Trains `model` in place with SGD on `samples` (all training samples,
/// corrupted ones included). The stop rule is checked on the correctly
/// labelled ones after every evaluated epoch (EpochEnd). A non-finite loss stops training with
/// StopReason::kDiverged.
TrainResult train_sgd(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                      const EpochCallback& on_epoch = {});

/// A callback printing "epoch, loss, accuracy, elapsed, ETA" to stderr, at most
/// every `interval` seconds and always for the last epoch.
EpochCallback stderr_progress(double interval = 1.0);

}  // namespace awd::train
