// The SPEC §6 identities, a hand-worked tiny case, and the rule of SPEC §5.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/duality/decomposition.h"
#include "awd/duality/dual_weights.h"
#include "awd/duality/hessian.h"
#include "awd/train/trainer.h"
#include "test_util.h"

using namespace awd;
using torch::indexing::Slice;

namespace {

torch::Tensor dbl(std::vector<double> v, std::vector<int64_t> shape) {
  return torch::tensor(v, torch::kDouble).reshape(shape);
}

/// A three-layer bias-free ReLU net with the given weights (float64).
std::shared_ptr<models::Classifier> tiny_net(const torch::Tensor& w1, const torch::Tensor& w2, const torch::Tensor& w3) {
  torch::nn::Sequential seq;
  auto lin = [](const torch::Tensor& w) {
    torch::nn::Linear l(torch::nn::LinearOptions(w.size(1), w.size(0)).bias(false));
    l->to(torch::kDouble);
    torch::NoGradGuard g;
    l->weight.copy_(w);
    return l;
  };
  seq->push_back("fc1", lin(w1));
  seq->push_back("relu1", torch::nn::ReLU());
  seq->push_back("fc2", lin(w2));
  seq->push_back("relu2", torch::nn::ReLU());
  seq->push_back("fc3", lin(w3));
  return std::make_shared<models::Classifier>(seq);
}

torch::Tensor loss_gradient(models::Classifier& model, const std::string& layer, const torch::Tensor& x,
                            const torch::Tensor& y) {
  auto W = model.dense_layer(layer)->weight;
  auto loss = torch::nn::functional::cross_entropy(model.forward(x), y);
  return torch::autograd::grad({loss}, {W})[0].flatten();
}

using test_util::small_solution;

}  // namespace

