// Plain SGD training with the paper's knobs and stop rule (SPEC §7).
#pragma once
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
Evaluation evaluate(models::Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels);

struct EpochRecord {
  int64_t epoch = 0;
  double train_loss = 0;      ///< on the correctly labelled training samples
  double train_accuracy = 0;
  double seconds = 0;         ///< elapsed since training started
};

struct TrainResult {
  std::string stop_reason;  ///< "stop_rule", "max_epoch" or "diverged"
  int64_t epochs = 0;
  double train_loss = 0, train_accuracy = 0;
  double seconds = 0;
  std::vector<EpochRecord> history;
};

/// Called after each epoch; for progress reports.
using EpochCallback = std::function<void(const EpochRecord&, const TrainConfig&)>;

/// Trains `model` in place with SGD on `samples` (all training samples,
/// corrupted ones included). The stop rule is checked on the correctly
/// labelled ones after every epoch. A non-finite loss stops training with
/// stop_reason "diverged".
TrainResult train_sgd(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                      const EpochCallback& on_epoch = {});

/// A callback printing "epoch, loss, accuracy, elapsed, ETA" to stderr, at most
/// every `interval` seconds and always for the last epoch.
EpochCallback stderr_progress(double interval = 1.0);

}  // namespace awd::train
