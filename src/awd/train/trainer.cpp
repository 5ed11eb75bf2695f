#include "awd/train/trainer.h"

#include <torch/nn/functional/loss.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <cstdio>
#include <memory>
#include <vector>

#include "awd/data/transforms.h"
#include "awd/models/training_view.h"
#include "awd/train/batchnorm.h"
#include "awd/train/sgd_step.h"

namespace awd::train {

Evaluation evaluate(models::Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                    int64_t batch) {
  const bool was_training = model.is_training();
  model.eval();
  c10::InferenceMode inference;  // no autograd bookkeeping at all, unlike NoGradGuard
  torch::Tensor logits;
  if (batch <= 0 || batch >= inputs.size(0)) {
    logits = model.forward(inputs);
  } else {
    std::vector<torch::Tensor> parts;
    for (int64_t lo = 0; lo < inputs.size(0); lo += batch) parts.push_back(model.forward(inputs.slice(0, lo, lo + batch)));
    logits = torch::cat(parts);
  }
  Evaluation e;
  e.loss = torch::nn::functional::cross_entropy(logits, labels).item<double>();
  e.accuracy = logits.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
  model.train(was_training);
  return e;
}

EpochEvaluation evaluate_epoch(models::Classifier& model, const data::Samples& samples, const torch::Tensor& clean_inputs,
                               const torch::Tensor& clean_labels) {
  // Networks with BatchNorm (ResNet, DenseNet) have activations too large for one pass.
  const bool batchnorm = has_batchnorm(model);
  const int64_t batch = batchnorm ? 500 : 0;
  if (batchnorm) recalibrate_batchnorm(model, samples.train_inputs, batch);
  return {evaluate(model, clean_inputs, clean_labels, batch),
          evaluate(model, samples.test_inputs, samples.test_labels, batch)};
}

namespace {

/// The training inputs of one epoch: the samples' own, or with cfg.augment
/// their augmentation drawn from `gen` (data/transforms.h).
torch::Tensor epoch_inputs(const data::Samples& samples, const TrainConfig& cfg, at::Generator& gen) {
  if (!cfg.augment) return samples.train_inputs;
  return data::augmented(samples.train_inputs, gen, data::black_pixel(samples.mean, samples.std,
                                                                      samples.train_inputs.size(1)));
}

}  // namespace

torch::Tensor decay_penalty(const std::vector<torch::Tensor>& weights, const TrainConfig& cfg) {
  torch::Tensor sq = weights.front().pow(2).sum();
  for (size_t i = 1; i < weights.size(); ++i) sq = sq + weights[i].pow(2).sum();
  return cfg.decay_penalty == DecayPenalty::kSquared ? 0.5 * cfg.weight_decay * sq : cfg.weight_decay * sq.sqrt();
}

torch::Tensor objective(models::Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                        const TrainConfig& cfg, bool decay, double* cross_entropy) {
  auto loss = torch::nn::functional::cross_entropy(model.forward(inputs), labels);
  if (cross_entropy) *cross_entropy = loss.item<double>();
  if (decay)
    loss = loss + decay_penalty(cfg.decay_scope == DecayScope::kAll ? model.parameters() : models::decayed_weights(model),
                                cfg);
  return loss;
}

double MinibatchMean::take() {
  const auto [sum, samples] = take_sum();
  return samples > 0 ? sum / double(samples) : std::numeric_limits<double>::quiet_NaN();
}

std::pair<double, int64_t> MinibatchMean::take_sum() {
  const std::pair<double, int64_t> out{sum_, samples_};
  *this = MinibatchMean{};
  return out;
}

int64_t effective_eval_every(const TrainConfig& cfg, models::Classifier& model) {
  if (cfg.eval_every > 0) return cfg.eval_every;
  return has_batchnorm(model) ? kBatchNormEvalEvery : 1;
}

EpochEnd::EpochEnd(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                   const EpochCallback& on_epoch)
    : model_(model), samples_(samples), cfg_(cfg), on_epoch_(on_epoch),
      clean_inputs_(samples.train_inputs.index({samples.clean_mask})),
      clean_labels_(samples.train_labels.index({samples.clean_mask})), every_(effective_eval_every(cfg, model)),
      start_(std::chrono::steady_clock::now()) {}

double EpochEnd::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool EpochEnd::close(TrainResult& result, int64_t epoch, double minibatch_loss) {
  result.epochs = epoch;
  result.eval_every = every_;
  const bool evaluate = epoch % every_ == 0 || epoch == cfg_.max_epoch ||
                        (tracks_minibatches() && (!std::isfinite(minibatch_loss) || minibatch_loss < cfg_.stop_loss));
  if (!evaluate) {
    EpochRecord skipped{epoch, false};
    skipped.minibatch_loss = minibatch_loss;
    skipped.seconds = result.seconds = seconds();
    if (on_epoch_) on_epoch_(skipped, cfg_);
    return false;
  }
  const auto eval = evaluate_epoch(model_, samples_, clean_inputs_, clean_labels_);
  EpochRecord rec{epoch, true, eval.train.loss, eval.train.accuracy, eval.test.loss, 1.0 - eval.test.accuracy,
                  seconds()};
  rec.minibatch_loss = minibatch_loss;
  result.history.push_back(rec);
  result.train_loss = rec.train_loss;
  result.train_accuracy = rec.train_accuracy;
  result.seconds = rec.seconds;
  const bool diverged = !std::isfinite(rec.train_loss);
  const bool done = !cfg_.fixed_epochs && rec.train_loss < cfg_.stop_loss && rec.train_accuracy > cfg_.stop_accuracy;
  if (diverged) result.stop_reason = StopReason::kDiverged;
  if (done) result.stop_reason = StopReason::kStopRule;
  if (on_epoch_) on_epoch_(rec, cfg_);
  return diverged || done;
}

TrainResult run_epochs(const data::Samples& samples, const TrainConfig& cfg, EpochEnd& end, const EpochSteps& steps) {
  // The shuffling and the augmentation have their own generators (dropout draws from LibTorch's default one).
  auto shuffle_gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed + 2);
  auto augment_gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed + 3);
  TrainResult result;
  result.stop_reason = StopReason::kMaxEpoch;
  for (int64_t epoch = 1; epoch <= cfg.max_epoch; ++epoch) {
    const bool decay = cfg.weight_decay > 0 && epoch <= cfg.decay_stop;
    const auto order = torch::randperm(samples.train_inputs.size(0), shuffle_gen, torch::kInt64);
    const double minibatch_loss = steps(epoch, order, epoch_inputs(samples, cfg, augment_gen), decay);
    if (end.close(result, epoch, minibatch_loss)) break;
  }
  result.seconds = end.seconds();
  return result;
}

