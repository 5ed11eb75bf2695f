#include "awd/duality/truncated_decomposition.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace awd::duality {
namespace {

/// Pairs per block of explicit delta_k rows: block * N doubles stay near 64 MB.
int64_t pair_block(int64_t N) { return std::max<int64_t>(1, (int64_t(1) << 23) / std::max<int64_t>(N, 1)); }

double frobenius(const torch::Tensor& a, const torch::Tensor& b) { return (a * b).sum().item<double>(); }

}  // namespace

RankOnePairs rank_one_pairs(const torch::Tensor& W, const torch::Tensor& x_partner, const torch::Tensor& x_test,
                            const torch::Tensor& pair_gaps, double delta_scale) {
  RankOnePairs p;
  p.left = (x_test - x_partner).matmul(W.t()) * delta_scale;               // gamma W dx_k
  p.right = x_partner / x_partner.pow(2).sum(1, /*keepdim=*/true);         // x_k / ||x_k||^2
  const auto norm_sq = p.left.pow(2).sum(1) * p.right.pow(2).sum(1);       // ||delta_k||_F^2
  p.grad_scale = torch::where(norm_sq > 0, pair_gaps / norm_sq, torch::zeros_like(norm_sq));  // Eq. 8
  return p;
}

torch::Tensor project_pairs(const RankOnePairs& pairs, const torch::Tensor& directions) {
  const int64_t K = pairs.left.size(0), N = directions.size(0);
  const int64_t block = pair_block(N);
  std::vector<torch::Tensor> parts;
  for (int64_t k0 = 0; k0 < K; k0 += block) {
    const auto a = pairs.left.slice(0, k0, k0 + block), b = pairs.right.slice(0, k0, k0 + block);
    // vec(a_k b_k^T) row-major, a few rows at a time: one GEMM against all directions.
    parts.push_back((a.unsqueeze(2) * b.unsqueeze(1)).reshape({a.size(0), N}).matmul(directions));
  }
  return torch::cat(parts);
}

BasisFreeSums basis_free_sums(const RankOnePairs& pairs) {
  const auto& A = pairs.left;
  const auto& B = pairs.right;
  const auto& s = pairs.grad_scale;
  const double K = double(A.size(0));
  const auto norm_sq = A.pow(2).sum(1) * B.pow(2).sum(1);  // ||delta_k||^2
  const auto w_bar = A.t().matmul(B) / K;                   // (1/K) sum_k a_k b_k^T, [m, n]
  const auto g_bar = (A * s.unsqueeze(1)).t().matmul(B) / K;
  BasisFreeSums t;
  t.mean_term = frobenius(g_bar, w_bar);
  // (1/K) sum <g_k - g_bar, delta_k - w_bar> = (1/K) sum <g_k, delta_k> - <g_bar, w_bar>; likewise the variances.
  t.dL = (s * norm_sq).mean().item<double>() - t.mean_term;
  t.var_g = (s * s * norm_sq).mean().item<double>() - frobenius(g_bar, g_bar);
  t.var_w = norm_sq.mean().item<double>() - frobenius(w_bar, w_bar);
  return t;
}

namespace {

/// v -> P G_c^T G_c P v / K in rank-one form. G v = (s_k a_k^T V b_k)_k; centring
/// it over k gives G_c v, and G_c^T u = G^T (u - mean u), so G_c is never built.
LinearOperator complement_gradient_covariance(const RankOnePairs& pairs, const torch::Tensor& directions) {
  const int64_t m = pairs.left.size(1), n = pairs.right.size(1);
  auto project_out = [directions](const torch::Tensor& v) { return v - directions.matmul(directions.t().matmul(v)); };
  return {m * n, [pairs, m, n, project_out](const torch::Tensor& v) {
            const auto V = project_out(v).reshape({m, n});
            const auto gv = pairs.grad_scale * (pairs.left.matmul(V) * pairs.right).sum(1);  // g_k . v, [K]
            const auto u = (gv - gv.mean()) * pairs.grad_scale;
            const auto w = (pairs.left * u.unsqueeze(1)).t().matmul(pairs.right) / double(gv.size(0));
            return project_out(w.flatten());
          }};
}

}  // namespace

Certificate certify(const RankOnePairs& pairs, const torch::Tensor& directions, const torch::Tensor& resolved_sigma_g,
                    double remainder_var_g, const LanczosOptions& options) {
  Certificate c;
  const auto sg = resolved_sigma_g.contiguous();
  const int64_t k = sg.numel();
  c.sigma_g_last = k > 0 ? sg[k - 1].item<double>() : 0.0;
  c.sigma_g_bound = std::sqrt(std::max(remainder_var_g, 0.0));
  c.sigma_g_max = c.sigma_g_bound;
  const auto op = complement_gradient_covariance(pairs, directions);
  if (c.sigma_g_bound > 0 && op.size > 1) {
    auto o = options;
    if (o.krylov_size <= 0) o.krylov_size = std::min<int64_t>(op.size, 24);
    try {
      const auto top = top_eigenpairs(op, 1, o);
      c.sigma_g_max = std::sqrt(std::max(top.lambda[0].item<double>(), 0.0));
      c.products = top.products;
    } catch (const std::runtime_error&) {
      // Not converged: keep the rigorous bound, which decides alone.
    }
  }
  c.certified_by_bound = c.sigma_g_bound < c.sigma_g_last;
  c.certified = c.sigma_g_max < c.sigma_g_last;
  c.certified_ranks = (sg > c.sigma_g_max).sum().item<int64_t>();
  return c;
}

TruncatedDecomposition decompose_truncated(const RankOnePairs& pairs, const torch::Tensor& directions,
                                           const torch::Tensor& lambda, int64_t n_sharp,
                                           const LanczosOptions& certificate_options) {
  TruncatedDecomposition t;
  const auto theta = project_pairs(pairs, directions);
  t.resolved = decompose_components(theta, theta * pairs.grad_scale.unsqueeze(1), lambda, n_sharp);
  const auto& r = t.resolved.directions;
  t.total = basis_free_sums(pairs);
  BasisFreeSums resolved;
  resolved.mean_term = (r.mu_g * r.mu_w).sum().item<double>();
  resolved.dL = t.resolved.sum_dL;
  resolved.var_g = r.sigma_g.pow(2).sum().item<double>();
  resolved.var_w = r.sigma_w.pow(2).sum().item<double>();
  t.remainder = {t.total.mean_term - resolved.mean_term, t.total.dL - resolved.dL, t.total.var_g - resolved.var_g,
                 t.total.var_w - resolved.var_w};
  t.certificate = certify(pairs, directions, r.sigma_g, t.remainder.var_g, certificate_options);
  return t;
}

}  // namespace awd::duality
