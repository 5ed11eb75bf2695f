// SGD training (SPEC §7): the stop rule, determinism, divergence, weight decay, dropout.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "awd/train/trainer.h"
#include "test_util.h"

using namespace awd;

namespace {
data::Samples samples_of(const RunConfig& cfg) {
  const auto folder = data::load_folder(cfg.data.path);
  return data::materialize(folder, data::draw_subset(folder, cfg.data));
}
}  // namespace

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

TEST(Model, InitialisationFollowsSpec) {
  ModelConfig mc;
  mc.init_scale = 2.0;
  auto m = models::make_classifier(mc, {1, 28, 28}, 10, 0);
  const auto w1 = m->dense_layer("fc1")->weight;
  const double xavier = 2.0 * std::sqrt(6.0 / (784 + 30));
  EXPECT_LE(w1.abs().max().item<double>(), xavier);
  EXPECT_GT(w1.abs().max().item<double>(), 0.95 * xavier);
  // U(-b, b) has standard deviation b / sqrt(3).
  EXPECT_NEAR(w1.std().item<double>(), xavier / std::sqrt(3.0), 0.02 * xavier);
  mc.init = Init::kTorch;
  auto t = models::make_classifier(mc, {1, 28, 28}, 10, 0);
  EXPECT_LE(t->dense_layer("fc2")->weight.abs().max().item<double>(), 2.0 / std::sqrt(30.0));
  EXPECT_EQ(m->dense_layer_names(), (std::vector<std::string>{"fc1", "fc2", "fc3"}));
  mc.hidden = {30, 30, 30, 30};
  EXPECT_EQ(models::make_classifier(mc, {1, 28, 28}, 10, 0)->dense_layer_names().size(), 5u);
  EXPECT_THROW(m->dense_layer("fc9"), std::invalid_argument);
  EXPECT_THROW(m->dense_layer("relu1"), std::invalid_argument);
}
