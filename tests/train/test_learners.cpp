// Several learners (SPEC §8): SSGD, DPSGD, ring mixing and the noise eta(t).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "awd/distributed/exchange.h"
#include "awd/duality/hessian.h"
#include "awd/train/learners.h"
#include "test_util.h"

using namespace awd;

using test_util::samples_of;

namespace {

/// 10 per class = 100 MNIST samples, trained for a fixed number of epochs.
RunConfig tiny(int64_t epochs) {
  auto cfg = test_util::small_mnist_config(10, 50);
  cfg.train.stop_loss = 0;  // no early stop: every run does all its epochs
  cfg.train.max_epoch = epochs;
  return cfg;
}

std::shared_ptr<models::Classifier> initial_model(const RunConfig& cfg) {
  return models::make_classifier(cfg.model, {1, 28, 28}, 10, cfg.train.seed);
}

train::TrainResult train_n(models::Classifier& model, const data::Samples& s, const RunConfig& cfg) {
  auto exchange = distributed::local_exchange(cfg.learners.count);
  return train::train_learners(model, s, cfg.train, cfg.learners, model.find_dense(cfg.analysis.layer), *exchange);
}

double max_abs_diff(models::Classifier& a, models::Classifier& b) {
  double d = 0;
  const auto pa = a.parameters(), pb = b.parameters();
  for (size_t k = 0; k < pa.size(); ++k) d = std::max(d, (pa[k] - pb[k]).abs().max().item<double>());
  return d;
}

bool same_weights(models::Classifier& a, models::Classifier& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  for (size_t k = 0; k < pa.size(); ++k)
    if (!torch::equal(pa[k], pb[k])) return false;
  return true;
}

}  // namespace

TEST(Learners, SsgdWithNLearnersIsOneLearnerWithBatchNb) {
  // 100 samples, n = 4, b = 7: B = 28, so every epoch ends with a step of 16
  // samples where learner 2 has 2 samples and learner 3 none.
  auto cfg = tiny(4);
  cfg.train.weight_decay = 1e-3;  // the penalty must enter once, not n times
  const auto s = samples_of(cfg);
  auto one_cfg = cfg;
  one_cfg.train.batch_size = 28;
  auto one = initial_model(cfg);
  const auto r1 = train::train_sgd(*one, s, one_cfg.train);

  cfg.learners.count = 4;
  cfg.train.batch_size = 7;
  auto many = initial_model(cfg);
  const auto rn = train_n(*many, s, cfg);
  EXPECT_LT(max_abs_diff(*one, *many), 1e-5);
  EXPECT_NEAR(r1.train_loss, rn.train_loss, 1e-5);
  EXPECT_EQ(rn.epochs, 4);
}

TEST(Learners, OneLearnerIsPlainSgdExactly) {
  auto cfg = tiny(3);
  cfg.model.dropout = 0.2;  // the learner's dropout stream is plain SGD's
  const auto s = samples_of(cfg);
  auto plain = initial_model(cfg);
  train::train_sgd(*plain, s, cfg.train);
  for (const auto algo : {Algo::kDpsgd, Algo::kSsgd})
    for (const auto mixing : {Mixing::kAll, Mixing::kRing}) {
      cfg.learners.algo = algo;
      cfg.learners.mixing = mixing;
      auto m = initial_model(cfg);
      train_n(*m, s, cfg);
      EXPECT_TRUE(same_weights(*plain, *m))
          << to_string(algo) << " " << to_string(mixing) << ": " << max_abs_diff(*plain, *m);
    }
}

