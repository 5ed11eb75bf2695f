// How the large networks are trained (SPEC §9): momentum and Nesterov against
// torch::optim::SGD, the learning-rate schedule by hand, the seeded CIFAR
// augmentation, BatchNorm recalibration against a direct computation, the
// decay scope, the fixed epoch budget and the per-epoch test error.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "awd/data/transforms.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "awd/train/batchnorm.h"
#include "awd/train/sgd_step.h"
#include "awd/train/trainer.h"
#include "test_util.h"

using namespace awd;

TEST(Recipe, MomentumAndNesterovStepAsTorchOptimSgd) {
  for (bool nesterov : {false, true}) {
    torch::manual_seed(1);
    auto w = torch::randn({4, 3}, torch::kDouble).requires_grad_(true);
    auto ours = w.detach().clone();
    torch::optim::SGD reference({w}, torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(nesterov));
    train::MomentumSgd sgd(0.9, nesterov);
    for (int t = 0; t < 5; ++t) {
      const auto g = torch::randn({4, 3}, torch::kDouble);
      w.mutable_grad() = g.clone();
      reference.step();
      sgd.step({ours}, {g}, 0.05);
      EXPECT_TRUE(torch::allclose(ours, w.detach(), 0, 1e-15)) << "nesterov " << nesterov << " step " << t;
    }
  }
  // Without momentum the direction is the gradient itself.
  train::MomentumSgd plain(0.0, false);
  const auto g = torch::ones({2});
  EXPECT_TRUE(plain.direction({g})[0].is_same(g));
}

// The squared penalty beta/2 ||w||^2 on the decayed weights, stepped with
// momentum, is torch::optim::SGD's weight_decay = beta on those weights.
TEST(Recipe, SquaredWeightDecayStepsAsTorchOptimWeightDecay) {
  auto cfg = test_util::small_mnist_config(5, 20);
  cfg.train.weight_decay = 5e-4;
  cfg.train.decay_penalty = DecayPenalty::kSquared;
  cfg.train.momentum = 0.9;
  const auto s = test_util::samples_of(cfg);
  auto ours = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
  auto theirs = ours->copy();
  const auto params = ours->parameters();
  std::vector<torch::Tensor> decayed;
  for (const auto& w : models::decayed_weights(*theirs)) decayed.push_back(w);
  torch::optim::SGD reference(decayed, torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(5e-4));
  train::MomentumSgd sgd(cfg.train);
  for (int t = 0; t < 3; ++t) {
    const auto x = s.train_inputs.slice(0, 10 * t, 10 * t + 10), y = s.train_labels.slice(0, 10 * t, 10 * t + 10);
    ours->zero_grad();
    train::objective(*ours, x, y, cfg.train, true).backward();
    std::vector<torch::Tensor> grads;
    for (const auto& p : params) grads.push_back(p.grad());
    sgd.step(params, grads, 0.05);
    theirs->zero_grad();
    torch::nn::functional::cross_entropy(theirs->forward(x), y).backward();
    reference.step();
  }
  const auto a = models::decayed_weights(*ours), b = models::decayed_weights(*theirs);
  for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(torch::allclose(a[k], b[k], 1e-5, 1e-7)) << k;
}

TEST(Recipe, LearningRateWarmsUpThenSteps) {
  TrainConfig cfg;
  cfg.lr = 0.1;
  cfg.warmup_epochs = 2;
  cfg.lr_steps = {3, 5};
  cfg.lr_factor = 0.1;
  const int64_t steps = 5;  // 10 warm-up steps: 0.01, 0.02, ..., 0.1
  EXPECT_DOUBLE_EQ(train::learning_rate(cfg, 1, 0, steps), 0.01);
  EXPECT_DOUBLE_EQ(train::learning_rate(cfg, 1, 4, steps), 0.05);
  EXPECT_DOUBLE_EQ(train::learning_rate(cfg, 2, 4, steps), 0.1);
  EXPECT_DOUBLE_EQ(train::learning_rate(cfg, 3, 0, steps), 0.1);   // epochs 1-3 at alpha
  EXPECT_DOUBLE_EQ(train::learning_rate(cfg, 4, 2, steps), 0.01);  // 4-5 at 0.1 alpha
  EXPECT_DOUBLE_EQ(train::learning_rate(cfg, 5, 4, steps), 0.01);
  EXPECT_NEAR(train::learning_rate(cfg, 6, 0, steps), 0.001, 1e-18);  // 6 on at 0.01 alpha
  cfg.warmup_epochs = 0;
  EXPECT_DOUBLE_EQ(train::learning_rate(cfg, 1, 0, steps), 0.1);
}

