// The test/partner pairs of an analysis: their dual weights, pair gaps and
// effective gradients (SPEC §3-4), and the per-pair records written to pairs.csv.
#pragma once
#include <torch/types.h>

#include "awd/duality/analysis.h"
#include "awd/duality/decomposition.h"
#include "awd/duality/layer_split.h"

namespace awd::duality {

/// l(u; W) of every sample: cross-entropy, not reduced.
torch::Tensor sample_losses(const torch::Tensor& logits, const torch::Tensor& labels);

/// The kept pairs (partner activity non-zero) and what the decomposition needs of them.
struct DualPairs {
  torch::Tensor keep_idx;       ///< positions among the K pairs
  torch::Tensor delta;          ///< gamma dW_k [k, m, n]; only for the dense basis (k N numbers)
  torch::Tensor norm_delta;     ///< ||gamma dW_k||_F [k]
  torch::Tensor pair_gap;       ///< l_k (l_k(gamma)) [k]
  torch::Tensor grad_scale;     ///< s_k with g_k = s_k delta_k (Eq. 8)
  torch::Tensor test_losses;    ///< l(u'_k; W) [k]
  torch::Tensor partner_losses; ///< l(u_k; W) [k]
  torch::Tensor duality_residual;
  int64_t skipped = 0;          ///< pairs whose partner activity is zero
};

/// SPEC §3-4: dual weights, pair gaps and effective gradients of the pairs
/// (x_part, x_test), their losses and the duality residual; std::runtime_error
/// when no pair is kept.
/// With `full_delta` false the weight changes stay in rank-one form: the
/// logits only ever see dW_k x_k = W dx_k (Eq. 6: (W dx_k) x_k^T x_k / ||x_k||^2),
/// and ||dW_k||_F = ||W dx_k|| / ||x_k||, so no [k, m, n] tensor is built.
DualPairs dual_pairs(LayerSplit& split, const torch::Tensor& x_part, const torch::Tensor& x_test,
                     const torch::Tensor& labels, const torch::Tensor& test_losses, double delta_scale,
                     bool full_delta);

/// Each kept pair's sum_{i <= n_s} gamma_ki theta_ki along the sharpest
/// columns of `basis` [N, r] (SPEC §5): K x n_s components, never K x N.
torch::Tensor pair_sharp_parts(LayerSplit& split, const torch::Tensor& x_part, const torch::Tensor& x_test,
                               const DualPairs& pairs, const torch::Tensor& basis, const Decomposition& d,
                               double delta_scale);

/// One row per analysed test sample, the kept pairs' values scattered into
/// place; `sharp` [k] is each kept pair's part along the n_s sharpest directions.
Pairs pair_records(const torch::Tensor& partner, const torch::Tensor& x_part, const torch::Tensor& x_test,
                   const DualPairs& d, const torch::Tensor& sharp);

}  // namespace awd::duality