TEST(Learners, RingMixingAveragesNeighboursAndPreservesTheMean) {
  const int64_t n = 5;
  auto ex = distributed::local_exchange(n);
  distributed::LearnerTensors w;
  for (int64_t a = 0; a < n; ++a) w.push_back({torch::randn({3, 4}), torch::randn({7})});
  const auto mixed = ex->mix(w, awd::Mixing::kRing);
  for (int64_t a = 0; a < n; ++a) {
    const auto expect = (w[(a + n - 1) % n][0] + w[a][0] + w[(a + 1) % n][0]) / 3;
    EXPECT_TRUE(torch::allclose(mixed[a][0], expect, 1e-6, 1e-6)) << "learner " << a;
  }
  const auto before = ex->mean(w), after = ex->mean(mixed);
  for (size_t k = 0; k < before.size(); ++k) EXPECT_TRUE(torch::allclose(before[k], after[k], 1e-6, 1e-6));
  const auto all = ex->mix(w, awd::Mixing::kAll);
  for (int64_t a = 0; a < n; ++a) EXPECT_TRUE(torch::equal(all[a][1], before[1]));
  // Two learners are each other's only neighbour; one is its own.
  EXPECT_EQ(distributed::ring_neighbourhood(0, 2), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(distributed::ring_neighbourhood(0, 1), (std::vector<int64_t>{0}));
}

TEST(Learners, DpsgdFollowsEquation14StepByStep) {
  // n = 4 on a ring, N = 20 < n b = 24: one step per epoch, in which learner
  // 3 has 2 samples, so two epochs are two steps that the test replays with
  // the update written out: learner a's gradient at its own weights over its
  // own samples (not reweighted), its new weights from (w_{a-1} + w_a + w_{a+1}) / 3.
  auto cfg = tiny(2);
  cfg.data.per_class = 2;  // 20 samples
  cfg.learners.count = 4;
  cfg.learners.algo = Algo::kDpsgd;
  cfg.train.batch_size = 6;
  const auto s = samples_of(cfg);
  auto trained = initial_model(cfg);
  train_n(*trained, s, cfg);

  const int64_t n = 4, b = 6, n_samples = 20;
  auto init = initial_model(cfg);
  std::vector<std::vector<torch::Tensor>> w(n);
  for (auto& wa : w)
    for (const auto& p : init->parameters()) wa.push_back(p.detach().clone());
  auto gen = at::make_generator<at::CPUGeneratorImpl>(cfg.train.seed + 2);
  for (int step = 0; step < 2; ++step) {
    const auto order = torch::randperm(n_samples, gen, torch::kInt64);
    std::vector<std::vector<torch::Tensor>> grads(n);
    for (int64_t a = 0; a < n; ++a) {
      auto m = init->copy();
      const auto params = m->parameters();
      {
        torch::NoGradGuard g;
        for (size_t k = 0; k < params.size(); ++k) params[k].copy_(w[a][k]);
      }
      const auto idx = order.slice(0, a * b, std::min(n_samples, (a + 1) * b));
      torch::nn::functional::cross_entropy(m->forward(s.train_inputs.index_select(0, idx)),
                                           s.train_labels.index_select(0, idx))
          .backward();
      for (const auto& p : params) grads[a].push_back(p.grad().clone());
    }
    auto next = w;
    for (int64_t a = 0; a < n; ++a)
      for (size_t k = 0; k < w[a].size(); ++k)
        next[a][k] = (w[(a + n - 1) % n][k] + w[a][k] + w[(a + 1) % n][k]) / 3 - cfg.train.lr * grads[a][k];
    w = next;
  }
  const auto params = trained->parameters();
  for (size_t k = 0; k < params.size(); ++k) {
    const auto mean = (w[0][k] + w[1][k] + w[2][k] + w[3][k]) / 4;
    EXPECT_TRUE(torch::allclose(params[k], mean, 1e-5, 1e-6)) << "parameter " << k;
  }
}

TEST(Learners, SsgdNoiseIsTheMinibatchGradientNoise) {
  // At step 1 every learner is at the initial weights: eta is the gradient
  // over the step's B samples minus the gradient over the whole training set.
  auto cfg = tiny(1);
  cfg.learners.count = 4;
  cfg.train.batch_size = 5;
  cfg.learners.noise_every = 1;
  cfg.learners.noise_top = 900;  // every direction of the 30x30 layer
  const auto s = samples_of(cfg);
  auto trained = initial_model(cfg);
  const auto r = train_n(*trained, s, cfg);
  ASSERT_EQ(r.noise.size(), 5u);  // 100 samples / B = 20
  const auto& rec = r.noise.front();
  EXPECT_EQ(rec.step, 1);

  auto m = initial_model(cfg);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(cfg.train.seed + 2);
  const auto idx = torch::randperm(100, gen, torch::kInt64).slice(0, 0, 20);
  auto grad_of = [&](const torch::Tensor& x, const torch::Tensor& y) {
    m->zero_grad(true);
    torch::nn::functional::cross_entropy(m->forward(x), y).backward();
    std::vector<torch::Tensor> g;
    for (const auto& p : m->parameters()) g.push_back(p.grad().to(torch::kDouble).clone());
    return g;
  };
  const auto gb = grad_of(s.train_inputs.index_select(0, idx), s.train_labels.index_select(0, idx));
  const auto gs = grad_of(s.train_inputs, s.train_labels);
  double eta_sq = 0;
  for (size_t k = 0; k < gb.size(); ++k) eta_sq += (gb[k] - gs[k]).pow(2).sum().item<double>();
  EXPECT_NEAR(rec.eta_sq, eta_sq, 1e-5 * eta_sq);
  const auto w = m->dense_layer("fc2")->weight;
  const auto params = m->parameters();
  size_t layer = 0;
  while (!params[layer].is_same(w)) ++layer;
  const double layer_sq = (gb[layer] - gs[layer]).pow(2).sum().item<double>();
  EXPECT_NEAR(rec.eta_layer_sq, layer_sq, 1e-5 * layer_sq);
  // Over a complete eigenbasis the squared projections add up to the norm
  // (Parseval), and the eigenvalues come largest first.
  ASSERT_EQ(rec.eta_top_sq.size(), 900u);
  double total = 0;
  for (double p : rec.eta_top_sq) total += p;
  EXPECT_NEAR(total, rec.eta_layer_sq, 1e-6 * rec.eta_layer_sq);
  for (size_t i = 1; i < rec.top_eigenvalues.size(); ++i)
    EXPECT_GE(rec.top_eigenvalues[i - 1], rec.top_eigenvalues[i]);
  // lambda_1 against the Rayleigh quotient bound of a direction by hand: no
  // unit vector exceeds it.
  auto m64 = test_util::float64_copy(*m);
  const auto h = duality::layer_hessian(duality::linearize(*duality::sequential_split(*m64, "fc2"), s.train_inputs.to(torch::kDouble)));
  const auto v = torch::randn({900}, torch::kDouble);
  EXPECT_LE((v.dot(h.mv(v)) / v.dot(v)).item<double>(), rec.top_eigenvalues[0] * (1 + 1e-9));
  // The loss recorded is the full training loss at w_bar = the initial weights.
  m->eval();
  EXPECT_NEAR(rec.train_loss,
              torch::nn::functional::cross_entropy(m->forward(s.train_inputs), s.train_labels).item<double>(), 1e-6);
}

TEST(Learners, DpsgdDiffersFromSsgdAndReportsTheMeanWeights) {
  auto cfg = tiny(3);
  cfg.learners.count = 4;
  cfg.train.batch_size = 5;
  const auto s = samples_of(cfg);
  auto ssgd = initial_model(cfg);
  train_n(*ssgd, s, cfg);
  cfg.learners.algo = Algo::kDpsgd;
  auto dpsgd = initial_model(cfg);
  const auto r = train_n(*dpsgd, s, cfg);
  const double d = max_abs_diff(*ssgd, *dpsgd);
  EXPECT_GT(d, 1e-6);  // gradients at different weights: not the same path
  EXPECT_LT(d, 0.1);   // ... but the same landscape and the same minibatches
  // The reported loss is that of the weights returned.
  dpsgd->eval();
  const auto logits = dpsgd->forward(s.train_inputs);
  EXPECT_NEAR(torch::nn::functional::cross_entropy(logits, s.train_labels).item<double>(), r.train_loss, 1e-6);
}

TEST(Learners, MoreLearnersThanSamplesIsAClearError) {
  auto cfg = tiny(1);
  cfg.data.per_class = 1;  // 10 samples
  cfg.learners.count = 11;
  const auto s = samples_of(cfg);
  auto m = initial_model(cfg);
  try {
    train_n(*m, s, cfg);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("exceed the 10 training samples"), std::string::npos) << e.what();
  }
}
