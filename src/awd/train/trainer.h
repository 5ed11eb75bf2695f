// Plain SGD training with the paper's knobs and stop rule (SPEC §7).
#pragma once
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>
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
  double train_loss = 0;      ///< on the correctly labelled training samples
  double train_accuracy = 0;
  double test_loss = 0, test_error = 0;  ///< on the test set
  double seconds = 0;         ///< elapsed since training started
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
  std::vector<EpochRecord> history;
  std::vector<NoiseRecord> noise;  ///< every learners.noise_every steps (empty when off)
};

/// Called after each epoch; for progress reports.
using EpochCallback = std::function<void(const EpochRecord&, const TrainConfig&)>;

/// The weight-decay penalty (SPEC §7): beta ||w|| or, with decay_penalty
/// squared, beta/2 ||w||^2, w being every weight of the network as one vector.
torch::Tensor decay_penalty(const std::vector<torch::Tensor>& weights, const TrainConfig& cfg);

/// The objective trained on (SPEC §7): the mean cross-entropy of `model` on
/// (inputs, labels), plus decay_penalty while `decay` of its decayed weights
/// (decay_scope weights) or of every parameter (all).
torch::Tensor objective(models::Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                        const TrainConfig& cfg, bool decay);

/// Ends an epoch the same way for every trainer: records `eval` (of the
/// reported weights), applies the stop rule (unless cfg.fixed_epochs) and the
/// divergence check, calls on_epoch. Returns true when training stops.
bool close_epoch(TrainResult& result, int64_t epoch, const EpochEvaluation& eval, double seconds,
                 const TrainConfig& cfg, const EpochCallback& on_epoch);

/// The training inputs of one epoch: the samples' own, or with cfg.augment
/// their augmentation drawn from `gen` (data/transforms.h).
torch::Tensor epoch_inputs(const data::Samples& samples, const TrainConfig& cfg, at::Generator& gen);

/// Trains `model` in place with SGD on `samples` (all training samples,
/// corrupted ones included). The stop rule is checked on the correctly
/// labelled ones after every epoch. A non-finite loss stops training with
/// StopReason::kDiverged.
TrainResult train_sgd(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                      const EpochCallback& on_epoch = {});

/// A callback printing "epoch, loss, accuracy, elapsed, ETA" to stderr, at most
/// every `interval` seconds and always for the last epoch.
EpochCallback stderr_progress(double interval = 1.0);

}  // namespace awd::train
