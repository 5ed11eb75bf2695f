#include "awd/duality/dual_weights.h"

namespace awd::duality {

torch::Tensor dual_weights(const torch::Tensor& W, const torch::Tensor& x_partner, const torch::Tensor& x_test) {
  const auto w_dx = (x_test - x_partner).matmul(W.t());             // [K, m]
  const auto x_sq = x_partner.pow(2).sum(1).view({-1, 1, 1});       // [K, 1, 1]
  return w_dx.unsqueeze(2) * x_partner.unsqueeze(1) / x_sq;         // [K, m, n]
}

torch::Tensor effective_gradient_scale(const torch::Tensor& pair_gaps, const torch::Tensor& delta_w) {
  const auto norm_sq = delta_w.reshape({delta_w.size(0), -1}).pow(2).sum(1);
  return torch::where(norm_sq > 0, pair_gaps / norm_sq, torch::zeros_like(norm_sq));
}

torch::Tensor effective_gradients(const torch::Tensor& pair_gaps, const torch::Tensor& delta_w) {
  const auto flat = delta_w.reshape({delta_w.size(0), -1});
  return flat * effective_gradient_scale(pair_gaps, delta_w).unsqueeze(1);
}

}  // namespace awd::duality