// --- hand-worked case --------------------------------------------------------
// W = I (2x2) on x = (1, 2), x' = (2, 1): dx = (1, -1), W dx = (1, -1), ||x||^2 = 5,
// so dW = (W dx) x^T / 5 = [[1, 2], [-1, -2]] / 5, and W* x = (1,2) + (1,-1) = W x'.
TEST(HandWorked, DualWeightsAndEffectiveGradient) {
  const auto W = torch::eye(2, torch::kDouble);
  const auto x = dbl({1, 2}, {1, 2}), xt = dbl({2, 1}, {1, 2});
  const auto dW = duality::dual_weights(W, x, xt);
  EXPECT_TRUE(torch::allclose(dW[0], dbl({0.2, 0.4, -0.2, -0.4}, {2, 2}), 0, 1e-15));
  EXPECT_TRUE(torch::allclose((W + dW[0]).matmul(x[0]), W.matmul(xt[0]), 0, 1e-15));
  // With fc3 = I the logits are z itself. Label 0: l(x') = log(1 + e^-1), l(x) = log(1 + e^1),
  // l_k = -1 exactly; ||dW||^2 = 10/25, so g = -dW / 0.4 = [[-0.5, -1], [0.5, 1]].
  auto net = tiny_net(torch::eye(2, torch::kDouble), W, torch::eye(2, torch::kDouble));
  const auto y = torch::tensor({0}, torch::kInt64);
  const auto l_test = torch::nn::functional::cross_entropy(net->forward(xt), y).item<double>();
  const auto l_part = torch::nn::functional::cross_entropy(net->forward(x), y).item<double>();
  EXPECT_NEAR(l_test, std::log1p(std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(l_part, std::log1p(std::exp(1.0)), 1e-15);
  const auto g = duality::effective_gradients(torch::tensor({l_test - l_part}, torch::kDouble), dW);
  EXPECT_TRUE(torch::allclose(g[0], dbl({-0.5, -1, 0.5, 1}, {4}), 0, 1e-14));
  EXPECT_NEAR((g[0] * dW[0].flatten()).sum().item<double>(), -1.0, 1e-14);
  // A zero weight change has a zero effective gradient.
  EXPECT_EQ(duality::effective_gradients(torch::ones({1}, torch::kDouble), torch::zeros({1, 2, 2}, torch::kDouble))
                .abs().sum().item<double>(), 0.0);
}

// One sample x = (1, 1), W = I, fc3 = I: z = (1, 1), p = (1/2, 1/2), so
// H_z = diag(p) - p p^T = [[1, -1], [-1, 1]] / 4 and H = H_z (kron) x x^T:
// rows (a,b) = a*2+b, H[(a,b),(c,d)] = H_z[a,c].
TEST(HandWorked, LayerHessian) {
  auto net = tiny_net(torch::eye(2, torch::kDouble), torch::eye(2, torch::kDouble), torch::eye(2, torch::kDouble));
  const auto lin = duality::linearize(*duality::sequential_split(*net, "fc2"), dbl({1, 1}, {1, 2}));
  const auto H = duality::layer_hessian(lin);
  const auto expected = dbl({1, 1, -1, -1, 1, 1, -1, -1, -1, -1, 1, 1, -1, -1, 1, 1}, {4, 4}) / 4.0;
  EXPECT_TRUE(torch::allclose(H, expected, 0, 1e-15)) << H;
  // Empirical Fisher, label 0: grad_z l = p - e_0 = (-1/2, 1/2), grad_W = grad_z x^T.
  const auto F = duality::empirical_fisher(lin, torch::tensor({0}, torch::kInt64));
  const auto gw = dbl({-0.5, -0.5, 0.5, 0.5}, {4});
  EXPECT_TRUE(torch::allclose(F, torch::outer(gw, gw), 0, 1e-15)) << F;
}

// --- n_s (SPEC §5) -----------------------------------------------------------
TEST(SharpSplit, SteepestLogDropRule) {
  EXPECT_EQ(duality::sharp_count(dbl({10, 9, 1, 0.9, 0.8, 0.7}, {6})), 2);
  EXPECT_EQ(duality::sharp_count(dbl({4, 2, 1, 0.5, 0.25, 0.1}, {6})), 1);  // equal drops: lowest rank
  EXPECT_EQ(duality::sharp_count(dbl({5, 4, 0, 0, 0, 0}, {6})), 2);        // x/0 is +inf
  EXPECT_EQ(duality::sharp_count(dbl({1, 1}, {2})), 0);                    // N <= 2
  // Only ranks i < N/2 compete: the large drop after rank 3 of N = 6 does not count.
  EXPECT_EQ(duality::sharp_count(dbl({3, 2, 1.5, 0.001, 0.0005, 0.0001}, {6})), 1);
}

// --- SPEC §6 on a trained MNIST network --------------------------------------
TEST(Spec6, DualityHoldsForEveryPair) {
  const auto s = small_solution();
  const auto r = test_util::analyze(*s.model, s.samples, AnalysisConfig{});
  ASSERT_EQ(r.pairs_kept + r.pairs_skipped, 100);
  EXPECT_GT(r.pairs_kept, 90);
  const auto res = r.pairs.duality_residual;
  EXPECT_LT(res.max().item<double>(), 1e-12) << "max |l(u_p; W*) - l(u'; W)|";
  // Independently: rebuild W*_k for a few pairs as real weights and run the whole network.
  auto model = test_util::float64_copy(*s.model);
  auto W = model->dense_layer("fc2")->weight;
  const auto W0 = W.detach().clone();
  const auto clean_x = s.samples.train_inputs.index({s.samples.clean_mask}).to(torch::kDouble);
  torch::NoGradGuard g;
  for (int64_t k = 0; k < 5; ++k) {
    if (!r.pairs.kept[k].item<bool>()) continue;
    const auto u_test = s.samples.test_inputs[k].unsqueeze(0).to(torch::kDouble);
    const auto u_part = clean_x[r.pairs.partner_index[k].item<int64_t>()].unsqueeze(0);
    const auto y = s.samples.test_labels.slice(0, k, k + 1);
    const auto x = test_util::activity(*model, "fc2", u_part), xt = test_util::activity(*model, "fc2", u_test);
    const auto dW = duality::dual_weights(W0, x, xt)[0];
    const double l_test = torch::nn::functional::cross_entropy(model->forward(u_test), y).item<double>();
    W.copy_(W0 + dW);
    const double l_star = torch::nn::functional::cross_entropy(model->forward(u_part), y).item<double>();
    W.copy_(W0);
    EXPECT_NEAR(l_star, l_test, 1e-12 * std::max(1.0, l_test)) << "pair " << k;
  }
}

TEST(Spec6, Eq10ReproducesPairGap) {
  const auto s = small_solution();
  for (const auto basis : {Basis::kHessian, Basis::kFisher}) {
    AnalysisConfig cfg;
    cfg.basis = basis;
    const auto r = test_util::analyze(*s.model, s.samples, cfg);
    EXPECT_LT(r.eq10_residual, 1e-13 * std::max(1.0, std::abs(r.pair_gap))) << to_string(basis);
    EXPECT_NEAR(r.pair_gap, r.test_loss_pairs - r.loss_partners, 1e-13);  // Eq. 7
    EXPECT_NEAR(r.pair_gap, r.pairs.pair_gap.sum().item<double>() / double(r.pairs_kept), 1e-13);
  }
}

TEST(Spec6, Eq10HoldsInAnyOrthonormalBasis) {
  torch::manual_seed(1);
  const int64_t K = 50, N = 12;
  const auto dW = torch::randn({K, N}, torch::kDouble), gaps = torch::randn({K}, torch::kDouble);
  const auto g = duality::effective_gradients(gaps, dW);
  const auto Q = std::get<0>(torch::linalg_qr(torch::randn({N, N}, torch::kDouble)));
  const auto d = duality::decompose(dW, g, Q, torch::arange(N, torch::kDouble));
  EXPECT_NEAR(d.eq10_sum, gaps.mean().item<double>(), 1e-13);
  // Sum of c_i sigma_g sigma_w is the trace of the cross-covariance: basis-free.
  const auto d2 = duality::decompose(dW, g, torch::eye(N, torch::kDouble), torch::arange(N, torch::kDouble));
  EXPECT_NEAR(d.sum_dL, d2.sum_dL, 1e-13);
  EXPECT_NEAR(d.sum_dL, d.dL_sharp + d.dL_flat, 1e-13);
  // Rank order and accumulative sums.
  const auto sg = d.directions.sigma_g;
  EXPECT_TRUE((sg.slice(0, 0, N - 1) >= sg.slice(0, 1)).all().item<bool>());
  EXPECT_NEAR(d.directions.S_w[N - 1].item<double>(), d.directions.sigma_w.sum().item<double>(), 1e-13);
}

TEST(Spec6, ScaleInvariance) {
  const double a = 3.0;
  const auto s = small_solution();
  auto scaled = s.model->copy();
  {
    torch::NoGradGuard g;
    scaled->dense_layer("fc2")->weight.mul_(a);
    scaled->dense_layer("fc3")->weight.div_(a);
  }
  // The function is unchanged.
  scaled->eval();
  s.model->eval();
  EXPECT_TRUE(torch::allclose(scaled->forward(s.samples.test_inputs), s.model->forward(s.samples.test_inputs), 1e-4, 1e-4));
  const auto r1 = test_util::analyze(*s.model, s.samples, AnalysisConfig{});
  const auto r3 = test_util::analyze(*scaled, s.samples, AnalysisConfig{});
  // The analysis runs in float64 on the float32 weights; a*w and w/a round differently in float32.
  const double tol = 1e-5;
  EXPECT_TRUE(torch::allclose(r1.pairs.pair_gap, r3.pairs.pair_gap, tol, tol));
  EXPECT_NEAR(r1.pair_gap, r3.pair_gap, tol);
  EXPECT_NEAR(r1.decomposition.sum_dL, r3.decomposition.sum_dL, tol);
  // Hessian eigenvalues scale by 1/a^2.
  const auto l1 = std::get<0>(r1.decomposition.directions.lambda.sort());
  const auto l3 = std::get<0>(r3.decomposition.directions.lambda.sort());
  EXPECT_TRUE(torch::allclose(l3 * a * a, l1, 1e-4, 1e-9));

  // Per direction, in one shared basis (the first solution's Hessian eigenvectors):
  // sigma_w x a, sigma_g / a, c and dL_i unchanged.
  auto stats = [&](models::Classifier& m, const duality::AnalysisResult& r) {
    auto md = test_util::float64_copy(m);
    torch::NoGradGuard g;
    const auto keep = r.pairs.kept.nonzero().flatten();
    const auto clean_x = s.samples.train_inputs.index({s.samples.clean_mask}).to(torch::kDouble);
    const auto xp = test_util::activity(*md, "fc2", clean_x.index_select(0, r.pairs.partner_index.index_select(0, keep)));
    const auto xt = test_util::activity(*md, "fc2", s.samples.test_inputs.to(torch::kDouble).index_select(0, keep));
    const auto dW = duality::dual_weights(md->dense_layer("fc2")->weight, xp, xt).flatten(1);
    return std::make_pair(dW, duality::effective_gradients(r.pairs.pair_gap.index_select(0, keep), dW));
  };
  const auto [dW1, g1] = stats(*s.model, r1);
  const auto [dW3, g3] = stats(*scaled, r3);
  torch::Tensor basis;
  {
    auto md = test_util::float64_copy(*s.model);
    const auto clean_x = s.samples.train_inputs.index({s.samples.clean_mask}).to(torch::kDouble);
    basis = std::get<1>(torch::linalg_eigh(duality::layer_hessian(duality::linearize(*duality::sequential_split(*md, "fc2"), clean_x))));
  }
  const auto lam = torch::arange(basis.size(0), torch::kDouble);
  const auto d1 = duality::decompose(dW1, g1, basis, lam).directions;
  const auto d3 = duality::decompose(dW3, g3, basis, lam).directions;
  ASSERT_TRUE(torch::equal(d1.basis_index, d3.basis_index));
  EXPECT_TRUE(torch::allclose(d3.sigma_w, a * d1.sigma_w, 1e-5, 1e-12));
  EXPECT_TRUE(torch::allclose(d3.sigma_g, d1.sigma_g / a, 1e-5, 1e-12));
  EXPECT_TRUE(torch::allclose(d3.dL, d1.dL, 1e-5, 1e-9));
  EXPECT_TRUE(torch::allclose(d3.c, d1.c, 1e-4, 1e-6));
}

TEST(Spec6, HessianMatchesDoubleBackwardAndFiniteDifferences) {
  // Small widths so that the N backward passes of the reference stay quick.
  const auto s = small_solution({12, 8}, 10, 40);
  auto model = test_util::float64_copy(*s.model);
  const auto x = s.samples.train_inputs.to(torch::kDouble), y = s.samples.train_labels;
  const auto H = duality::layer_hessian(duality::linearize(*duality::sequential_split(*model, "fc2"), x));
  const auto Href = test_util::hessian_by_double_backward(*model, "fc2", x, y);
  ASSERT_EQ(H.sizes(), Href.sizes());
  EXPECT_TRUE(torch::allclose(H, Href, 1e-10, 1e-12)) << (H - Href).abs().max();

  // Central differences of the autograd gradient. The step must stay below the
  // distance of every pre-activation above fc2 to its ReLU kink.
  const double h = 1e-6;
  auto W = model->dense_layer("fc2")->weight;
  {
    torch::NoGradGuard g;
    const auto z2 = model->dense_layer("fc2")->forward(test_util::activity(*model, "fc2", x));
    const double max_shift = h * test_util::activity(*model, "fc2", x).abs().sum(1).max().item<double>();
    ASSERT_GT(z2.abs().min().item<double>(), 10 * max_shift) << "a ReLU kink lies within the step";
  }
  const auto W0 = W.detach().clone();
  std::vector<torch::Tensor> cols;
  for (int64_t i = 0; i < W.numel(); ++i) {
    torch::Tensor plus, minus;
    {
      torch::NoGradGuard g;
      W.view(-1)[i] += h;
    }
    plus = loss_gradient(*model, "fc2", x, y);
    {
      torch::NoGradGuard g;
      W.view(-1)[i] -= 2 * h;
    }
    minus = loss_gradient(*model, "fc2", x, y);
    {
      torch::NoGradGuard g;
      W.copy_(W0);
    }
    cols.push_back((plus - minus) / (2 * h));
  }
  const auto Hfd = torch::stack(cols, 1);
  EXPECT_TRUE(torch::allclose(H, Hfd, 1e-5, 1e-7)) << (H - Hfd).abs().max();
}

TEST(Spec6, FullLayerHessianMatchesDoubleBackwardAndIsOrthonormallyDiagonalised) {
  const auto s = small_solution({30, 30}, 10, 30);
  auto model = test_util::float64_copy(*s.model);
  const auto x = s.samples.train_inputs.to(torch::kDouble), y = s.samples.train_labels;
  const auto H = duality::layer_hessian(duality::linearize(*duality::sequential_split(*model, "fc2"), x));
  EXPECT_TRUE(torch::allclose(H, test_util::hessian_by_double_backward(*model, "fc2", x, y), 1e-10, 1e-13));
  EXPECT_TRUE(torch::allclose(H, H.t(), 0, 1e-15));
  const auto [lambda, V] = torch::linalg_eigh(H);
  EXPECT_TRUE(torch::allclose(V.t().matmul(V), torch::eye(900, torch::kDouble), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(V.matmul(torch::diag(lambda)).matmul(V.t()), H, 0, 1e-12));
  EXPECT_GT(lambda.min().item<double>(), -1e-12);  // Gauss-Newton: positive semi-definite
}

TEST(Analysis, DeltaScaleAndMaxTest) {
  const auto s = small_solution();
  AnalysisConfig cfg;
  cfg.delta_scale = 0.5;
  cfg.max_test = 40;
  const auto r = test_util::analyze(*s.model, s.samples, cfg);
  EXPECT_EQ(r.pairs_kept + r.pairs_skipped, 40);
  // Eq. 10 now sums to the mean of l_k(gamma).
  EXPECT_LT(r.eq10_residual, 1e-13);
  const auto r1 = test_util::analyze(*s.model, s.samples, AnalysisConfig{});
  EXPECT_GT(std::abs(r.pair_gap - r1.pair_gap), 1e-6);
  EXPECT_THROW(
      [&] {
        AnalysisConfig bad;
        bad.layer = "relu1";
        test_util::analyze(*s.model, s.samples, bad);
      }(),
      std::invalid_argument);
}

TEST(Analysis, PairsWithZeroPartnerActivityAreSkippedAndCounted) {
  // fc1 = I then ReLU: the class-0 training sample (-1,-1) has activity 0.
  auto net = tiny_net(torch::eye(2, torch::kDouble), dbl({1, 0.5, -0.3, 1}, {2, 2}), torch::eye(2, torch::kDouble));
  data::Samples s;
  s.train_inputs = dbl({-1, -1, 1, 2, 2, 0.5}, {3, 2}).to(torch::kFloat);
  s.train_labels = torch::tensor({0, 1, 0}, torch::kInt64);
  s.clean_mask = torch::ones({3}, torch::kBool);
  s.test_inputs = dbl({-0.9, -1.2, 2, 1, 1.5, 0.2}, {3, 2}).to(torch::kFloat);
  s.test_labels = torch::tensor({0, 1, 0}, torch::kInt64);
  s.num_classes = 2;
  const auto r = test_util::analyze(*net, s, AnalysisConfig{});
  EXPECT_EQ(r.pairs_skipped, 1);
  EXPECT_EQ(r.pairs_kept, 2);
  EXPECT_FALSE(r.pairs.kept[0].item<bool>());
  EXPECT_EQ(r.pairs.partner_index[0].item<int64_t>(), 0);
  // dL_p is over the kept pairs; L(S_test) over every test sample.
  EXPECT_NEAR(r.pair_gap, r.pairs.pair_gap.slice(0, 1).mean().item<double>(), 1e-15);
  EXPECT_LT(r.eq10_residual, 1e-15);
  EXPECT_LT(r.duality_max_residual, 1e-15);
}

// --- the pairs that carry the gap --------------------------------------------
// Over a complete orthonormal basis the per-direction parts gamma_ki theta_ki of
// a pair sum to g_k . dW_k = l_k (SPEC §4-5), whatever the basis.
TEST(PairParts, SumOverACompleteBasisIsThePairGap) {
  torch::manual_seed(2);
  const int64_t K = 40, N = 10;
  const auto dW = torch::randn({K, N}, torch::kDouble), gaps = torch::randn({K}, torch::kDouble);
  const auto scale = gaps / dW.pow(2).sum(1);  // Eq. 8: g_k = l_k dW_k / ||dW_k||^2
  const auto Q = std::get<0>(torch::linalg_qr(torch::randn({N, N}, torch::kDouble)));
  const auto parts = duality::sharp_pair_parts(dW.matmul(Q), scale);
  EXPECT_TRUE(torch::allclose(parts, gaps, 0, 1e-13));
}

namespace {

/// Checks the share, sharp and flat columns of `r` (fc2 of `s`) against
/// independent evidence: the losses and dual weights rebuilt from the network,
/// and the per-direction statistics.
void expect_pair_parts(const test_util::Solution& s, const duality::AnalysisResult& r) {
  const auto& p = r.pairs;
  const auto kept = p.kept;
  EXPECT_NEAR(p.share.sum().item<double>(), r.pair_gap, 1e-13);  // Eq. 7
  EXPECT_EQ(p.share.index({~kept}).abs().sum().item<double>(), 0.0);
  // mean_k sharp_k = sum_{i <= n_s} (mu_g,i mu_w,i + c_i sigma_g,i sigma_w,i) (Eq. 10 over the sharp ranks).
  const auto& d = r.decomposition.directions;
  const int64_t ns = r.decomposition.n_sharp;
  const auto head = [&](const torch::Tensor& t) { return t.slice(0, 0, ns); };
  const double eq10_sharp =
      (head(d.mu_g) * head(d.mu_w) + head(d.c) * head(d.sigma_g) * head(d.sigma_w)).sum().item<double>();
  EXPECT_NEAR(p.sharp.sum().item<double>() / double(r.pairs_kept), eq10_sharp, 1e-12 * std::max(1.0, eq10_sharp));
  // sharp + flat = g_k . dW_k with dW_k and l_k rebuilt from the network (Eq. 2-8).
  auto model = test_util::float64_copy(*s.model);
  const auto W = model->dense_layer("fc2")->weight.detach();
  const auto clean_x = s.samples.train_inputs.index({s.samples.clean_mask}).to(torch::kDouble);
  torch::NoGradGuard g;
  for (int64_t k = 0; k < 10; ++k) {
    if (!kept[k].item<bool>()) continue;
    const auto u_test = s.samples.test_inputs[k].unsqueeze(0).to(torch::kDouble);
    const auto u_part = clean_x[p.partner_index[k].item<int64_t>()].unsqueeze(0);
    const auto y = s.samples.test_labels.slice(0, k, k + 1);
    const auto dW = duality::dual_weights(W, test_util::activity(*model, "fc2", u_part),
                                          test_util::activity(*model, "fc2", u_test))[0];
    const double l_k = torch::nn::functional::cross_entropy(model->forward(u_test), y).item<double>() -
                       torch::nn::functional::cross_entropy(model->forward(u_part), y).item<double>();
    const auto g_k = l_k * dW / dW.pow(2).sum();
    const double sum = p.sharp[k].item<double>() + p.flat[k].item<double>();
    EXPECT_NEAR(sum, (g_k * dW).sum().item<double>(), 1e-12 * std::max(1.0, std::abs(l_k))) << "pair " << k;
    EXPECT_NEAR(p.share[k].item<double>() * double(r.pairs_kept), l_k, 1e-12 * std::max(1.0, std::abs(l_k)));
  }
}

}  // namespace

TEST(PairParts, SharesSumToThePairGapAndSharpPartsToEq10OverTheSharpRanks) {
  const auto s = small_solution();
  expect_pair_parts(s, test_util::analyze(*s.model, s.samples, AnalysisConfig{}));
  AnalysisConfig fixed;
  fixed.n_sharp = 5;  // --n-sharp is respected
  const auto r = test_util::analyze(*s.model, s.samples, fixed);
  ASSERT_EQ(r.decomposition.n_sharp, 5);
  expect_pair_parts(s, r);
  AnalysisConfig top_k;  // rank-one pairs on the top k directions: the same identities
  top_k.basis_rank = 20;
  top_k.n_sharp = 9;
  expect_pair_parts(s, test_util::analyze(*s.model, s.samples, top_k));
}
