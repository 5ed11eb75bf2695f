// The last layer's basis matrix built from class blocks with its null
// directions projected out (duality/last_layer.h, SPEC §9) against the
// Kronecker formula summed sample by sample, the generic builder and
// autograd's double backward.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "awd/duality/analysis.h"
#include "awd/duality/given_activities.h"
#include "awd/duality/hessian.h"
#include "awd/duality/last_layer.h"
#include "awd/duality/partners.h"
#include "awd/duality/sequential_split.h"
#include "test_util.h"

using namespace awd;

namespace {

/// (Q kron I_n): the map from the projected space to the full one.
torch::Tensor lift_map(int64_t C, int64_t n) {
  return torch::kron(duality::class_contrasts(C), torch::eye(n, torch::kDouble));
}

struct LastLayer {
  test_util::Solution sol;
  std::shared_ptr<models::Classifier> model;
  torch::Tensor x, y;
  duality::LayerLinearization lin;
};

LastLayer last_layer() {
  LastLayer l;
  l.sol = test_util::small_solution({12, 8}, 10, 40);
  l.model = test_util::float64_copy(*l.sol.model);
  l.x = l.sol.samples.train_inputs.to(torch::kDouble);
  l.y = l.sol.samples.train_labels;
  l.lin = duality::linearize(*duality::sequential_split(*l.model, "fc3"), l.x);
  return l;
}

}  // namespace

TEST(LastLayer, ClassBlocksEqualTheKroneckerSumSampleBySample) {
  torch::manual_seed(3);
  const int64_t S = 7, k = 3, n = 4;
  const auto x = torch::randn({S, n}, torch::kDouble);
  auto M = torch::randn({S, k, k}, torch::kDouble);
  M = M + M.transpose(1, 2);
  auto expected = torch::zeros({k * n, k * n}, torch::kDouble);
  for (int64_t j = 0; j < S; ++j) expected += torch::kron(M[j], torch::outer(x[j], x[j]));
  expected /= double(S);
  const auto H = duality::kron_blocks(M, x);
  EXPECT_TRUE(torch::allclose(H, expected, 0, 1e-14)) << (H - expected).abs().max();
  EXPECT_TRUE(H.equal(H.t()));
}

TEST(LastLayer, ContrastsAreOrthonormalAndOrthogonalToOne) {
  for (int64_t C : {2, 3, 10}) {
    const auto Q = duality::class_contrasts(C);
    ASSERT_EQ(Q.sizes(), (std::vector<int64_t>{C, C - 1}));
    EXPECT_TRUE(torch::allclose(Q.t().matmul(Q), torch::eye(C - 1, torch::kDouble), 0, 1e-15));
    EXPECT_LT(Q.sum(0).abs().max().item<double>(), 1e-15);
  }
}

TEST(LastLayer, OnlyTheTopLayerHasTheIdentityHead) {
  const auto l = last_layer();
  EXPECT_TRUE(duality::is_last_layer(l.lin));
  EXPECT_FALSE(duality::is_last_layer(duality::linearize(*duality::sequential_split(*l.model, "fc2"), l.x)));
}

TEST(LastLayer, ProjectedHessianLiftsToTheDoubleBackwardHessian) {
  auto l = last_layer();
  const int64_t C = 10, n = 8;
  const auto H = duality::layer_hessian(l.lin);  // the generic per-sample builder
  const auto Href = test_util::hessian_by_double_backward(*l.model, "fc3", l.x, l.y);
  ASSERT_TRUE(torch::allclose(H, Href, 1e-10, 1e-13));
  const auto P = lift_map(C, n);
  const auto Hp = duality::projected_basis_matrix(l.lin, l.y, Basis::kHessian);
  ASSERT_EQ(Hp.size(0), (C - 1) * n);
  EXPECT_TRUE(torch::allclose(P.matmul(Hp).matmul(P.t()), Href, 1e-10, 1e-13));
  // Every 1 (kron) v is a null direction of H.
  const auto ones_v = torch::kron(torch::ones({C, 1}, torch::kDouble), torch::eye(n, torch::kDouble));
  EXPECT_LT(Href.matmul(ones_v).abs().max().item<double>(), 1e-13);
}

