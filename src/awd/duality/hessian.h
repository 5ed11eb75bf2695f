// Second-order geometry of the loss with respect to one dense layer's weights (SPEC §5).
#pragma once
#include <torch/types.h>

#include "awd/config.h"
#include "awd/duality/layer_split.h"
#include "awd/util/progress.h"

namespace awd::duality {

/// The loss seen from one dense layer: activities entering it and the
/// sensitivity of the logits to its pre-activation, per sample.
struct LayerLinearization {
  torch::Tensor activity;  ///< x_j [S, n]
  torch::Tensor jacobian;  ///< A_j = d logits / d z_j [S, C, m]
  torch::Tensor probs;     ///< softmax p_j [S, C]
};

/// Activities and logit Jacobians of the split's layer for every sample, one
/// backward pass per class over the whole batch (the samples do not interact
/// in eval mode).
LayerLinearization linearize(LayerSplit& split, const torch::Tensor& inputs);
/// The same from activities x [S, n] already computed (the layers below the
/// split are then not run again: for a CNN they cost the most).
LayerLinearization linearize_activity(LayerSplit& split, const torch::Tensor& activity);

/// H = d^2 L / dW^2 of the mean cross-entropy over the samples, flattened
/// row-major (index a*n + b for W[a, b]); [m*n, m*n].
/// The loss depends on W only through z_j = W x_j, so
///   H = (1/S) sum_j H_z,j (kron) x_j x_j^T,  H_z,j = A_j^T (diag p_j - p_j p_j^T) A_j,
/// exact wherever the layers above are piecewise linear (ReLU, max-pool): their
/// second derivatives vanish almost everywhere (SPEC §5, §9).
/// `progress` hears after every block of samples.
torch::Tensor layer_hessian(const LayerLinearization& lin, const util::BlockProgress& progress = {});

/// delta_j = A_j^T (p_j - e_{y_j}) [S, m]: dl_j/dz_j, so grad_W l_j = vec(delta_j x_j^T).
torch::Tensor output_sensitivity(const LayerLinearization& lin, const torch::Tensor& labels);

/// Empirical Fisher F = (1/S) sum_j grad l_j grad l_j^T with grad l_j = vec(delta_j x_j^T),
/// delta_j = A_j^T (p_j - e_{y_j}) (SPEC §5 option).
torch::Tensor empirical_fisher(const LayerLinearization& lin, const torch::Tensor& labels);

/// The matrix whose eigenvectors are the basis of SPEC §5: layer_hessian or
/// empirical_fisher.
torch::Tensor basis_matrix(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis,
                           const util::BlockProgress& progress = {});

/// Eigenpairs of a symmetric matrix, eigenvalues ascending, eigenvectors as
/// columns (LAPACK's syevd on the lower triangle).
struct Eigenbasis {
  torch::Tensor lambda;   ///< [N]
  torch::Tensor vectors;  ///< [N, N]
};
Eigenbasis eigenbasis(const torch::Tensor& matrix);

}  // namespace awd::duality
