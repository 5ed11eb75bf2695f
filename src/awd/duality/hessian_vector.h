// Products with the layer Hessian and the empirical Fisher without forming them (SPEC §5).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "awd/config.h"
#include "awd/duality/hessian.h"
#include "awd/duality/layer_split.h"

namespace awd::duality {

/// A symmetric linear operator on the layer's weight space R^N, N = m n,
/// vectors flattened row-major like W (index a*n + b for W[a, b]), float64.
/// `product` maps v [N] to M v [N]; it is all Lanczos, Hutchinson and SLQ
/// need of the matrix M, which is never formed.
struct LinearOperator {
  int64_t size = 0;  ///< N
  std::function<torch::Tensor(const torch::Tensor&)> product;
  torch::Tensor operator()(const torch::Tensor& v) const { return product(v); }
};

/// H v in the Gauss-Newton form, exact when the layers above are piecewise
/// linear (SPEC §5; the same matrix as layer_hessian):
///
///   H v = (1/S) sum_j vec( A_j^T H_p,j A_j V x_j x_j^T ),   H_p,j = diag p_j - p_j p_j^T,
///
/// V = v reshaped m x n. Evaluated right to left per sample (u_j = V x_j,
/// A_j u_j, H_p,j, A_j^T) as batched GEMMs over blocks of samples, then one
/// [m, S] x [S, n] GEMM: O(S (m n + C m)) flops, O(S m) extra memory.
torch::Tensor gauss_newton_product(const LayerLinearization& lin, const torch::Tensor& v);

/// F v for the empirical Fisher F = (1/S) sum_j grad l_j grad l_j^T (SPEC §5 option):
///
///   F v = (1/S) sum_j (grad l_j . v) grad l_j,   grad l_j . v = delta_j^T V x_j,
///
/// from the activities x [S, n] and delta = output_sensitivity [S, m].
torch::Tensor fisher_product(const torch::Tensor& activity, const torch::Tensor& delta, const torch::Tensor& v);

/// The layer Hessian in the Gauss-Newton form as an operator (holds `lin`).
LinearOperator gauss_newton_operator(LayerLinearization lin);

/// The empirical Fisher as an operator (holds x and delta, O(S (m + n))).
LinearOperator fisher_operator(const LayerLinearization& lin, const torch::Tensor& labels);

/// The exact layer Hessian by autograd double backward through the head, for
/// heads that are not piecewise linear (tanh, sigmoid: there H != Gauss-Newton).
/// The loss depends on W only through z_j = W x_j + b, so
///
///   H v = (1/S) sum_j vec( (d^2 l_j / dz_j^2) (V x_j) x_j^T ),
///
/// and the per-sample Hessian-vector products in z are one double backward of
/// sum_j (grad_z l_j . u_j) with u_j = V x_j. The first backward (its graph
/// kept, memory as a forward pass of the head over the S samples) is shared
/// by every product. `activity` x [S, n], `labels` [S].
LinearOperator autograd_hessian_operator(LayerSplit& split, const torch::Tensor& activity,
                                         const torch::Tensor& labels);

/// The operator whose eigenvectors are the basis (SPEC §5): the Gauss-Newton
/// Hessian or the empirical Fisher. The matrix-free counterpart of basis_matrix.
LinearOperator basis_operator(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis);

}  // namespace awd::duality
