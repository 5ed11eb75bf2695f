// Evaluating every k-th epoch (TrainConfig::eval_every, train::EpochEnd):
// which epochs are evaluated, that skipping an evaluation changes no weight
// (evaluation reads no random stream), and that the stop rule sees only
// evaluated epochs. Generated data only: small images with a class-dependent
// brightness, which a tiny ResNet and an MLP learn in a few epochs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "awd/distributed/exchange.h"
#include "awd/models/classifier.h"
#include <nlohmann/json.hpp>

#include "awd/store/config_json.h"
#include "awd/train/learners.h"
#include "awd/train/trainer.h"

using namespace awd;

namespace {

constexpr int64_t kClasses = 4;

/// `per_class` training and 5 test images per class of shape [channels, side,
/// side]: noise plus a class-dependent offset on one channel, so that the
/// classes are learnable but not at once.
data::Samples generated_images(int64_t per_class, int64_t channels, int64_t side, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto draw = [&](int64_t per) {
    const auto labels = torch::arange(kClasses, torch::kInt64).repeat_interleave(per);
    auto x = torch::randn({labels.size(0), channels, side, side}, gen);
    x.select(1, 0).add_(labels.to(torch::kFloat).view({-1, 1, 1}) * 0.7);
    return std::make_pair(x, labels);
  };
  data::Samples s;
  std::tie(s.train_inputs, s.train_labels) = draw(per_class);
  std::tie(s.test_inputs, s.test_labels) = draw(5);
  s.clean_mask = torch::ones({s.train_labels.size(0)}, torch::kBool);
  s.num_classes = kClasses;
  return s;
}

/// A ResNet-18 of base width 2 with the CIFAR recipe's optimiser, for 8x8 images.
RunConfig tiny_resnet_config() {
  RunConfig c;
  c.model.arch = Arch::kResnet18;
  c.model.width = 2;
  c.model.bias = true;
  c.train.batch_size = 8;
  c.train.lr = 0.05;
  c.train.momentum = 0.9;
  c.train.weight_decay = 5e-4;
  c.train.decay_penalty = DecayPenalty::kSquared;
  c.train.augment = true;  // the augmentation's generator must not notice the skipped evaluations either
  c.train.max_epoch = 5;
  c.train.fixed_epochs = true;
  return c;
}

std::shared_ptr<models::Classifier> make(const RunConfig& c, const data::Samples& s) {
  auto shape = s.train_inputs.sizes().vec();
  shape.erase(shape.begin());
  return models::make_classifier(c.model, shape, kClasses, 11);
}

/// Every parameter and buffer (BatchNorm's running statistics included), bit for bit.
void expect_same_state(models::Classifier& a, models::Classifier& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  for (const auto& item : pa) EXPECT_TRUE(item.value().equal(pb[item.key()])) << item.key();
  const auto ba = a.named_buffers(), bb = b.named_buffers();
  for (const auto& item : ba) EXPECT_TRUE(item.value().equal(bb[item.key()])) << item.key();
}

std::vector<int64_t> evaluated_epochs(const train::TrainResult& r) {
  std::vector<int64_t> out;
  for (const auto& e : r.history) out.push_back(e.epoch);
  return out;
}

/// The record of `epoch` in a history that evaluated every epoch.
const train::EpochRecord& record_at(const train::TrainResult& r, int64_t epoch) { return r.history.at(epoch - 1); }

void expect_same_record(const train::EpochRecord& a, const train::EpochRecord& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.train_loss, b.train_loss) << "epoch " << a.epoch;
  EXPECT_EQ(a.train_accuracy, b.train_accuracy) << "epoch " << a.epoch;
  EXPECT_EQ(a.test_loss, b.test_loss) << "epoch " << a.epoch;
  EXPECT_EQ(a.test_error, b.test_error) << "epoch " << a.epoch;
}

}  // namespace

TEST(EvalEvery, AutoIsEveryEpochWithoutBatchNormAndEveryKWithIt) {
  RunConfig mlp;
  auto resnet = tiny_resnet_config();
  const auto s = generated_images(2, 3, 8, 0);
  auto mlp_model = models::make_classifier(mlp.model, {3, 8, 8}, kClasses, 0);
  EXPECT_EQ(train::effective_eval_every(mlp.train, *mlp_model), 1);
  EXPECT_EQ(train::effective_eval_every(resnet.train, *make(resnet, s)), train::kBatchNormEvalEvery);
  resnet.train.eval_every = 3;
  EXPECT_EQ(train::effective_eval_every(resnet.train, *make(resnet, s)), 3);
}

