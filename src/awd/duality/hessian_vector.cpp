#include "awd/duality/hessian_vector.h"

#include <torch/autograd.h>
#include <torch/nn/functional/loss.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace awd::duality {
namespace {

/// Samples per block: bounds the [s, C] and [s, m] temporaries, and keeps the
/// batched GEMMs large enough to be efficient.
constexpr int64_t kBlock = 4096;

/// v [N] as V [m, n], refusing a vector of the wrong size.
torch::Tensor as_matrix(const torch::Tensor& v, int64_t m, int64_t n) {
  if (v.numel() != m * n)
    throw std::invalid_argument("operator product: vector of size " + std::to_string(v.numel()) + ", expected " +
                                std::to_string(m * n));
  return v.reshape({m, n});
}

}  // namespace

torch::Tensor gauss_newton_product(const LayerLinearization& lin, const torch::Tensor& v) {
  const auto& A = lin.jacobian;  // [S, C, m]
  const auto& p = lin.probs;     // [S, C]
  const auto& x = lin.activity;  // [S, n]
  const int64_t S = x.size(0), n = x.size(1), m = A.size(2);
  const auto V = as_matrix(v, m, n);
  auto out = torch::zeros({m, n}, x.options());
  for (int64_t s0 = 0; s0 < S; s0 += kBlock) {
    const auto Ab = A.slice(0, s0, s0 + kBlock), pb = p.slice(0, s0, s0 + kBlock), xb = x.slice(0, s0, s0 + kBlock);
    const auto u = xb.matmul(V.t());                                  // V x_j, [s, m]
    const auto a = Ab.bmm(u.unsqueeze(2)).squeeze(2);                 // A_j u_j, [s, C]
    const auto hp = pb * (a - (pb * a).sum(1, /*keepdim=*/true));     // (diag p - p p^T) a
    const auto r = Ab.transpose(1, 2).bmm(hp.unsqueeze(2)).squeeze(2);  // A_j^T ..., [s, m]
    out.addmm_(r.t(), xb);                                            // sum_j r_j x_j^T
  }
  return out.div_(double(S)).flatten();
}

torch::Tensor fisher_product(const torch::Tensor& activity, const torch::Tensor& delta, const torch::Tensor& v) {
  const int64_t S = activity.size(0), n = activity.size(1), m = delta.size(1);
  const auto V = as_matrix(v, m, n);
  auto out = torch::zeros({m, n}, activity.options());
  for (int64_t s0 = 0; s0 < S; s0 += kBlock) {
    const auto xb = activity.slice(0, s0, s0 + kBlock), db = delta.slice(0, s0, s0 + kBlock);
    const auto dot = (xb.matmul(V.t()) * db).sum(1, /*keepdim=*/true);  // grad l_j . v = delta_j^T V x_j
    out.addmm_((db * dot).t(), xb);                                     // sum_j (grad l_j . v) delta_j x_j^T
  }
  return out.div_(double(S)).flatten();
}

LinearOperator gauss_newton_operator(LayerLinearization lin) {
  const int64_t N = lin.jacobian.size(2) * lin.activity.size(1);
  auto held = std::make_shared<LayerLinearization>(std::move(lin));
  return {N, [held](const torch::Tensor& v) { return gauss_newton_product(*held, v); }};
}

LinearOperator fisher_operator(const LayerLinearization& lin, const torch::Tensor& labels) {
  const auto x = lin.activity;
  const auto delta = output_sensitivity(lin, labels);
  return {delta.size(1) * x.size(1), [x, delta](const torch::Tensor& v) { return fisher_product(x, delta, v); }};
}

namespace {

/// The first backward of the autograd Hessian, kept for every product:
/// z [S, m] (a leaf) and grad_z sum_j l_j [S, m] with its graph.
struct HeadGradient {
  torch::Tensor activity, z, grad_z;
};

std::shared_ptr<HeadGradient> head_gradient(LayerSplit& split, const torch::Tensor& activity,
                                            const torch::Tensor& labels) {
  torch::AutoGradMode grad_on(true);
  auto g = std::make_shared<HeadGradient>();
  g->activity = activity.detach();
  g->z = split.preactivation(g->activity).detach().requires_grad_(true);
  const auto losses = torch::nn::functional::cross_entropy(
      split.head(g->z), labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  g->grad_z = torch::autograd::grad({losses}, {g->z}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  return g;
}

}  // namespace

LinearOperator autograd_hessian_operator(LayerSplit& split, const torch::Tensor& activity,
                                         const torch::Tensor& labels) {
  const int64_t m = split.weight().size(0), n = split.weight().size(1);
  auto g = head_gradient(split, activity, labels);
  return {m * n, [g, m, n](const torch::Tensor& v) {
            torch::AutoGradMode grad_on(true);
            const auto u = g->activity.matmul(as_matrix(v, m, n).t());  // u_j = V x_j, [S, m]
            // Samples do not interact, so d/dz_j of sum_k grad_z l_k . u_k is (d^2 l_j/dz_j^2) u_j.
            const auto hz_u = torch::autograd::grad({(g->grad_z * u).sum()}, {g->z}, {}, /*retain_graph=*/true)[0];
            return hz_u.t().matmul(g->activity).div_(double(g->activity.size(0))).flatten();
          }};
}

LinearOperator basis_operator(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis) {
  return basis == Basis::kFisher ? fisher_operator(lin, labels) : gauss_newton_operator(lin);
}

}  // namespace awd::duality
