// The basis matrix of a network's last dense layer, built from class blocks
// (SPEC §9): exact at N = 5120 (ResNet-18) and 10240 (DenseNet-121).
#pragma once
#include <torch/types.h>

#include "awd/config.h"
#include "awd/duality/hessian.h"

namespace awd::duality {

/// True when the head above the layer is the identity for every sample
/// (d logits / d z_j = I): the layer's pre-activations are the logits.
bool is_last_layer(const LayerLinearization& lin);

/// (1/S) sum_j M_j (kron) x_j x_j^T for per-sample class weights M_j [S, k, k]
/// (symmetric) and activities x [S, n], row-major like layer_hessian:
/// block (a, c) is X^T diag(M[:, a, c]) X / S, one GEMM for each of the
/// k(k+1)/2 blocks of the upper triangle, no per-sample n x n temporary.
torch::Tensor kron_blocks(const torch::Tensor& class_weights, const torch::Tensor& x,
                          const util::BlockProgress& progress = {});

/// Q [C, C-1] with orthonormal columns orthogonal to 1 (the last C-1 columns
/// of the Householder reflection that maps e_1 to 1/sqrt(C)).
torch::Tensor class_contrasts(int64_t C);

/// For a last layer, softmax makes every 1 (kron) v a null direction of both
/// the Hessian (rows of diag p - p p^T sum to 0) and the empirical Fisher
/// (p - e_y sums to 0): H = (Q kron I) H' (Q kron I)^T with
///
///   H' = (1/S) sum_j (Q^T M_j Q) (kron) x_j x_j^T,   (C-1) n square,
///
/// M_j = diag p_j - p_j p_j^T (Hessian) or r_j r_j^T, r_j = p_j - e_{y_j}
/// (Fisher). This returns H'.
torch::Tensor projected_basis_matrix(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis,
                                     const util::BlockProgress& progress = {});

/// The eigenbasis of the full C n square matrix from that of H' [(C-1) n]:
/// the n null directions (1/sqrt(C)) 1 (kron) e_i with eigenvalue exactly 0,
/// and (Q kron I) U for H' = U diag(lambda) U^T; eigenvalues ascending.
Eigenbasis lift_eigenbasis(const Eigenbasis& projected, int64_t C, int64_t n);

/// The eigenbasis of the basis matrix of SPEC §5 for any layer: through
/// projected_basis_matrix for a last layer, through basis_matrix otherwise.
Eigenbasis layer_eigenbasis(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis);

}  // namespace awd::duality
