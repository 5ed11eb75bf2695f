// The CIFAR-10 CNN (SPEC §7) and the named presets: layer names and shapes,
// initialisation, the input-shape check, and the SPEC §6 identities on its
// analysed layer fc2 (120 -> 25, N = 3000) trained briefly on real CIFAR-10.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/duality/hessian.h"
#include "awd/store/config_json.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"
#include "test_util.h"

using namespace awd;

namespace {

ModelConfig cnn_config() {
  ModelConfig mc;
  mc.arch = Arch::kCnn;
  return mc;
}

/// The message of the std::invalid_argument `f` throws ("" if none).
template <typename F>
std::string invalid_argument_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

/// A CNN trained for a few epochs on 10 CIFAR-10 images per class: enough to
/// move away from the initialisation; the SPEC §6 identities hold at any weights.
struct CifarSolution {
  std::shared_ptr<models::Classifier> model;
  data::Samples samples;
  duality::AnalysisResult analysis;
};

const CifarSolution& cifar_solution() {
  static const CifarSolution s = [] {
    RunConfig cfg;
    apply_preset(cfg, "cifar-cnn");
    cfg.data.path = test_util::cifar_dir();
    cfg.data.per_class = 10;
    cfg.data.n_test = 50;
    cfg.train.max_epoch = 8;
    const auto folder = data::load_folder(cfg.data.path);
    CifarSolution out;
    out.samples = data::materialize(folder, data::draw_subset(folder, cfg.data));
    out.model = models::make_classifier(cfg.model, {3, 32, 32}, 10, 3);
    train::train_sgd(*out.model, out.samples, cfg.train);
    out.analysis = test_util::analyze(*out.model, out.samples, cfg.analysis);
    return out;
  }();
  return s;
}

}  // namespace

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
  EXPECT_NE(invalid_argument_of([&] { duality::sequential_split(*m, "pool1"); }).find("is not dense"),
            std::string::npos);
  EXPECT_NE(invalid_argument_of([&] { m->dense_layer("conv1"); }).find("is not dense"), std::string::npos);
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
  const auto msg = invalid_argument_of([] { models::make_classifier(cnn_config(), {1, 28, 28}, 10, 0); });
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

// --- SPEC §6 on fc2 of a CNN trained on CIFAR-10 -----------------------------
TEST(CnnSpec6, DualityHoldsForEveryPair) {
  const auto& s = cifar_solution();
  const auto& r = s.analysis;
  EXPECT_EQ(r.rows * r.cols, 3000);
  ASSERT_EQ(r.pairs_kept + r.pairs_skipped, 50);
  EXPECT_GT(r.pairs_kept, 40);
  EXPECT_LT(r.pairs.duality_residual.max().item<double>(), 1e-12) << "max |l(u_p; W*) - l(u'; W)|";
}

TEST(CnnSpec6, Eq10ReproducesPairGap) {
  const auto& r = cifar_solution().analysis;
  EXPECT_LT(r.eq10_residual, 1e-12 * std::max(1.0, std::abs(r.pair_gap)));
  EXPECT_NEAR(r.pair_gap, r.test_loss_pairs - r.loss_partners, 1e-13);  // Eq. 7
}

TEST(CnnSpec6, KroneckerHessianMatchesDoubleBackward) {
  const auto& s = cifar_solution();
  auto model = test_util::float64_copy(*s.model);
  const auto x = s.samples.train_inputs.to(torch::kDouble), y = s.samples.train_labels;
  const auto H = duality::layer_hessian(duality::linearize(*duality::sequential_split(*model, "fc2"), x));
  ASSERT_EQ(H.sizes(), (std::vector<int64_t>{3000, 3000}));
  // All 3000 rows by double backward would take minutes; 24 random rows,
  // one backward pass each, check every entry they contain.
  torch::manual_seed(5);
  const auto picked = torch::randperm(3000, torch::kInt64).slice(0, 0, 24);
  const std::vector<int64_t> rows(picked.data_ptr<int64_t>(), picked.data_ptr<int64_t>() + picked.numel());
  const auto Href = test_util::hessian_rows_by_double_backward(*model, "fc2", x, y, rows);
  const auto Hrows = H.index_select(0, picked);
  EXPECT_GT(Href.abs().max().item<double>(), 1e-6);  // not trivially zero
  EXPECT_TRUE(torch::allclose(Hrows, Href, 1e-10, 1e-13)) << (Hrows - Href).abs().max();
}

// --- presets -----------------------------------------------------------------
TEST(Presets, SetTheirFieldsAndAreRecorded) {
  RunConfig c;
  c.data.path = "/somewhere";
  apply_preset(c, "cifar-cnn");
  EXPECT_EQ(c.model.arch, Arch::kCnn);
  EXPECT_EQ(c.analysis.layer, "fc2");
  EXPECT_EQ(c.data.path, "/somewhere");  // the data path is the user's
  EXPECT_NO_THROW(validate(c));
  EXPECT_EQ(store::to_json(c)["model"]["preset"], "cifar-cnn");
  RunConfig back;
  store::update_from_json(back, store::to_json(c), "test");
  EXPECT_EQ(back.model.preset, "cifar-cnn");
  EXPECT_EQ(back.train.stop_loss, c.train.stop_loss);
  // A preset over another leaves nothing of the first behind.
  apply_preset(c, "mnist-mlp4");
  EXPECT_EQ(c.model.arch, Arch::kMlp);
  EXPECT_EQ(c.model.hidden, (std::vector<int64_t>{30, 30, 30, 30}));
  apply_preset(c, "mnist-mlp");
  RunConfig defaults;
  defaults.data.path = "/somewhere";
  defaults.model.preset = "mnist-mlp";
  EXPECT_EQ(store::to_json(c), store::to_json(defaults));
  const auto msg = invalid_argument_of([&] { apply_preset(c, "cifar"); });
  EXPECT_NE(msg.find("mnist-mlp, mnist-mlp4, cifar-cnn"), std::string::npos) << msg;
  c.model.preset = "nonsense";
  EXPECT_THROW(validate(c), std::invalid_argument);
  c.model.preset = "";
  EXPECT_EQ(invalid_argument_of([] { parse_option<Arch>("resnet"); }), "arch must be mlp or cnn");
}

TEST(Presets, MnistMlp4TrainsAndItsLayersFc2AndFc4Analyse) {
  auto cfg = test_util::small_mnist_config(20, 100);
  const auto path = cfg.data.path;
  apply_preset(cfg, "mnist-mlp4");
  cfg.train.max_epoch = 60;
  const auto folder = data::load_folder(path);
  const auto samples = data::materialize(folder, data::draw_subset(folder, cfg.data));
  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, cfg.train.seed);
  EXPECT_EQ(model->dense_layer_names(), (std::vector<std::string>{"fc1", "fc2", "fc3", "fc4", "fc5"}));
  const auto t = train::train_sgd(*model, samples, cfg.train);
  EXPECT_GT(t.train_accuracy, 0.9);
  for (const auto& layer : {cfg.analysis.layer, std::string("fc4")}) {
    AnalysisConfig a = cfg.analysis;
    a.layer = layer;
    const auto r = test_util::analyze(*model, samples, a);
    EXPECT_EQ(r.rows * r.cols, 900) << layer;
    EXPECT_LT(r.eq10_residual, 1e-12 * std::max(1.0, std::abs(r.pair_gap))) << layer;
    EXPECT_LT(r.duality_max_residual, 1e-12) << layer;
  }
}
