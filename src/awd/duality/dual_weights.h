// The minimal dual weights and the effective gradients (SPEC §3-4).
#pragma once
#include <torch/types.h>

namespace awd::duality {

/// dW_k = (W dx_k) x_k^T / ||x_k||^2 with dx_k = x'_k - x_k (SPEC §3, paper
/// Eq. 6): the smallest change of W (Frobenius norm) with (W + dW_k) x_k = W x'_k.
/// W [m, n]; x_partner, x_test [K, n] with ||x_partner_k|| > 0. Returns [K, m, n].
torch::Tensor dual_weights(const torch::Tensor& W, const torch::Tensor& x_partner, const torch::Tensor& x_test);

/// g_k = l_k dW_k / ||dW_k||_F^2 flattened, 0 where dW_k = 0 (SPEC §4, Eq. 8),
/// so that g_k . dW_k = l_k. pair_gaps [K], delta_w [K, ...]. Returns [K, N].
torch::Tensor effective_gradients(const torch::Tensor& pair_gaps, const torch::Tensor& delta_w);

/// s_k = l_k / ||dW_k||_F^2 (0 where dW_k = 0), so that g_k = s_k dW_k. Returns [K].
torch::Tensor effective_gradient_scale(const torch::Tensor& pair_gaps, const torch::Tensor& delta_w);

}  // namespace awd::duality
