#include "awd/duality/decomposition.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace awd::duality {

std::vector<double> sharpness_log_drops(const torch::Tensor& sigma_g_ranked) {
  const auto s = sigma_g_ranked.to(torch::kDouble).contiguous();
  const auto* v = s.data_ptr<double>();
  const int64_t N = s.numel();
  std::vector<double> drops;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (int64_t i = 1; 2 * i < N; ++i) {  // 1 <= i < N/2
    const double a = v[i - 1], b = v[i];
    drops.push_back(b > 0 ? std::log(a / b) : (a > 0 ? kInf : -kInf));
  }
  return drops;
}

int64_t sharp_count(const torch::Tensor& sigma_g_ranked) {
  if (sigma_g_ranked.numel() <= 2) return 0;
  const auto drops = sharpness_log_drops(sigma_g_ranked);
  if (drops.empty()) return 0;
  return std::max_element(drops.begin(), drops.end()) - drops.begin() + 1;  // first maximum
}

ColumnStats column_stats(const torch::Tensor& theta, const torch::Tensor& gamma) {
  ColumnStats st;
  st.mu_w = theta.mean(0);
  st.mu_g = gamma.mean(0);
  st.sigma_w = theta.std(0, /*unbiased=*/false);
  st.sigma_g = gamma.std(0, false);
  st.cov = ((theta - st.mu_w) * (gamma - st.mu_g)).mean(0);
  return st;
}

Decomposition decompose_components(const torch::Tensor& theta, const torch::Tensor& gamma, const torch::Tensor& lambda,
                                   int64_t n_sharp) {
  return decompose_stats(column_stats(theta, gamma), lambda, n_sharp);
}

Decomposition decompose_stats(const ColumnStats& st, const torch::Tensor& lambda, int64_t n_sharp) {
  const auto& [mu_w, mu_g, sigma_w, sigma_g, cov] = st;
  const auto denom = sigma_w * sigma_g;
  const auto c = torch::where(denom > 0, cov / denom, torch::zeros_like(cov));

  Decomposition d;
  // Eq. 10 term by term; c sigma_g sigma_w equals the covariance (it is 0 where a sigma is).
  d.eq10_sum = (mu_g * mu_w + c * sigma_g * sigma_w).sum().item<double>();

  const auto order = std::get<1>(sigma_g.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  auto& r = d.directions;
  r.basis_index = order;
  r.lambda = lambda.index_select(0, order);
  r.mu_g = mu_g.index_select(0, order);
  r.mu_w = mu_w.index_select(0, order);
  r.sigma_g = sigma_g.index_select(0, order);
  r.sigma_w = sigma_w.index_select(0, order);
  r.c = c.index_select(0, order);
  r.dL = r.c * r.sigma_g * r.sigma_w;  // Eq. 11
  r.S_w = r.sigma_w.cumsum(0);
  r.S_L = r.dL.cumsum(0);
  d.sum_dL = r.dL.sum().item<double>();

  d.n_sharp_fixed = n_sharp >= 0;
  d.n_sharp = d.n_sharp_fixed ? std::min<int64_t>(n_sharp, r.dL.numel()) : sharp_count(r.sigma_g);
  d.dL_sharp = r.dL.slice(0, 0, d.n_sharp).sum().item<double>();
  d.dL_flat = r.dL.slice(0, d.n_sharp).sum().item<double>();

  const auto drops = sharpness_log_drops(r.sigma_g);
  std::vector<int64_t> idx(drops.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return drops[a] > drops[b]; });
  for (size_t i = 0; i < std::min<size_t>(3, idx.size()); ++i) d.largest_drops.push_back({idx[i] + 1, drops[idx[i]]});
  return d;
}

torch::Tensor sharp_columns(const torch::Tensor& basis, const Decomposition& d) {
  return basis.index_select(1, d.directions.basis_index.slice(0, 0, d.n_sharp));
}

torch::Tensor sharp_pair_parts(const torch::Tensor& theta_sharp, const torch::Tensor& grad_scale) {
  return grad_scale * theta_sharp.pow(2).sum(1);  // gamma_ki = s_k theta_ki
}

Decomposition decompose(const torch::Tensor& delta_w, const torch::Tensor& eff_grad, const torch::Tensor& basis,
                        const torch::Tensor& lambda, int64_t n_sharp) {
  const int64_t K = delta_w.size(0);
  // One product for both: theta = dW V, gamma = g V.
  const auto proj = torch::cat({delta_w, eff_grad}).matmul(basis);
  return decompose_components(proj.slice(0, 0, K), proj.slice(0, K), lambda, n_sharp);
}

Decomposition decompose_scaled(const torch::Tensor& delta_w, const torch::Tensor& grad_scale,
                               const torch::Tensor& basis, const torch::Tensor& lambda, int64_t n_sharp,
                               const util::BlockProgress& progress) {
  // g_k = s_k dW_k, so gamma_k = s_k theta_k: half the flops of projecting g too.
  // The statistics are per direction, so the basis is taken a block of columns
  // at a time: [K, kColumns] temporaries instead of [K, N] ones.
  constexpr int64_t kColumns = 1024;
  const auto s = grad_scale.unsqueeze(1);
  std::vector<ColumnStats> parts;
  for (int64_t i = 0; i < basis.size(1); i += kColumns) {
    const auto theta = delta_w.matmul(basis.slice(1, i, i + kColumns));
    parts.push_back(column_stats(theta, theta * s));
    if (progress) progress(std::min(basis.size(1), i + kColumns), basis.size(1));
  }
  auto joined = [&](torch::Tensor ColumnStats::*field) {
    std::vector<torch::Tensor> v;
    for (const auto& p : parts) v.push_back(p.*field);
    return torch::cat(v);
  };
  const ColumnStats st{joined(&ColumnStats::mu_w), joined(&ColumnStats::mu_g), joined(&ColumnStats::sigma_w),
                       joined(&ColumnStats::sigma_g), joined(&ColumnStats::cov)};
  return decompose_stats(st, lambda, n_sharp);
}

}  // namespace awd::duality