TEST(Recipe, AugmentationIsASeededCropOfThePaddingAndAFlip) {
  torch::manual_seed(2);
  const int64_t N = 200, C = 3, H = 6, W = 5;
  const auto images = torch::rand({N, C, H, W});
  const std::vector<double> fill = {-1.0, -2.0, -3.0};
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(7), g2 = at::make_generator<at::CPUGeneratorImpl>(7);
  auto g3 = at::make_generator<at::CPUGeneratorImpl>(8);
  const auto a = data::augmented(images, g1, fill);
  EXPECT_TRUE(a.equal(data::augmented(images, g2, fill)));
  EXPECT_FALSE(a.equal(data::augmented(images, g3, fill)));
  // Every output is one of the 9 x 9 crops of the padded image, flipped or not.
  auto padded = torch::tensor(fill).reshape({1, C, 1, 1}).repeat({N, 1, H + 8, W + 8});
  padded.slice(2, 4, 4 + H).slice(3, 4, 4 + W).copy_(images);
  int64_t flipped = 0, shifted = 0;
  for (int64_t i = 0; i < N; ++i) {
    bool found = false;
    for (int64_t dy = 0; dy <= 8 && !found; ++dy)
      for (int64_t dx = 0; dx <= 8 && !found; ++dx)
        for (bool flip : {false, true}) {
          auto crop = padded[i].slice(1, dy, dy + H).slice(2, dx, dx + W);
          if (flip) crop = crop.flip({2});
          if (crop.equal(a[i])) {
            found = true;
            flipped += flip;
            shifted += dy != 4 || dx != 4;
            break;
          }
        }
    EXPECT_TRUE(found) << "image " << i;
  }
  EXPECT_GT(flipped, N / 4);  // probability 1/2 each
  EXPECT_LT(flipped, 3 * N / 4);
  EXPECT_GT(shifted, N / 2);  // 80 of 81 offsets shift
  // Normalised inputs pad with the value of a black pixel.
  EXPECT_EQ(data::black_pixel({0.5, 0.25}, {0.5, 0.25}, 2), (std::vector<double>{-1.0, -1.0}));
  EXPECT_EQ(data::black_pixel({}, {}, 3), (std::vector<double>{0, 0, 0}));
}

TEST(Recipe, BatchNormRecalibrationEqualsTheMeanOfBatchStatistics) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(2, 3, 3));
  torch::nn::BatchNorm2d bn(3);
  torch::nn::Sequential seq;
  seq->push_back("conv", conv);
  seq->push_back("bn", bn);
  seq->push_back("flatten", torch::nn::Flatten());
  seq->push_back("fc", torch::nn::Linear(3 * 4 * 4, 5));
  models::Classifier model(seq);
  torch::manual_seed(3);
  const auto x = torch::randn({40, 2, 6, 6}) * 3 + 1;
  // Something stale in the statistics, and an eval-mode model: both must not matter.
  bn->running_mean.fill_(5);
  bn->running_var.fill_(7);
  model.eval();
  ASSERT_TRUE(train::has_batchnorm(model));
  train::recalibrate_batchnorm(model, x, 16);  // batches of 16, 16 and 8
  torch::NoGradGuard no_grad;
  torch::Tensor mean = torch::zeros({3}), var = torch::zeros({3});
  for (int64_t lo : {0, 16, 32}) {
    const auto h = conv->forward(x.slice(0, lo, lo + 16)).transpose(0, 1).reshape({3, -1});
    mean += h.mean(1) / 3.0;
    var += h.var(1, /*unbiased=*/true) / 3.0;
  }
  EXPECT_TRUE(torch::allclose(bn->running_mean, mean, 1e-5, 1e-6)) << bn->running_mean << mean;
  EXPECT_TRUE(torch::allclose(bn->running_var, var, 1e-5, 1e-6)) << bn->running_var << var;
  EXPECT_FALSE(model.is_training());           // mode restored
  EXPECT_EQ(*bn->options.momentum(), 0.1);     // momentum restored
  EXPECT_FALSE(train::has_batchnorm(*models::make_classifier(ModelConfig{}, {1, 28, 28}, 10, 0)));
}

