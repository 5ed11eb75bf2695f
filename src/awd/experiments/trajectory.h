// The analysis along training (TrainConfig::analyze_every): the network is
// kept and analysed at epochs 0, k, 2k, ... and at the last (store/snapshots.h
// says where). The snapshots leave the training as it would be without them.
#pragma once
#include <cstdint>
#include <string>

#include "awd/config.h"
#include "awd/data/subset.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"

namespace awd::experiments {

class Trajectory {
 public:
  /// For the run of `cfg` in `run_dir` (begun, with id `run_id`), trained on
  /// `samples` drawn as `subset`, analysed at `layer`. `training_threads` are
  /// restored after each analysis (it uses cfg.threads). `progress`: one line
  /// per snapshot on stderr.
  Trajectory(std::string run_dir, std::string run_id, const RunConfig& cfg, models::DenseStage layer,
             const data::Subset& subset, const data::Samples& samples, int training_threads, bool progress);

  /// Saves `model` as the snapshot of epoch `training.epochs` and analyses it
  /// into its trajectory folder. Neither LibTorch's default generator (dropout)
  /// nor `model` is changed, and the generators of shuffling and augmentation
  /// are the trainer's own, so training goes on as without the snapshot.
  void take(models::Classifier& model, const train::TrainResult& training);

  /// After training ended with `result`: the last epoch, unless taken already.
  void finish(models::Classifier& model, const train::TrainResult& result);

 private:
  std::string run_dir_, run_id_;
  const RunConfig& cfg_;
  models::DenseStage layer_;
  const data::Subset& subset_;
  const data::Samples& samples_;
  int training_threads_;
  bool progress_;
  int64_t last_ = -1;  ///< the epoch of the latest snapshot
};

/// The training of a snapshot after epoch `rec.epoch`, as its analysis records it:
/// the epochs so far and, when the epoch was evaluated, its training loss and accuracy.
train::TrainResult training_so_far(const train::EpochRecord& rec);

}  // namespace awd::experiments
