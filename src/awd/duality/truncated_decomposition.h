// The gap decomposition over k computed directions plus the exact remainder
// of the other N - k, and a certificate of the sigma_g ranking (SPEC §5).
#pragma once
#include <torch/types.h>

#include <cstdint>

#include "awd/duality/decomposition.h"
#include "awd/duality/lanczos.h"

namespace awd::duality {

/// The kept pairs' weight changes in rank-one form, never as a K x N matrix:
///
///   delta_k = a_k b_k^T,  a_k = gamma W dx_k [m],  b_k = x_k / ||x_k||^2 [n],
///   g_k = s_k delta_k,    s_k = l_k / ||delta_k||_F^2 = l_k / (||a_k||^2 ||b_k||^2)
///
/// (SPEC §3-4; gamma = delta_scale, s_k = 0 where delta_k = 0).
struct RankOnePairs {
  torch::Tensor left;        ///< a_k [K, m]
  torch::Tensor right;       ///< b_k [K, n]
  torch::Tensor grad_scale;  ///< s_k [K]
};

/// The rank-one pairs from W [m, n], partner and test activities [K, n]
/// (||x_k|| > 0) and the pair gaps l_k (l_k(gamma) for gamma != 1) [K].
RankOnePairs rank_one_pairs(const torch::Tensor& W, const torch::Tensor& x_partner, const torch::Tensor& x_test,
                            const torch::Tensor& pair_gaps, double delta_scale = 1.0);

/// theta_ki = v_i . delta_k = a_k^T V_i b_k for the columns v_i of
/// `directions` [N, r]: [K, r], built over blocks of pairs (O(block N) memory).
torch::Tensor project_pairs(const RankOnePairs& pairs, const torch::Tensor& directions);

/// Sums over ALL N directions of any orthonormal basis, which do not depend
/// on the basis (population statistics over the K pairs):
///
///   sum_i mu_g,i mu_w,i        = <g_bar, w_bar>
///   sum_i c_i sigma_g,i sigma_w,i = (1/K) sum_k <g_k - g_bar, delta_k - w_bar>
///   sum_i sigma_g,i^2          = (1/K) sum_k ||g_k - g_bar||^2, likewise sigma_w
///
/// with <g_k, delta_k> = s_k ||a_k||^2 ||b_k||^2 and g_bar = (1/K) sum_k s_k a_k b_k^T.
struct BasisFreeSums {
  double mean_term = 0, dL = 0;  ///< the two sums of Eq. 10; their total is dL_p (Eq. 10)
  double var_g = 0, var_w = 0;
  double eq10() const { return mean_term + dL; }
};
BasisFreeSums basis_free_sums(const RankOnePairs& pairs);

/// How far the k computed directions are the sharpest: the largest sigma_g a
/// unit direction v of the complement (v orthogonal to all k) can have is
///
///   sigma_g,max = || G_c P ||_2 / sqrt(K),  G_c = the centred g_k as rows [K, N],  P = I - V_k V_k^T,
///
/// the square root of the top eigenvalue of P G_c^T G_c P / K, found by
/// Lanczos (Spectra, nev = 1) on products in rank-one form.
struct Certificate {
  double sigma_g_max = 0;     ///< Lanczos estimate of sigma_g,max (a Ritz value: never above the true one)
  double sigma_g_bound = 0;   ///< sqrt(remainder var_g): a rigorous, cruder upper bound (trace >= top eigenvalue)
  double sigma_g_last = 0;    ///< the smallest sigma_g among the k computed directions
  bool certified = false;     ///< sigma_g_max < sigma_g_last: no other direction outranks a computed one
  bool certified_by_bound = false;  ///< sigma_g_bound < sigma_g_last (independent of Lanczos convergence)
  int64_t certified_ranks = 0;  ///< computed directions whose sigma_g exceeds sigma_g_max: ranks 1..this are final
  int64_t products = 0;       ///< operator products spent
};

/// The decomposition over the k computed directions and the exact remainder.
/// Remainder = the sums of BasisFreeSums minus the k directions' sums: what
/// the other N - k directions of ANY orthonormal completion contribute. (S_w(N),
/// a sum of square roots, is not basis-invariant and has no such remainder.)
struct TruncatedDecomposition {
  Decomposition resolved;  ///< the k directions, ranked by sigma_g among themselves; n_s over these ranks
  BasisFreeSums total;     ///< all N directions
  BasisFreeSums remainder; ///< the N - k others: total minus resolved
  Certificate certificate;
};

/// Decomposes along the orthonormal columns of `directions` [N, k] (e.g.
/// top_eigenpairs' vectors) with eigenvalues `lambda` [k]; `n_sharp` as in
/// decompose. `certificate_options` drive the certificate's Lanczos.
TruncatedDecomposition decompose_truncated(const RankOnePairs& pairs, const torch::Tensor& directions,
                                           const torch::Tensor& lambda, int64_t n_sharp = -1,
                                           const LanczosOptions& certificate_options = {});

/// The certificate alone: `resolved_sigma_g` [k] are the computed directions'
/// sigma_g in rank order (decreasing), `remainder_var_g` gives the rigorous bound.
/// If the certificate's Lanczos does not converge, sigma_g_max falls back to the bound.
Certificate certify(const RankOnePairs& pairs, const torch::Tensor& directions, const torch::Tensor& resolved_sigma_g,
                    double remainder_var_g, const LanczosOptions& options = {});

}  // namespace awd::duality
