// The paper's networks end to end: the SPEC §6 identities on the CIFAR-10
// CNN's analysed layer fc2 (120 -> 25, N = 3000) trained briefly on CIFAR-10
// (or generated CIFAR-format images: test_files.h test_data), and the
// four-hidden-layer MNIST preset trained and analysed.
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

/// A CNN trained for a few epochs on 10 images per class: enough to
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
