// The networks (SPEC §7) and their training view: layer names and shapes,
// initialisation, the input-shape check, the weights weight decay acts on.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "awd/duality/sequential_split.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "test_util.h"

using namespace awd;
using test_util::cnn_config;
using test_util::message_of;

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

// --- the network -------------------------------------------------------------
TEST(Cnn, DenseLayersAndShapesAreThePapers) {
  auto m = models::make_classifier(cnn_config(), {3, 32, 32}, 10, 0);
  EXPECT_EQ(m->dense_layer_names(), (std::vector<std::string>{"fc1", "fc2", "fc3"}));
  EXPECT_EQ(m->dense_layer("fc1")->weight.sizes(), (std::vector<int64_t>{120, 400}));
  EXPECT_EQ(m->dense_layer("fc2")->weight.sizes(), (std::vector<int64_t>{25, 120}));
  EXPECT_EQ(m->dense_layer("fc3")->weight.sizes(), (std::vector<int64_t>{10, 25}));
  const auto u = torch::rand({2, 3, 32, 32});
  EXPECT_EQ(m->forward(u).sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(test_util::activity(*m, "fc1", u).sizes(), (std::vector<int64_t>{2, 400}));  // flattened 16 x 5 x 5
  // The split at fc2: its two halves compose to the whole network, and it
  // holds fc2's own weights.
  const auto split = duality::sequential_split(*m, "fc2");
  const auto u64 = u.to(torch::kDouble);
  EXPECT_TRUE(torch::allclose(split->head(split->preactivation(split->activity(u64))),
                              m->forward(u).to(torch::kDouble), 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(split->weight(), m->dense_layer("fc2")->weight.detach().to(torch::kDouble)));
  EXPECT_FALSE(split->bias().defined());
  EXPECT_NE(message_of<std::invalid_argument>([&] { duality::sequential_split(*m, "pool1"); }).find("is not dense"),
            std::string::npos);
  EXPECT_NE(message_of<std::invalid_argument>([&] { m->dense_layer("conv1"); }).find("is not dense"), std::string::npos);
  EXPECT_THROW(m->dense_layer("pool2"), std::invalid_argument);
  EXPECT_FALSE(m->stages()->named_children()["conv1"]->as<torch::nn::Conv2d>()->bias.defined());
  // Dropout sits after the first hidden dense layer, as in the MLP.
  auto mc = cnn_config();
  mc.dropout = 0.2;
  std::vector<std::string> names;
  for (const auto& c : models::make_classifier(mc, {3, 32, 32}, 10, 0)->stages()->named_children())
    names.push_back(c.key());
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "relu_c1", "pool1", "conv2", "relu_c2", "pool2", "flatten",
                                             "fc1", "relu1", "dropout", "fc2", "relu2", "fc3"}));
}

TEST(Cnn, OtherInputShapesAreRejectedInOneLine) {
  const auto msg = message_of<std::invalid_argument>([] { models::make_classifier(cnn_config(), {1, 28, 28}, 10, 0); });
  EXPECT_NE(msg.find("[3, 32, 32]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1, 28, 28]"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(Cnn, InitialisationFollowsSpec) {
  auto mc = cnn_config();
  mc.init_scale = 2.0;
  mc.bias = true;
  auto m = models::make_classifier(mc, {3, 32, 32}, 10, 0);
  const auto stages = m->stages()->named_children();
  auto conv = [&](const std::string& n) { return stages[n]->as<torch::nn::Conv2d>(); };
  // Xavier uniform times s, fan_in = in k^2, fan_out = out k^2: conv2 has 6*25 and 16*25.
  const auto w2 = conv("conv2")->weight;
  const double xavier = 2.0 * std::sqrt(6.0 / (6 * 25 + 16 * 25));
  EXPECT_LE(w2.abs().max().item<double>(), xavier);
  EXPECT_GT(w2.abs().max().item<double>(), 0.95 * xavier);
  EXPECT_NEAR(w2.std().item<double>(), xavier / std::sqrt(3.0), 0.05 * xavier);
  // Biases follow `bias`, with PyTorch's bound 1/sqrt(fan_in).
  ASSERT_TRUE(conv("conv1")->bias.defined());
  EXPECT_LE(conv("conv1")->bias.abs().max().item<double>(), 1.0 / std::sqrt(75.0));
  // The torch option: U(+-s/sqrt(fan_in)), conv1 fan_in = 3*25.
  mc.init = Init::kTorch;
  auto t = models::make_classifier(mc, {3, 32, 32}, 10, 0);
  const auto w1 = t->stages()->named_children()["conv1"]->as<torch::nn::Conv2d>()->weight;
  EXPECT_LE(w1.abs().max().item<double>(), 2.0 / std::sqrt(75.0));
  EXPECT_GT(w1.abs().max().item<double>(), 0.9 * 2.0 / std::sqrt(75.0));
  EXPECT_LE(t->dense_layer("fc1")->weight.abs().max().item<double>(), 2.0 / std::sqrt(400.0));
  // The seed alone fixes every weight.
  auto again = models::make_classifier(mc, {3, 32, 32}, 10, 0);
  for (const auto& p : t->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), again->named_parameters()[p.key()])) << p.key();
}

TEST(Model, DecayedWeightsAreThoseOfLinearAndConvLayersOnly) {
  // A normalisation layer has a parameter called "weight" too: weight decay
  // must not shrink it, nor any bias.
  torch::nn::Sequential seq;
  seq->push_back("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 2, 3)));
  seq->push_back("norm", torch::nn::BatchNorm2d(2));
  seq->push_back("flatten", torch::nn::Flatten());
  seq->push_back("fc", torch::nn::Linear(8, 3));
  models::Classifier model(seq);
  const auto decayed = models::decayed_weights(model);
  ASSERT_EQ(decayed.size(), 2u);
  EXPECT_TRUE(decayed[0].is_same(seq->named_children()["conv"]->as<torch::nn::Conv2d>()->weight));
  EXPECT_TRUE(decayed[1].is_same(seq->named_children()["fc"]->as<torch::nn::Linear>()->weight));
  // Every parameter is written to weights/ under its stage name.
  std::vector<std::string> names;
  for (const auto& [name, value] : models::named_weights(model)) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv.weight", "conv.bias", "norm.weight", "norm.bias", "fc.weight",
                                             "fc.bias"}));
}
