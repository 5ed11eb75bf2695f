#include "awd/duality/dual_pairs.h"

#include <torch/nn/functional/loss.h>

#include <cmath>
#include <stdexcept>

#include "awd/duality/dual_weights.h"
#include "awd/duality/truncated_decomposition.h"

namespace awd::duality {

torch::Tensor sample_losses(const torch::Tensor& logits, const torch::Tensor& labels) {
  return torch::nn::functional::cross_entropy(logits, labels,
                                              torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
}

DualPairs dual_pairs(LayerSplit& split, const torch::Tensor& x_part, const torch::Tensor& x_test,
                     const torch::Tensor& labels, const torch::Tensor& test_losses, double delta_scale,
                     bool full_delta) {
  DualPairs d;
  d.keep_idx = (x_part.norm(2, 1) > 0).nonzero().flatten();
  const int64_t kept = d.keep_idx.numel();
  d.skipped = x_part.size(0) - kept;
  if (kept == 0) throw std::runtime_error("every partner activity is zero: no pair has a dual weight");
  const auto xp = x_part.index_select(0, d.keep_idx), xt = x_test.index_select(0, d.keep_idx);
  const auto yk = labels.index_select(0, d.keep_idx);
  torch::Tensor shift;  // dW_k x_k [k, m]
  if (full_delta) {
    const auto dW = dual_weights(split.weight(), xp, xt);  // [k, m, n]
    shift = dW.bmm(xp.unsqueeze(2)).squeeze(2);
    d.delta = delta_scale == 1.0 ? dW : dW * delta_scale;
    d.norm_delta = d.delta.reshape({kept, -1}).norm(2, 1);
  } else {
    shift = (xt - xp).matmul(split.weight().t());
    d.norm_delta = std::abs(delta_scale) * shift.norm(2, 1) / xp.norm(2, 1);
  }
  // z = W x + b: the dual weights change W only, so z(W + dW) = z + dW x.
  const auto z_part = split.preactivation(xp);
  d.partner_losses = sample_losses(split.head(z_part), yk);
  const auto& partner_losses = d.partner_losses;
  d.test_losses = test_losses.index_select(0, d.keep_idx);
  // Eq. 1 checked directly: the partner's loss at W*_k = W + dW_k.
  const auto z_star = z_part + shift;
  d.duality_residual = (sample_losses(split.head(z_star), yk) - d.test_losses).abs();
  if (delta_scale == 1.0) {
    d.pair_gap = d.test_losses - partner_losses;  // l_k (Eq. 7)
  } else {  // l_k(gamma) along gamma dW_k (SPEC §4, Fig. S5)
    const auto z_gamma = z_part + (full_delta ? d.delta.bmm(xp.unsqueeze(2)).squeeze(2) : delta_scale * shift);
    d.pair_gap = sample_losses(split.head(z_gamma), yk) - partner_losses;
  }
  // Eq. 8: g_k = grad_scale_k delta_k, grad_scale_k = l_k / ||delta_k||^2 (0 where delta_k = 0).
  d.grad_scale = full_delta ? effective_gradient_scale(d.pair_gap, d.delta)
                            : torch::where(d.norm_delta > 0, d.pair_gap / d.norm_delta.pow(2),
                                           torch::zeros_like(d.norm_delta));
  return d;
}

torch::Tensor pair_sharp_parts(LayerSplit& split, const torch::Tensor& x_part, const torch::Tensor& x_test,
                               const DualPairs& pairs, const torch::Tensor& basis, const Decomposition& d,
                               double delta_scale) {
  const auto V = sharp_columns(basis, d);
  if (pairs.delta.defined())
    return sharp_pair_parts(pairs.delta.reshape({pairs.keep_idx.numel(), -1}).matmul(V), pairs.grad_scale);
  const auto rank_one = rank_one_pairs(split.weight(), x_part.index_select(0, pairs.keep_idx),
                                       x_test.index_select(0, pairs.keep_idx), pairs.pair_gap, delta_scale);
  return sharp_pair_parts(project_pairs(rank_one, V), rank_one.grad_scale);
}

Pairs pair_records(const torch::Tensor& partner, const torch::Tensor& x_part, const torch::Tensor& x_test,
                   const DualPairs& d, const torch::Tensor& sharp) {
  const int64_t K = partner.size(0);
  auto scatter = [&](const torch::Tensor& v) { return torch::zeros({K}, v.options()).index_copy_(0, d.keep_idx, v); };
  Pairs p;
  p.test_index = torch::arange(K, torch::kInt64);
  p.partner_index = partner;
  p.norm_x = x_part.norm(2, 1);
  p.kept = p.norm_x > 0;
  p.pair_gap = scatter(d.pair_gap);
  p.norm_dx = (x_test - x_part).norm(2, 1);
  p.norm_dw = scatter(d.norm_delta);
  p.duality_residual = scatter(d.duality_residual);
  p.share = scatter(d.pair_gap / double(d.keep_idx.numel()));  // Eq. 7: mean_k l_k = sum_k l_k / K
  p.sharp = scatter(sharp);
  p.flat = scatter(d.pair_gap - sharp);
  return p;
}

}  // namespace awd::duality
