// Flatness along the sharpest directions (paper Fig. S6) and pair-gap coverage (paper Fig. S1).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "awd/duality/analysis.h"
#include "awd/duality/coverage.h"
#include "awd/duality/flatness.h"
#include "test_util.h"

using namespace awd;

namespace {

/// Distances along +t and -t of a toy loss given as a function of signed t.
std::pair<double, double> both_sides(const std::function<double(double)>& L,
                                     const duality::LineSearchOptions& opt = {}) {
  return {duality::loss_multiple_distance([&](double t) { return L(t); }, opt),
          duality::loss_multiple_distance([&](double t) { return L(-t); }, opt)};
}

}  // namespace

// L(t) = L0 + a t^2 reaches 2 L0 at t = sqrt(L0 / a) on both sides: F = 2 sqrt(L0 / a).
TEST(LineSearch, QuadraticToyLoss) {
  const double L0 = 0.3, a = 2.0, t = std::sqrt(L0 / a);
  auto [tp, tm] = both_sides([&](double s) { return L0 + a * s * s; });
  EXPECT_NEAR(tp, t, 2e-6 * t);
  EXPECT_NEAR(tm, t, 2e-6 * t);
  EXPECT_NEAR(tp + tm, 2 * std::sqrt(L0 / a), 4e-6 * t);
  // A first step already past the level brackets from 0 instead.
  duality::LineSearchOptions big;
  big.initial_step = 100.0;
  EXPECT_NEAR(duality::loss_multiple_distance([&](double s) { return L0 + a * s * s; }, big), t, 2e-6 * t);
  // Another multiple of L(0): 3 L0 at t = sqrt(2 L0 / a).
  duality::LineSearchOptions three;
  three.factor = 3.0;
  EXPECT_NEAR(duality::loss_multiple_distance([&](double s) { return L0 + a * s * s; }, three),
              std::sqrt(2 * L0 / a), 2e-6);
}

// L(t) = 9/7 + t^2 + (2/7) t^3 reaches 18/7 at t = 1 (1 + 2/7 = 9/7) and,
// along -t, at t = 1.5 (2.25 - (2/7) 3.375 = 9/7), before the cubic turns
// over at t = 7/3: t_+ = 1, t_- = 1.5, F = 2.5.
TEST(LineSearch, AsymmetricCubicToyLoss) {
  auto [tp, tm] = both_sides([](double s) { return 9.0 / 7.0 + s * s + 2.0 / 7.0 * s * s * s; });
  EXPECT_NEAR(tp, 1.0, 2e-6);
  EXPECT_NEAR(tm, 1.5, 3e-6);
  EXPECT_NEAR(tp + tm, 2.5, 5e-6);
}

TEST(LineSearch, NeverReachingIsInfiniteNotAWrongNumber) {
  // Saturates at L0 + 1 < 2 L0.
  EXPECT_TRUE(std::isinf(duality::loss_multiple_distance([](double t) { return 2.0 + 1.0 - std::exp(-t); })));
  // Reaches 2 L0 only at t = 1e6, beyond the cap of 1e4.
  EXPECT_TRUE(std::isinf(duality::loss_multiple_distance([](double t) { return 1.0 + 1e-12 * t * t; })));
  // Flat: never moves.
  EXPECT_TRUE(std::isinf(duality::loss_multiple_distance([](double) { return 0.5; })));
  // A loss that cannot be evaluated is NaN, not a distance.
  EXPECT_TRUE(std::isnan(duality::loss_multiple_distance([](double t) { return t > 1 ? NAN : 1.0; })));
  // An infinite loss has passed every level.
  EXPECT_NEAR(duality::loss_multiple_distance([](double t) { return t > 0.25 ? INFINITY : 1.0; }), 0.25, 1e-6);
}