TEST(Recipe, DecayScopeAllPenalisesEveryParameter) {
  auto cfg = test_util::small_mnist_config(5, 20);
  cfg.model.bias = true;
  cfg.train.weight_decay = 0.01;
  cfg.train.decay_penalty = DecayPenalty::kSquared;
  const auto s = test_util::samples_of(cfg);
  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
  const auto x = s.train_inputs.slice(0, 0, 10), y = s.train_labels.slice(0, 0, 10);
  const double plain = train::objective(*model, x, y, cfg.train, false).item<double>();
  double weights = 0, all = 0;
  for (const auto& w : models::decayed_weights(*model)) weights += w.pow(2).sum().item<double>();
  for (const auto& p : model->parameters()) all += p.pow(2).sum().item<double>();
  ASSERT_GT(all, weights);  // the biases
  EXPECT_NEAR(train::objective(*model, x, y, cfg.train, true).item<double>(), plain + 0.005 * weights, 1e-6);
  cfg.train.decay_scope = DecayScope::kAll;
  EXPECT_NEAR(train::objective(*model, x, y, cfg.train, true).item<double>(), plain + 0.005 * all, 1e-6);
}

TEST(Recipe, FixedEpochsTrainTheWholeBudgetAndRecordTheTestError) {
  auto cfg = test_util::small_mnist_config(10, 50);
  cfg.train.stop_loss = 1e9;  // the stop rule holds at once ...
  cfg.train.stop_accuracy = -1;
  cfg.train.max_epoch = 3;
  const auto s = test_util::samples_of(cfg);
  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
  EXPECT_EQ(train::train_sgd(*model, s, cfg.train).epochs, 1);
  cfg.train.fixed_epochs = true;  // ... but the budget is fixed
  model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
  const auto r = train::train_sgd(*model, s, cfg.train);
  EXPECT_EQ(r.epochs, 3);
  EXPECT_EQ(r.stop_reason, StopReason::kMaxEpoch);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto logits = model->forward(s.test_inputs);
  EXPECT_DOUBLE_EQ(r.history.back().test_error, 1.0 - logits.argmax(1).eq(s.test_labels).to(torch::kDouble).mean().item<double>());
  EXPECT_NEAR(r.history.back().test_loss, torch::nn::functional::cross_entropy(logits, s.test_labels).item<double>(), 1e-6);
}

TEST(Recipe, MomentumScheduleAndAugmentationTrainReproducibly) {
  auto cfg = test_util::small_mnist_config(10, 50);
  cfg.train.momentum = 0.9;
  cfg.train.nesterov = true;
  cfg.train.lr = 0.02;
  cfg.train.warmup_epochs = 1;
  cfg.train.lr_steps = {2};
  cfg.train.augment = true;
  cfg.train.max_epoch = 3;
  cfg.train.fixed_epochs = true;
  const auto s = test_util::samples_of(cfg);
  auto once = [&] {
    auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
    const auto r = train::train_sgd(*model, s, cfg.train);
    return std::make_pair(r.train_loss, model->dense_layer("fc1")->weight.clone());
  };
  const auto a = once(), b = once();
  EXPECT_EQ(a.first, b.first);
  EXPECT_TRUE(a.second.equal(b.second));
  EXPECT_TRUE(std::isfinite(a.first));
}
