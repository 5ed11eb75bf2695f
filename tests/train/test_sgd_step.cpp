// train/sgd_step (SPEC §9): momentum and Nesterov against torch::optim::SGD,
// the squared weight decay against its weight_decay, the learning-rate schedule by hand.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "awd/train/sgd_step.h"
#include "awd/train/trainer.h"
#include "test_util.h"

using namespace awd;

TEST(SgdStep, MomentumAndNesterovStepAsTorchOptimSgd) {
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
TEST(SgdStep, SquaredWeightDecayStepsAsTorchOptimWeightDecay) {
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

TEST(SgdStep, LearningRateWarmsUpThenSteps) {
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
