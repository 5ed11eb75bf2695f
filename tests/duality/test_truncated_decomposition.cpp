// Top-k eigenpairs, the truncated decomposition with its exact remainder and
// certificate, Hutchinson's trace and the SLQ density, against dense answers.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "awd/config.h"
#include "awd/duality/analysis.h"
#include "awd/duality/decomposition.h"
#include "awd/duality/dual_weights.h"
#include "awd/duality/hessian.h"
#include "awd/duality/hessian_vector.h"
#include "awd/duality/lanczos.h"
#include "awd/duality/partners.h"
#include "awd/duality/spectrum.h"
#include "awd/duality/truncated_decomposition.h"
#include "test_util.h"
#include "topk_util.h"

using namespace awd;
using topk_util::relative_error;

namespace {

/// The dense Hessian of fc2 and its eigenbasis (ascending), computed once.
struct Dense {
  torch::Tensor H;
  duality::Eigenbasis basis;
};
const Dense& dense_fc2() {
  static const Dense d = [] {
    Dense x;
    x.H = duality::layer_hessian(topk_util::fc2_case().lin);
    x.basis = duality::eigenbasis(x.H);
    return x;
  }();
  return d;
}

duality::LinearOperator dense_operator(const torch::Tensor& M) {
  return {M.size(0), [M](const torch::Tensor& v) { return M.matmul(v); }};
}

/// sin of the largest principal angle between the column spaces of orthonormal U and V.
double largest_angle_sine(const torch::Tensor& U, const torch::Tensor& V) {
  return torch::linalg_matrix_norm(V - U.matmul(U.t().matmul(V)), 2).item<double>();
}

/// The kept pairs of fc2 as analyze forms them (SPEC §2-4): dense rows and rank-one form.
struct PairCase {
  torch::Tensor delta, grad_scale, gaps;  ///< [K, N], [K], [K]
  duality::RankOnePairs rank_one;
};
const PairCase& fc2_pairs() {
  static const PairCase p = [] {
    auto& c = topk_util::fc2_case();
    const auto& s = c.solution.samples;
    torch::NoGradGuard g;
    const auto test_x = s.test_inputs.to(torch::kDouble);
    const auto partner = duality::partner_set(test_x, s.test_labels, c.train_x, c.train_y);
    const auto xp = c.activity.index_select(0, partner), xt = c.split->activity(test_x);
    const auto keep = (xp.norm(2, 1) > 0).nonzero().flatten();
    const auto xpk = xp.index_select(0, keep), xtk = xt.index_select(0, keep), yk = s.test_labels.index_select(0, keep);
    auto loss = [&](const torch::Tensor& x) {
      return torch::nn::functional::cross_entropy(c.split->logits_from_activity(x), yk,
                                                  torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    };
    PairCase out;
    out.gaps = loss(xtk) - loss(xpk);
    const auto dW = duality::dual_weights(c.split->weight(), xpk, xtk);
    out.delta = dW.reshape({dW.size(0), -1});
    out.grad_scale = duality::effective_gradient_scale(out.gaps, dW);
    out.rank_one = duality::rank_one_pairs(c.split->weight(), xpk, xtk, out.gaps);
    return out;
  }();
  return p;
}

/// The k where the relative eigengap lambda_k / lambda_k+1 is largest among 5..30: a well-defined subspace.
int64_t gapped_k(const torch::Tensor& lambda_desc) {
  int64_t best = 5;
  for (int64_t k = 5; k <= 30; ++k)
    if ((lambda_desc[k - 1] / lambda_desc[k]).item<double>() > (lambda_desc[best - 1] / lambda_desc[best]).item<double>())
      best = k;
  return best;
}

}  // namespace

// --- top-k by Spectra ---------------------------------------------------------

TEST(TopK, HessianEigenpairsEqualDenseEigh) {
  const auto& d = dense_fc2();
  const auto desc = d.basis.lambda.flip(0);
  const int64_t k = gapped_k(desc);
  const auto top = duality::top_eigenpairs(duality::gauss_newton_operator(topk_util::fc2_case().lin), k);
  ASSERT_EQ(top.lambda.numel(), k);
  EXPECT_LT(((top.lambda - desc.slice(0, 0, k)).abs() / desc.slice(0, 0, k).abs()).max().item<double>(), 1e-8);
  const auto dense_top = d.basis.vectors.flip(1).slice(1, 0, k);
  EXPECT_LT(largest_angle_sine(dense_top, top.vectors), 1e-6) << "k = " << k;
  // Orthonormal columns.
  EXPECT_LT((top.vectors.t().matmul(top.vectors) - torch::eye(k, torch::kDouble)).abs().max().item<double>(), 1e-10);
}

TEST(TopK, FisherEigenvaluesEqualDenseEigh) {
  const auto& c = topk_util::fc2_case();
  const auto dense = duality::eigenbasis(duality::empirical_fisher(c.lin, c.train_y)).lambda.flip(0);
  const auto top = duality::top_eigenpairs(duality::fisher_operator(c.lin, c.train_y), 20);
  EXPECT_LT(((top.lambda - dense.slice(0, 0, 20)).abs() / dense.slice(0, 0, 20)).max().item<double>(), 1e-8);
}

TEST(TopK, SaysSoWhenItDoesNotConverge) {
  duality::LanczosOptions o;
  o.max_restarts = 1;
  o.tolerance = 1e-15;
  const auto op = duality::gauss_newton_operator(topk_util::fc2_case().lin);
  try {
    duality::top_eigenpairs(op, 40, o);
    FAIL() << "expected a convergence error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("did not converge"), std::string::npos) << e.what();
  }
  EXPECT_THROW(duality::top_eigenpairs(op, 0), std::invalid_argument);
  EXPECT_THROW(duality::top_eigenpairs(op, op.size), std::invalid_argument);
}

// --- the truncated decomposition ---------------------------------------------

TEST(Truncated, ResolvedDirectionsAndRemainderEqualDense) {
  const auto& d = dense_fc2();
  const auto& p = fc2_pairs();
  const int64_t N = d.H.size(0), k = 40;
  const auto full = duality::decompose_scaled(p.delta, p.grad_scale, d.basis.vectors, d.basis.lambda);
  const auto cols = d.basis.vectors.slice(1, N - k);  // the top k by lambda, the same vectors
  const auto t = duality::decompose_truncated(p.rank_one, cols, d.basis.lambda.slice(0, N - k));
  // Per direction: the dense row of column N - k + j equals the truncated row of column j.
  const auto& D = full.directions;
  const auto& R = t.resolved.directions;
  const double scale_g = D.sigma_g.max().item<double>(), scale_w = D.sigma_w.max().item<double>();
  int64_t matched = 0;
  double rem_mean = 0, rem_dL = 0, rem_vg = 0, rem_vw = 0;
  for (int64_t i = 0; i < N; ++i) {
    const int64_t col = D.basis_index[i].item<int64_t>();
    if (col < N - k) {  // the complement, summed densely
      rem_mean += (D.mu_g[i] * D.mu_w[i]).item<double>();
      rem_dL += D.dL[i].item<double>();
      rem_vg += D.sigma_g[i].pow(2).item<double>();
      rem_vw += D.sigma_w[i].pow(2).item<double>();
      continue;
    }
    const auto j = (R.basis_index == col - (N - k)).nonzero().item<int64_t>();
    EXPECT_NEAR(R.sigma_g[j].item<double>(), D.sigma_g[i].item<double>(), 1e-12 * scale_g);
    EXPECT_NEAR(R.sigma_w[j].item<double>(), D.sigma_w[i].item<double>(), 1e-12 * scale_w);
    EXPECT_NEAR(R.mu_g[j].item<double>(), D.mu_g[i].item<double>(), 1e-12 * scale_g);
    EXPECT_NEAR(R.mu_w[j].item<double>(), D.mu_w[i].item<double>(), 1e-12 * scale_w);
    EXPECT_NEAR(R.dL[j].item<double>(), D.dL[i].item<double>(), 1e-12 * scale_g * scale_w);
    EXPECT_EQ(R.lambda[j].item<double>(), D.lambda[i].item<double>());
    ++matched;
  }
  EXPECT_EQ(matched, k);
  // The remainder is the dense sum over the other N - k directions, to rounding.
  const double tol_gw = 1e-10 * std::abs(t.total.dL) + 1e-13;
  EXPECT_NEAR(t.remainder.mean_term, rem_mean, tol_gw);
  EXPECT_NEAR(t.remainder.dL, rem_dL, tol_gw);
  EXPECT_NEAR(t.remainder.var_g, rem_vg, 1e-10 * t.total.var_g);
  EXPECT_NEAR(t.remainder.var_w, rem_vw, 1e-10 * t.total.var_w);
  // And the total is Eq. 10: dL_p.
  EXPECT_NEAR(t.total.eq10(), p.gaps.mean().item<double>(), 1e-12);
  EXPECT_NEAR(t.total.eq10(), full.eq10_sum, 1e-12);
}

TEST(Truncated, CertificateEqualsDenseComplementNorm) {
  const auto& d = dense_fc2();
  const auto& p = fc2_pairs();
  const int64_t N = d.H.size(0), k = 40;
  const auto V = d.basis.vectors.slice(1, N - k);
  const auto t = duality::decompose_truncated(p.rank_one, V, d.basis.lambda.slice(0, N - k));
  // Dense: || G_c (I - V V^T) ||_2 / sqrt(K).
  const auto G = p.delta * p.grad_scale.unsqueeze(1);
  const auto Gc = G - G.mean(0);
  const auto GcP = Gc - Gc.matmul(V).matmul(V.t());
  const double expected = torch::linalg_matrix_norm(GcP, 2).item<double>() / std::sqrt(double(G.size(0)));
  const auto& c = t.certificate;
  EXPECT_NEAR(c.sigma_g_max, expected, 1e-8 * expected);
  EXPECT_GE(c.sigma_g_bound, c.sigma_g_max);
  EXPECT_EQ(c.certified, expected < c.sigma_g_last);
  EXPECT_EQ(c.certified_ranks, (t.resolved.directions.sigma_g > c.sigma_g_max).sum().item<int64_t>());
}

// A direction outside the top-k by lambda carries the largest sigma_g: the ranking is flagged uncertified.
TEST(Truncated, FlagsASharperDirectionLeftOut) {
  const auto& d = dense_fc2();
  const auto& p = fc2_pairs();
  const auto full = duality::decompose_scaled(p.delta, p.grad_scale, d.basis.vectors, d.basis.lambda);
  const int64_t sharpest = full.directions.basis_index[0].item<int64_t>();
  // The same eigenvectors, the sharpest one's eigenvalue sent to the bottom.
  auto lambda = d.basis.lambda.clone();
  lambda[sharpest] = lambda.min() - 1.0;
  const auto M = d.basis.vectors.matmul(torch::diag(lambda)).matmul(d.basis.vectors.t());
  const auto top = duality::top_eigenpairs(dense_operator(M), 20);
  EXPECT_LT(top.vectors.t().matmul(d.basis.vectors.select(1, sharpest)).abs().max().item<double>(), 1e-6);
  const auto t = duality::decompose_truncated(p.rank_one, top.vectors, top.lambda);
  const double left_out = full.directions.sigma_g[0].item<double>();
  EXPECT_FALSE(t.certificate.certified);
  EXPECT_FALSE(t.certificate.certified_by_bound);
  EXPECT_GE(t.certificate.sigma_g_max, left_out * (1 - 1e-8));
  EXPECT_EQ(t.certificate.certified_ranks, 0);
}

// The top principal directions of the g_k themselves leave nothing sharper outside: certified.
TEST(Truncated, CertifiesThePrincipalDirectionsOfTheGradients) {
  const auto& p = fc2_pairs();
  const auto G = p.delta * p.grad_scale.unsqueeze(1);
  const auto Gc = G - G.mean(0);
  const auto cov = Gc.t().matmul(Gc) / double(G.size(0));
  const auto eig = duality::eigenbasis(cov);
  const int64_t N = cov.size(0), k = 10;
  const auto t = duality::decompose_truncated(p.rank_one, eig.vectors.slice(1, N - k), eig.lambda.slice(0, N - k));
  EXPECT_TRUE(t.certificate.certified);
  EXPECT_EQ(t.certificate.certified_ranks, k);
  EXPECT_NEAR(t.certificate.sigma_g_max, std::sqrt(eig.lambda[N - k - 1].item<double>()), 1e-8 * t.certificate.sigma_g_max);
}

// --- trace and density ---------------------------------------------------------

TEST(Spectrum, HutchinsonWithinThreeStandardErrors) {
  const auto& d = dense_fc2();
  const double exact = d.H.trace().item<double>();
  const auto est = duality::hutchinson_trace(duality::gauss_newton_operator(topk_util::fc2_case().lin), 30, 7);
  EXPECT_EQ(est.probes, 30);
  EXPECT_GT(est.standard_error, 0);
  EXPECT_LT(std::abs(est.mean - exact), 3 * est.standard_error) << est.mean << " +- " << est.standard_error << " vs " << exact;
}

TEST(Spectrum, LanczosOnASmallMatrixGivesItsEigenvalues) {
  torch::manual_seed(8);
  const auto X = torch::randn({30, 30}, torch::kDouble);
  const auto M = X + X.t();
  const auto t = duality::lanczos_tridiagonal(dense_operator(M), torch::randn({30}, torch::kDouble), 30);
  auto T = torch::diag(t.alpha) + torch::diag(t.beta, 1) + torch::diag(t.beta, -1);
  EXPECT_LT((torch::linalg_eigvalsh(T, "L") - torch::linalg_eigvalsh(M, "L")).abs().max().item<double>(), 1e-10);
}

TEST(Spectrum, DensityIntegratesToOneWithTheTraceAsMean) {
  const auto& d = dense_fc2();
  const auto op = duality::gauss_newton_operator(topk_util::fc2_case().lin);
  duality::DensityOptions o;
  o.probes = 6;
  o.steps = 60;
  o.seed = 11;
  const auto rho = duality::spectral_density(op, o);
  EXPECT_NEAR(torch::trapezoid(rho.density, rho.grid).item<double>(), 1.0, 1e-6);
  EXPECT_LT((rho.weights.sum(1) - 1).abs().max().item<double>(), 1e-12);
  // First moment: the quadrature's is the probes' z^T H z / N exactly (same seed, same probes) ...
  const double first = torch::trapezoid(rho.density * rho.grid, rho.grid).item<double>();
  const auto hutch = duality::hutchinson_trace(op, o.probes, o.seed);
  const double N = double(op.size);
  EXPECT_NEAR(first, hutch.mean / N, 1e-6 * std::abs(hutch.mean / N));
  EXPECT_NEAR((rho.nodes * rho.weights).sum().item<double>() / o.probes, hutch.mean / N, 1e-12 * std::abs(hutch.mean / N));
  // ... which is tr H / N up to its standard error.
  EXPECT_LT(std::abs(first - d.H.trace().item<double>() / N), 3 * hutch.standard_error / N);
}

// --- analyze with basis_rank -----------------------------------------------------

TEST(TopKAnalysis, AgreesWithTheDenseAnalysis) {
  const auto& c = topk_util::fc2_case();
  const auto& d = dense_fc2();
  AnalysisConfig cfg;
  cfg.layer = "fc2";
  const auto dense = test_util::analyze(*c.solution.model, c.solution.samples, cfg);
  const int64_t N = d.H.size(0), k = gapped_k(d.basis.lambda.flip(0));
  cfg.basis_rank = k;
  const auto top = test_util::analyze(*c.solution.model, c.solution.samples, cfg);
  ASSERT_TRUE(top.top_k.has_value());
  EXPECT_FALSE(dense.top_k.has_value());
  EXPECT_EQ(top.pair_gap, dense.pair_gap);
  EXPECT_LT(top.eq10_residual, 1e-12);
  const auto& R = top.decomposition.directions;
  ASSERT_EQ(R.lambda.numel(), k);
  const auto top_lambda = std::get<0>(R.lambda.sort(0, /*descending=*/true));
  EXPECT_LT(((top_lambda - d.basis.lambda.flip(0).slice(0, 0, k)).abs() / top_lambda).max().item<double>(), 1e-8);
  // Sums over the k resolved directions do not depend on the basis inside their span: the dense ones over the top-k columns.
  const auto& D = dense.decomposition.directions;
  const auto in_top = D.basis_index >= N - k;
  const double dense_vg = D.sigma_g.pow(2).index({in_top}).sum().item<double>();
  const double dense_dL = D.dL.index({in_top}).sum().item<double>();
  EXPECT_NEAR(R.sigma_g.pow(2).sum().item<double>(), dense_vg, 1e-8 * dense_vg);
  EXPECT_NEAR(top.decomposition.sum_dL, dense_dL, 1e-8 * std::abs(dense.decomposition.sum_dL));
  EXPECT_NEAR(top.top_k->remainder.dL, dense.decomposition.sum_dL - dense_dL, 1e-8 * std::abs(dense.decomposition.sum_dL));
  EXPECT_NEAR(top.decomposition.eq10_sum + top.top_k->remainder.eq10(), top.pair_gap, 1e-12);
}

TEST(TopKAnalysis, AnalysesALayerBeyondTheDenseLimit) {
  const auto& c = topk_util::fc2_case();
  AnalysisConfig cfg;
  cfg.layer = "fc1";  // 30 x 784 = 23,520 weights
  // Automatic: dense where it is fast (900 weights), the top kDefaultBasisRank
  // where a dense eigh would take minutes (fc1); a forced k < N always.
  EXPECT_EQ(duality::effective_basis_rank(900, cfg), 0);
  EXPECT_EQ(duality::effective_basis_rank(30 * 784, cfg), duality::kDefaultBasisRank);
  cfg.basis_rank = 900;
  EXPECT_THROW(duality::effective_basis_rank(900, cfg), std::invalid_argument);
  cfg.basis_rank = 10;
  cfg.flatness_top = 2;
  cfg.spectrum = true;
  const auto r = test_util::analyze(*c.solution.model, c.solution.samples, cfg);
  ASSERT_TRUE(r.spectrum.has_value());
  EXPECT_GT(r.spectrum->trace.mean, 0);
  EXPECT_EQ(r.spectrum->trace.probes, duality::kTraceProbes);
  const auto& rho = r.spectrum->density;
  const double dt = (rho.grid[1] - rho.grid[0]).item<double>();
  EXPECT_NEAR(rho.density.sum().item<double>() * dt, 1.0, 1e-3);
  ASSERT_TRUE(r.top_k.has_value());
  EXPECT_EQ(r.top_k->k, 10);
  EXPECT_EQ(r.decomposition.directions.sigma_g.numel(), 10);
  EXPECT_LT(r.eq10_residual, 1e-12);
  EXPECT_GT(r.top_k->lanczos_products, 0);
  EXPECT_EQ(r.flatness.F.numel(), 2);
}
