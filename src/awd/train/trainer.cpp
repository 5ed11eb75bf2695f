#include "awd/train/trainer.h"

#include <torch/nn/functional/loss.h>

#include <chrono>
#include <cmath>
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

torch::Tensor epoch_inputs(const data::Samples& samples, const TrainConfig& cfg, at::Generator& gen) {
  if (!cfg.augment) return samples.train_inputs;
  return data::augmented(samples.train_inputs, gen, data::black_pixel(samples.mean, samples.std,
                                                                      samples.train_inputs.size(1)));
}

torch::Tensor decay_penalty(const std::vector<torch::Tensor>& weights, const TrainConfig& cfg) {
  torch::Tensor sq = weights.front().pow(2).sum();
  for (size_t i = 1; i < weights.size(); ++i) sq = sq + weights[i].pow(2).sum();
  return cfg.decay_penalty == DecayPenalty::kSquared ? 0.5 * cfg.weight_decay * sq : cfg.weight_decay * sq.sqrt();
}

torch::Tensor objective(models::Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                        const TrainConfig& cfg, bool decay) {
  auto loss = torch::nn::functional::cross_entropy(model.forward(inputs), labels);
  if (decay)
    loss = loss + decay_penalty(cfg.decay_scope == DecayScope::kAll ? model.parameters() : models::decayed_weights(model),
                                cfg);
  return loss;
}

bool close_epoch(TrainResult& result, int64_t epoch, const EpochEvaluation& eval, double seconds,
                 const TrainConfig& cfg, const EpochCallback& on_epoch) {
  const EpochRecord rec{epoch, eval.train.loss, eval.train.accuracy, eval.test.loss, 1.0 - eval.test.accuracy, seconds};
  result.history.push_back(rec);
  result.epochs = epoch;
  result.train_loss = rec.train_loss;
  result.train_accuracy = rec.train_accuracy;
  result.seconds = seconds;
  const bool diverged = !std::isfinite(rec.train_loss);
  const bool done = !cfg.fixed_epochs && rec.train_loss < cfg.stop_loss && rec.train_accuracy > cfg.stop_accuracy;
  if (diverged) result.stop_reason = StopReason::kDiverged;
  if (done) result.stop_reason = StopReason::kStopRule;
  if (on_epoch) on_epoch(rec, cfg);
  return diverged || done;
}

TrainResult train_sgd(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                      const EpochCallback& on_epoch) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  // Dropout draws from LibTorch's default generator; the shuffling and the augmentation have their own.
  torch::manual_seed(cfg.seed + 1);
  auto shuffle_gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed + 2);

  const auto& inputs = samples.train_inputs;
  const auto& labels = samples.train_labels;
  const auto clean_inputs = inputs.index({samples.clean_mask});
  const auto clean_labels = labels.index({samples.clean_mask});
  const int64_t n = inputs.size(0), steps = (n + cfg.batch_size - 1) / cfg.batch_size;
  auto augment_gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed + 3);
  MomentumSgd sgd(cfg);
  const auto params = model.parameters();

  TrainResult result;
  result.stop_reason = StopReason::kMaxEpoch;
  model.train();
  for (int64_t epoch = 1; epoch <= cfg.max_epoch; ++epoch) {
    const bool decay = cfg.weight_decay > 0 && epoch <= cfg.decay_stop;
    const auto order = torch::randperm(n, shuffle_gen, torch::kInt64);
    const auto x = epoch_inputs(samples, cfg, augment_gen);
    for (int64_t step = 0; step < steps; ++step) {
      const auto idx = order.slice(0, step * cfg.batch_size, std::min(n, (step + 1) * cfg.batch_size));
      auto loss = objective(model, x.index_select(0, idx), labels.index_select(0, idx), cfg, decay);
      // Dropping the gradients lets backward hand its fresh buffers over
      // instead of zero-filling and then adding (same values, fewer ops).
      model.zero_grad(/*set_to_none=*/true);
      loss.backward();
      std::vector<torch::Tensor> grads;
      for (const auto& p : params) grads.push_back(p.grad());
      sgd.step(params, grads, learning_rate(cfg, epoch, step, steps));
    }
    const auto eval = evaluate_epoch(model, samples, clean_inputs, clean_labels);
    if (close_epoch(result, epoch, eval, std::chrono::duration<double>(clock::now() - start).count(), cfg, on_epoch))
      break;
  }
  result.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return result;
}

EpochCallback stderr_progress(double interval) {
  auto last = std::make_shared<double>(-1e9);
  return [last, interval](const EpochRecord& r, const TrainConfig& cfg) {
    const bool final = r.epoch == cfg.max_epoch || !std::isfinite(r.train_loss) ||
                       (!cfg.fixed_epochs && r.train_loss < cfg.stop_loss && r.train_accuracy > cfg.stop_accuracy);
    if (!final && r.seconds - *last < interval) return;
    *last = r.seconds;
    const double eta = r.seconds / double(r.epoch) * double(cfg.max_epoch - r.epoch);
    std::fprintf(stderr, "epoch %5lld/%lld  loss %.5f  acc %.4f  test err %.4f  elapsed %6.1fs  eta <=%6.1fs%s\n",
                 static_cast<long long>(r.epoch), static_cast<long long>(cfg.max_epoch), r.train_loss,
                 r.train_accuracy, r.test_error, r.seconds, final ? 0.0 : eta, final ? "  (done)" : "");
  };
}

}  // namespace awd::train
