// Training with n learners (SPEC §8, paper Eq. 13-15): synchronous SGD, where
// every learner's gradient is taken at the mean weights, and decentralized
// parallel SGD, where each learner's gradient is taken at its own weights
// and its next weights start from its neighbourhood's average.
//
// One step: the epoch's shared shuffled order is cut into steps of B = n b
// samples; learner a takes positions [a b, (a+1) b) of its step (the last
// step of an epoch may leave some learners fewer or none). SSGD weighs each
// learner's gradient by its share of the step's samples, which makes it the
// same as one learner with batch B. The stop rule and every reported number
// are those of the mean weights w_bar, which `model` holds at the end.
#pragma once
#include <cstdint>
#include <optional>

#include "awd/config.h"
#include "awd/data/subset.h"
#include "awd/distributed/exchange.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"

namespace awd::train {

/// std::invalid_argument (one line) when n learners exceed the training
/// samples: some learner would never get a sample.
void require_learners_fit(int64_t learners, int64_t train_samples);
/// The same, and also when n > 1 learners' batches of b together exceed the
/// training samples (their batches would no longer be b): what train, run and
/// compare refuse before anything runs.
void require_batches_fit(int64_t learners, int64_t batch_size, int64_t train_samples);

/// Trains the learners of `exchange` held by this process; `model` is the
/// initial network (the same on every process) and ends as w_bar. With
/// learners.noise_every = k > 0, the process that writes outputs records
/// eta(t) every k steps along the Hessian of `noise_layer` (required then).
TrainResult train_learners(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                           const LearnersConfig& learners, const std::optional<models::DenseStage>& noise_layer,
                           distributed::Exchange& exchange, const EpochCallback& on_epoch = {});

}  // namespace awd::train