// The same weights, buffers and evaluations at the evaluated epochs, whatever
// eval_every; the last epoch is always evaluated.
TEST(EvalEvery, SkippedEvaluationsChangeNoWeightOfOneLearner) {
  const auto s = generated_images(6, 3, 8, 1);
  auto every = tiny_resnet_config();
  every.train.eval_every = 1;
  auto a = make(every, s);
  const auto ra = train::train_sgd(*a, s, every.train);
  auto skip = every;
  skip.train.eval_every = 2;
  std::vector<train::EpochRecord> seen;
  auto b = make(skip, s);
  const auto rb = train::train_sgd(*b, s, skip.train, [&](const train::EpochRecord& r, const TrainConfig&) {
    seen.push_back(r);
  });
  expect_same_state(*a, *b);
  EXPECT_EQ(evaluated_epochs(ra), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  ASSERT_EQ(evaluated_epochs(rb), (std::vector<int64_t>{2, 4, 5}));
  for (const auto& r : rb.history) expect_same_record(r, record_at(ra, r.epoch));
  EXPECT_EQ(rb.epochs, 5);
  EXPECT_EQ(rb.train_loss, ra.train_loss);
  // Every epoch reaches the progress callback; the skipped ones carry the minibatch mean only.
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_FALSE(seen[0].evaluated);
  EXPECT_TRUE(seen[1].evaluated);
  for (const auto& r : seen) EXPECT_TRUE(std::isfinite(r.minibatch_loss)) << r.epoch;
  // Evaluating every epoch tracks no minibatch mean (the MNIST default's path is unchanged).
  EXPECT_TRUE(std::isnan(ra.history.front().minibatch_loss));
}

TEST(EvalEvery, SkippedEvaluationsChangeNoWeightOfSsgdOrDpsgdLearners) {
  const auto s = generated_images(6, 3, 8, 2);
  for (const auto algo : {Algo::kSsgd, Algo::kDpsgd}) {
    auto c = tiny_resnet_config();
    c.train.batch_size = 4;
    c.learners.count = 3;
    c.learners.algo = algo;
    c.train.eval_every = 1;
    auto a = make(c, s);
    auto ex = distributed::local_exchange(3);
    const auto ra = train::train_learners(*a, s, c.train, c.learners, std::nullopt, *ex);
    c.train.eval_every = 3;
    auto b = make(c, s);
    auto ex2 = distributed::local_exchange(3);
    const auto rb = train::train_learners(*b, s, c.train, c.learners, std::nullopt, *ex2);
    expect_same_state(*a, *b);
    ASSERT_EQ(evaluated_epochs(rb), (std::vector<int64_t>{3, 5})) << to_string(algo);
    for (const auto& r : rb.history) expect_same_record(r, record_at(ra, r.epoch));
  }
}

// The rule of SPEC §7 is checked on evaluated epochs only: the run stops at
// the first evaluated epoch where it holds, with the numbers an every-epoch
// run records there, at most eval_every - 1 epochs after it first held.
TEST(EvalEvery, TheStopRuleSeesEvaluatedEpochsOnly) {
  const auto s = generated_images(10, 1, 6, 3);
  RunConfig c;
  c.model.hidden = {16};
  c.train.batch_size = 10;
  c.train.lr = 0.1;
  c.train.stop_loss = 0.05;
  c.train.max_epoch = 2000;
  auto every = c;
  every.train.eval_every = 1;
  auto a = models::make_classifier(every.model, {1, 6, 6}, kClasses, 5);
  const auto first = train::train_sgd(*a, s, every.train);
  ASSERT_EQ(first.stop_reason, StopReason::kStopRule);
  const int64_t held = first.epochs;
  ASSERT_GT(held, 8);  // so that eval_every 4 has something to skip

  auto skip = c;
  skip.train.eval_every = 4;
  auto b = models::make_classifier(skip.model, {1, 6, 6}, kClasses, 5);
  const auto rb = train::train_sgd(*b, s, skip.train);
  EXPECT_EQ(rb.stop_reason, StopReason::kStopRule);
  EXPECT_GE(rb.epochs, held);
  EXPECT_LT(rb.epochs, held + 4);
  EXPECT_EQ(rb.history.back().epoch, rb.epochs);
  EXPECT_LT(rb.history.size(), size_t(rb.epochs) / 2);  // most epochs were skipped

  // The trajectory of every epoch up to there, evaluated each time.
  auto fixed = every;
  fixed.train.fixed_epochs = true;
  fixed.train.max_epoch = rb.epochs;
  auto f = models::make_classifier(fixed.model, {1, 6, 6}, kClasses, 5);
  const auto rf = train::train_sgd(*f, s, fixed.train);
  expect_same_state(*b, *f);
  for (const auto& r : rb.history) {
    expect_same_record(r, record_at(rf, r.epoch));
    const bool rule = r.train_loss < c.train.stop_loss && r.train_accuracy > c.train.stop_accuracy;
    EXPECT_EQ(rule, r.epoch == rb.epochs) << "epoch " << r.epoch;
  }
}

// The minibatch mean brings an evaluation forward (here the rule holds at
// once), and a non-finite one makes divergence show at that epoch.
TEST(EvalEvery, MinibatchMeanBringsEvaluationsForward) {
  const auto s = generated_images(6, 3, 8, 4);
  auto c = tiny_resnet_config();
  c.train.fixed_epochs = false;
  c.train.max_epoch = 20;
  c.train.eval_every = 10;
  c.train.stop_loss = 1e9;
  c.train.stop_accuracy = -1;
  auto m = make(c, s);
  const auto r = train::train_sgd(*m, s, c.train);
  EXPECT_EQ(r.stop_reason, StopReason::kStopRule);
  EXPECT_EQ(r.epochs, 1);

  RunConfig wild;  // an MLP: BatchNorm would keep the logits finite for a while
  wild.train.eval_every = 50;
  wild.train.max_epoch = 100;
  wild.train.lr = 1e12;
  auto w = models::make_classifier(wild.model, {3, 8, 8}, kClasses, 0);
  const auto rw = train::train_sgd(*w, s, wild.train);
  EXPECT_EQ(rw.stop_reason, StopReason::kDiverged);
  EXPECT_LT(rw.epochs, 50);
}

TEST(EvalEvery, IsRecordedAndValidated) {
  RunConfig c;
  EXPECT_EQ(c.train.eval_every, 0);  // auto
  c.train.eval_every = 7;
  RunConfig back;
  store::update_from_json(back, store::to_json(c), "test");
  EXPECT_EQ(back.train.eval_every, 7);
  c.train.eval_every = -1;
  try {
    validate(c);
    ADD_FAILURE() << "eval_every -1 accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("eval_every"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}
