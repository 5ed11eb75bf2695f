// SGD training (SPEC §7, §9): the stop rule, determinism, divergence, weight decay and its scope,
// dropout, the fixed epoch budget, momentum schedules with augmentation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <utility>

#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "awd/train/trainer.h"
#include "test_util.h"

using namespace awd;

using test_util::samples_of;

TEST(Training, ReachesTheStopRuleOnMnistWith50PerClass) {
  auto cfg = test_util::small_mnist_config(50, 100);
  const auto samples = samples_of(cfg);
  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, cfg.train.seed);
  const auto r = train::train_sgd(*model, samples, cfg.train);
  EXPECT_EQ(r.stop_reason, StopReason::kStopRule);
  EXPECT_LT(r.train_loss, 1e-3);
  EXPECT_GT(r.train_accuracy, 0.99);
  EXPECT_LT(r.epochs, cfg.train.max_epoch);
  ASSERT_EQ(static_cast<int64_t>(r.history.size()), r.epochs);
  // The stop rule fired at the first epoch that met it.
  for (size_t i = 0; i + 1 < r.history.size(); ++i)
    EXPECT_FALSE(r.history[i].train_loss < 1e-3 && r.history[i].train_accuracy > 0.99) << "epoch " << i + 1;
  // Independent evaluation of the reported loss.
  model->eval();
  const auto logits = model->forward(samples.train_inputs);
  EXPECT_NEAR(torch::nn::functional::cross_entropy(logits, samples.train_labels).item<double>(), r.train_loss, 1e-6);
}

TEST(Training, SameSeedSameNumbers) {
  auto cfg = test_util::small_mnist_config(20, 60);
  cfg.model.dropout = 0.1;
  cfg.train.max_epoch = 15;
  const auto samples = samples_of(cfg);
  auto once = [&] {
    auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, cfg.train.seed);
    const auto t = train::train_sgd(*model, samples, cfg.train);
    const auto a = test_util::analyze(*model, samples, cfg.analysis);
    return std::make_tuple(t.train_loss, a.pair_gap, a.gap, a.decomposition.sum_dL, a.decomposition.dL_sharp,
                           model->dense_layer("fc2")->weight.clone());
  };
  const auto r1 = once(), r2 = once();
  EXPECT_EQ(std::get<0>(r1), std::get<0>(r2));
  EXPECT_EQ(std::get<1>(r1), std::get<1>(r2));
  EXPECT_EQ(std::get<2>(r1), std::get<2>(r2));
  EXPECT_EQ(std::get<3>(r1), std::get<3>(r2));
  EXPECT_EQ(std::get<4>(r1), std::get<4>(r2));
  EXPECT_TRUE(torch::equal(std::get<5>(r1), std::get<5>(r2)));
  cfg.train.seed = 1;
  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, cfg.train.seed);
  train::train_sgd(*model, samples, cfg.train);
  EXPECT_FALSE(torch::equal(model->dense_layer("fc2")->weight, std::get<5>(r1)));
}

TEST(Training, DivergenceIsReported) {
  auto cfg = test_util::small_mnist_config(10, 20);
  cfg.train.lr = 1e6;
  cfg.model.init_scale = 50;
  cfg.train.max_epoch = 50;
  const auto samples = samples_of(cfg);
  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
  const auto r = train::train_sgd(*model, samples, cfg.train);
  EXPECT_EQ(r.stop_reason, StopReason::kDiverged);
  EXPECT_LT(r.epochs, 50);
}

TEST(Training, WeightDecayShrinksTheSolutionAndStopsAtTStop) {
  auto cfg = test_util::small_mnist_config(10, 20);
  cfg.train.max_epoch = 20;
  cfg.train.stop_loss = 0;
  const auto samples = samples_of(cfg);
  auto norm_after = [&](double beta, int64_t t_stop) {
    auto c = cfg.train;
    c.weight_decay = beta;
    c.decay_stop = t_stop;
    auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
    train::train_sgd(*model, samples, c);
    double sq = 0;
    for (const auto& w : models::decayed_weights(*model)) sq += w.pow(2).sum().item<double>();
    return std::sqrt(sq);
  };
  const double plain = norm_after(0, 200), decayed = norm_after(0.05, 200);
  EXPECT_LT(decayed, plain);
  // t_stop = 0: no epoch with weight decay, identical to beta = 0.
  EXPECT_EQ(norm_after(0.05, 0), plain);
}

TEST(Training, DecayScopeAllPenalisesEveryParameter) {
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

TEST(Training, FixedEpochsTrainTheWholeBudgetAndRecordTheTestError) {
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

TEST(Training, MomentumScheduleAndAugmentationTrainReproducibly) {
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