TEST(LastLayer, ProjectedFisherLiftsToTheEmpiricalFisher) {
  const auto l = last_layer();
  const auto P = lift_map(10, 8);
  const auto F = duality::empirical_fisher(l.lin, l.y);
  const auto Fp = duality::projected_basis_matrix(l.lin, l.y, Basis::kFisher);
  EXPECT_TRUE(torch::allclose(P.matmul(Fp).matmul(P.t()), F, 1e-10, 1e-13));
}

TEST(LastLayer, LiftedEigenbasisDiagonalisesTheFullHessianWithExactNullDirections) {
  const auto l = last_layer();
  const int64_t C = 10, n = 8, N = C * n;
  const auto H = duality::layer_hessian(l.lin);
  const auto b = duality::layer_eigenbasis(l.lin, l.y, Basis::kHessian);
  ASSERT_EQ(b.vectors.sizes(), (std::vector<int64_t>{N, N}));
  EXPECT_TRUE(torch::allclose(b.vectors.t().matmul(b.vectors), torch::eye(N, torch::kDouble), 0, 1e-13));
  EXPECT_TRUE(torch::allclose(b.vectors.matmul(torch::diag(b.lambda)).matmul(b.vectors.t()), H, 0, 1e-13));
  // Ascending, the same spectrum as LAPACK on the full matrix, n eigenvalues exactly 0.
  EXPECT_TRUE(b.lambda.equal(std::get<0>(b.lambda.sort())));
  EXPECT_TRUE(torch::allclose(b.lambda, torch::linalg_eigvalsh(H, "L"), 0, 1e-13));
  EXPECT_EQ(b.lambda.eq(0).sum().item<int64_t>(), n);
}

// SPEC §6 at a last layer through the block path, with the bias (awd's MLP)
// and without (the same layer given as arrays with b = 0 folded away).
TEST(LastLayer, Spec6IdentitiesHoldWithAndWithoutBias) {
  const auto sol = test_util::small_solution();
  AnalysisConfig cfg;
  cfg.layer = "fc3";
  const auto with_bias = test_util::analyze(*sol.model, sol.samples, cfg);
  EXPECT_LT(with_bias.eq10_residual, 1e-12 * std::max(1.0, std::abs(with_bias.pair_gap)));
  EXPECT_LT(with_bias.duality_max_residual, 1e-12);
  EXPECT_NEAR(with_bias.decomposition.eq10_sum, with_bias.pair_gap, 1e-12);

  const auto split = duality::sequential_split(*sol.model, "fc3");
  torch::NoGradGuard no_grad;
  const auto table = torch::cat({split->activity(sol.samples.train_inputs.to(torch::kDouble)),
                                 split->activity(sol.samples.test_inputs.to(torch::kDouble))});
  const auto given = duality::given_activities("W", table, split->weight(), torch::Tensor());
  data::Samples ids = sol.samples;
  ids.train_inputs = duality::sample_ids(0, sol.samples.train_inputs.size(0));
  ids.test_inputs = duality::sample_ids(sol.samples.train_inputs.size(0), sol.samples.test_inputs.size(0));
  const auto partners = duality::partner_set(sol.samples.test_inputs, sol.samples.test_labels,
                                             sol.samples.train_inputs, sol.samples.train_labels);
  const auto no_bias = duality::analyze(*given, ids, cfg, partners);
  EXPECT_LT(no_bias.eq10_residual, 1e-12 * std::max(1.0, std::abs(no_bias.pair_gap)));
  EXPECT_LT(no_bias.duality_max_residual, 1e-12);
  // The lifted basis is complete: sum_i (mu_w,i^2 + sigma_w,i^2) = mean_k ||dW_k||^2 (Parseval).
  for (const auto* r : {&with_bias, &no_bias}) {
    const auto& d = r->decomposition.directions;
    EXPECT_EQ(d.sigma_w.size(0), split->weight().numel());
    const double parseval = (d.mu_w.pow(2) + d.sigma_w.pow(2)).sum().item<double>();
    const double mean_sq = r->pairs.norm_dw.index({r->pairs.kept}).pow(2).mean().item<double>();
    EXPECT_NEAR(parseval, mean_sq, 1e-12 * mean_sq);
  }
}
