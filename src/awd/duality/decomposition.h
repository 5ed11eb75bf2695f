// The gap decomposition in an orthonormal basis (SPEC §5, paper Eq. 10-11).
#pragma once
#include <torch/types.h>

#include <vector>

#include "awd/util/progress.h"

namespace awd::duality {

/// Per-direction statistics, every tensor [N] float64, in rank order of
/// decreasing sigma_g (rank 1, index 0, is the sharpest direction).
struct Directions {
  torch::Tensor basis_index;  ///< column of the basis (eigenvalues ascending)
  torch::Tensor lambda;       ///< eigenvalue of the basis matrix
  torch::Tensor mu_g, mu_w;   ///< means of gamma_ki = v_i.g_k and theta_ki = v_i.dW_k
  torch::Tensor sigma_g, sigma_w;  ///< population standard deviations: sharpness, size
  torch::Tensor c;            ///< correlation of gamma_.i and theta_.i (0 if a sigma is 0)
  torch::Tensor dL;           ///< dL_i = c_i sigma_g,i sigma_w,i (Eq. 11)
  torch::Tensor S_w, S_L;     ///< accumulative sums of sigma_w and dL_i over ranks
};

/// A one-step drop of sigma_g on a log scale, between rank and rank + 1.
struct SharpnessDrop {
  int64_t rank = 0;
  double log_ratio = 0;  ///< log(sigma_g,rank / sigma_g,rank+1); +inf for x/0
};

struct Decomposition {
  Directions directions;
  double eq10_sum = 0;   ///< sum_i (mu_g,i mu_w,i + c_i sigma_g,i sigma_w,i) (Eq. 10)
  double sum_dL = 0;     ///< sum_i dL_i (Eq. 11)
  int64_t n_sharp = 0;   ///< n_s
  bool n_sharp_fixed = false;
  double dL_sharp = 0, dL_flat = 0;  ///< dL_s, dL_f
  std::vector<SharpnessDrop> largest_drops;  ///< the three largest, largest first
};

/// Decomposes the pairs' weight changes dW_k [K, N] and effective gradients
/// g_k [K, N] along the columns of `basis` [N, N] with eigenvalues `lambda`.
/// `n_sharp` >= 0 fixes n_s; -1 applies the steepest-drop rule.
Decomposition decompose(const torch::Tensor& delta_w, const torch::Tensor& eff_grad, const torch::Tensor& basis,
                        const torch::Tensor& lambda, int64_t n_sharp = -1);

/// The same for effective gradients parallel to the weight changes,
/// g_k = grad_scale_k dW_k (Eq. 8; see effective_gradient_scale): one
/// projection instead of two, equal up to rounding.
Decomposition decompose_scaled(const torch::Tensor& delta_w, const torch::Tensor& grad_scale,
                               const torch::Tensor& basis, const torch::Tensor& lambda, int64_t n_sharp = -1,
                               const util::BlockProgress& progress = {});

/// The same from the components theta_ki = v_i . dW_k and gamma_ki = v_i . g_k,
/// each [K, r], along r directions with eigenvalues `lambda` [r]: what the
/// others compute after projecting, and what a top-k decomposition (r < N)
/// computes from pairs kept in rank-one form.
Decomposition decompose_components(const torch::Tensor& theta, const torch::Tensor& gamma, const torch::Tensor& lambda,
                                   int64_t n_sharp = -1);

/// Per-direction moments of theta_.i and gamma_.i (each [r]): means,
/// population standard deviations and covariance.
struct ColumnStats {
  torch::Tensor mu_w, mu_g, sigma_w, sigma_g, cov;
};
ColumnStats column_stats(const torch::Tensor& theta, const torch::Tensor& gamma);

/// decompose_components from the moments alone: what every direction needs of
/// the K pairs, so the basis can be projected on a block of directions at a time.
Decomposition decompose_stats(const ColumnStats& stats, const torch::Tensor& lambda, int64_t n_sharp = -1);

/// The columns of `basis` along the n_s sharpest directions of `d`, in rank order.
torch::Tensor sharp_columns(const torch::Tensor& basis, const Decomposition& d);

/// Per pair k its part along the sharp directions, sum_{i <= n_s} gamma_ki theta_ki,
/// from theta_ki [K, n_s] on those directions and g_k = grad_scale_k dW_k (Eq. 8):
/// s_k sum_i theta_ki^2. Summed over every direction of a complete basis the
/// parts give g_k . dW_k = l_k, and their mean over k is Eq. 10's sum over i <= n_s.
torch::Tensor sharp_pair_parts(const torch::Tensor& theta_sharp, const torch::Tensor& grad_scale);

/// log(sigma_g,i / sigma_g,i+1) for ranks 1 <= i < N/2 (SPEC §5): x/0 is +inf, 0/0 is -inf (no decrease).
std::vector<double> sharpness_log_drops(const torch::Tensor& sigma_g_ranked);

/// n_s = the rank of the largest log drop (lowest on ties), 0 when N <= 2.
int64_t sharp_count(const torch::Tensor& sigma_g_ranked);

}  // namespace awd::duality