TrainResult train_sgd(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                      const EpochCallback& on_epoch) {
  EpochEnd end(model, samples, cfg, on_epoch);
  torch::manual_seed(cfg.seed + 1);  // dropout's stream
  const auto& labels = samples.train_labels;
  const int64_t n = samples.train_inputs.size(0), steps = (n + cfg.batch_size - 1) / cfg.batch_size;
  MomentumSgd sgd(cfg);
  const auto params = model.parameters();
  MinibatchMean minibatch;
  model.train();
  return run_epochs(samples, cfg, end, [&](int64_t epoch, const torch::Tensor& order, const torch::Tensor& x, bool decay) {
    for (int64_t step = 0; step < steps; ++step) {
      const auto idx = order.slice(0, step * cfg.batch_size, std::min(n, (step + 1) * cfg.batch_size));
      double ce = 0;
      auto loss = objective(model, x.index_select(0, idx), labels.index_select(0, idx), cfg, decay,
                            end.tracks_minibatches() ? &ce : nullptr);
      if (end.tracks_minibatches()) minibatch.add(ce, idx.size(0));
      // Dropping the gradients lets backward hand its fresh buffers over
      // instead of zero-filling and then adding (same values, fewer ops).
      model.zero_grad(/*set_to_none=*/true);
      loss.backward();
      std::vector<torch::Tensor> grads;
      for (const auto& p : params) grads.push_back(p.grad());
      sgd.step(params, grads, learning_rate(cfg, epoch, step, steps));
    }
    return minibatch.take();
  });
}

EpochCallback stderr_progress(double interval) {
  auto last = std::make_shared<double>(-1e9);
  return [last, interval](const EpochRecord& r, const TrainConfig& cfg) {
    const bool final = r.evaluated && (r.epoch == cfg.max_epoch || !std::isfinite(r.train_loss) ||
                                       (!cfg.fixed_epochs && r.train_loss < cfg.stop_loss &&
                                        r.train_accuracy > cfg.stop_accuracy));
    if (!final && r.seconds - *last < interval) return;
    *last = r.seconds;
    const double eta = r.seconds / double(r.epoch) * double(cfg.max_epoch - r.epoch);
    if (!r.evaluated) {
      std::fprintf(stderr, "epoch %5lld/%lld  minibatch loss %.5f (not evaluated)  elapsed %6.1fs  eta <=%6.1fs\n",
                   static_cast<long long>(r.epoch), static_cast<long long>(cfg.max_epoch), r.minibatch_loss,
                   r.seconds, eta);
      return;
    }
    std::fprintf(stderr, "epoch %5lld/%lld  loss %.5f  acc %.4f  test err %.4f  elapsed %6.1fs  eta <=%6.1fs%s\n",
                 static_cast<long long>(r.epoch), static_cast<long long>(cfg.max_epoch), r.train_loss,
                 r.train_accuracy, r.test_error, r.seconds, final ? 0.0 : eta, final ? "  (done)" : "");
  };
}

}  // namespace awd::train