// Partial means over a hand-made l_k: 1, 2, ..., 20 has mean (n + 1) / 2 over the first n.
TEST(Coverage, PartialMeansOfHandMadePairGaps) {
  const auto l = torch::arange(1, 21, torch::kDouble);
  const auto c = duality::pair_gap_coverage(l, l + 3.0, 0.5);
  ASSERT_EQ(c.fraction.numel(), 20);
  for (int64_t i = 0; i < 20; ++i) {
    const double n = double(i + 1);
    EXPECT_DOUBLE_EQ(c.fraction[i].item<double>(), n / 20.0);
    EXPECT_EQ(c.pairs[i].item<int64_t>(), i + 1);
    EXPECT_DOUBLE_EQ(c.pair_gap[i].item<double>(), (n + 1) / 2);
    EXPECT_DOUBLE_EQ(c.gap[i].item<double>(), (n + 1) / 2 + 3.0 - 0.5);
  }
  // K = 7: ceil(7 f) pairs, e.g. 1 at f = 0.05, 2 at f = 0.15, 4 at f = 0.5, 7 at f = 1;
  // only the first l_k is non-zero, so dL_p(f) = 7 / pairs.
  const auto l7 = torch::tensor({7.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}, torch::kDouble);
  const auto c7 = duality::pair_gap_coverage(l7, l7, 0.0);
  for (int64_t i = 0; i < 20; ++i) {
    const int64_t pairs = (7 * (i + 1) + 19) / 20;
    EXPECT_EQ(c7.pairs[i].item<int64_t>(), pairs);
    EXPECT_DOUBLE_EQ(c7.pair_gap[i].item<double>(), 7.0 / double(pairs));
  }
  EXPECT_EQ(c7.pairs[2].item<int64_t>(), 2);
  // f = 0.15 of 100 pairs is 15, though 0.05 * 3 * 100 rounds up to 16 in floating point.
  EXPECT_EQ(duality::pair_gap_coverage(torch::zeros({100}, torch::kDouble), torch::zeros({100}, torch::kDouble), 0)
                .pairs[2].item<int64_t>(), 15);
  EXPECT_THROW(duality::pair_gap_coverage(torch::zeros({0}, torch::kDouble), torch::zeros({0}, torch::kDouble), 0),
               std::invalid_argument);
}

// On a trained MNIST layer: at the returned t_+ the training loss, recomputed
// by really setting the layer's weights to W + t_+ v_i and running the whole
// network, is twice its value at the solution.
TEST(Flatness, DoublesTheTrainingLossOnMnist) {
  const auto s = test_util::small_solution();
  AnalysisConfig cfg;
  cfg.flatness_top = 4;
  const auto r = test_util::analyze(*s.model, s.samples, cfg);
  const auto& f = r.flatness;
  ASSERT_EQ(f.F.numel(), 4);
  EXPECT_TRUE(torch::equal(f.basis_index, r.decomposition.directions.basis_index.slice(0, 0, 4)));
  EXPECT_TRUE(torch::allclose(f.F, f.t_plus + f.t_minus, 0, 0));
  // The sharpest directions have a finite width.
  EXPECT_TRUE(torch::isfinite(f.F.slice(0, 0, 3)).all().item<bool>()) << f.F;
  EXPECT_TRUE((f.F > 0).all().item<bool>()) << f.F;
  EXPECT_TRUE(r.seconds.count("flatness"));

  auto model = test_util::float64_copy(*s.model);
  auto W = model->dense_layer(cfg.layer)->weight;
  const auto W0 = W.detach().clone();
  const auto x = s.samples.train_inputs.index({s.samples.clean_mask}).to(torch::kDouble);
  const auto y = s.samples.train_labels.index({s.samples.clean_mask});
  torch::NoGradGuard g;
  auto loss_at = [&](const torch::Tensor& w) {
    W.copy_(w);
    const double l = torch::nn::functional::cross_entropy(model->forward(x), y).item<double>();
    W.copy_(W0);
    return l;
  };
  const double L0 = loss_at(W0);
  EXPECT_NEAR(L0, r.loss_train, 1e-12 * L0);
  for (int64_t i = 0; i < 3; ++i) {
    const auto v = f.direction[i].reshape(W0.sizes());
    EXPECT_NEAR(v.norm().item<double>(), 1.0, 1e-12);
    const double tp = f.t_plus[i].item<double>(), tm = f.t_minus[i].item<double>();
    EXPECT_NEAR(loss_at(W0 + tp * v), 2 * L0, 1e-4 * L0) << "rank " << i + 1 << " t_+ = " << tp;
    EXPECT_NEAR(loss_at(W0 - tm * v), 2 * L0, 1e-4 * L0) << "rank " << i + 1 << " t_- = " << tm;
    // Halfway there the loss is still below the level.
    EXPECT_LT(loss_at(W0 + 0.5 * tp * v), 2 * L0);
  }

  // Coverage: the whole set reproduces the summary's dL_p.
  const auto& c = r.coverage;
  ASSERT_EQ(c.fraction.numel(), 20);
  EXPECT_EQ(c.pairs[19].item<int64_t>(), r.pairs_kept);
  EXPECT_NEAR(c.pair_gap[19].item<double>(), r.pair_gap, 1e-13);
  EXPECT_NEAR(c.gap[19].item<double>(), r.test_loss_pairs - r.loss_train, 1e-13);

  // 0 switches flatness off; a negative K is refused.
  cfg.flatness_top = 0;
  EXPECT_FALSE(test_util::analyze(*s.model, s.samples, cfg).flatness.F.defined());
  RunConfig bad;
  bad.analysis.flatness_top = -1;
  EXPECT_THROW(validate(bad), std::invalid_argument);
}
