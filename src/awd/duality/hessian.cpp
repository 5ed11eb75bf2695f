#include "awd/duality/hessian.h"

namespace awd::duality {

LayerLinearization linearize(models::Classifier& model, const std::string& layer, const torch::Tensor& inputs) {
  auto fc = model.dense_layer(layer);
  LayerLinearization lin;
  {
    torch::NoGradGuard no_grad;
    lin.activity = model.activity(inputs, layer).reshape({inputs.size(0), -1});
  }
  auto z = fc->forward(lin.activity).detach().requires_grad_(true);
  auto logits = model.logits_from_preactivation(z, layer);
  const int64_t C = logits.size(1);
  std::vector<torch::Tensor> rows;
  for (int64_t c = 0; c < C; ++c)
    rows.push_back(torch::autograd::grad({logits.select(1, c).sum()}, {z}, {}, /*retain_graph=*/c + 1 < C)[0]);
  lin.jacobian = torch::stack(rows, 1);
  lin.probs = torch::softmax(logits.detach(), 1);
  return lin;
}

torch::Tensor layer_hessian(const LayerLinearization& lin) {
  const auto& A = lin.jacobian;  // [S, C, m]
  const auto& p = lin.probs;     // [S, C]
  const auto& x = lin.activity;  // [S, n]
  const int64_t S = x.size(0), n = x.size(1), m = A.size(2);
  auto hess = torch::zeros({m * m, n * n}, x.options());
  // Chunks bound the memory of the per-sample outer products.
  constexpr int64_t kChunk = 1024;
  for (int64_t s0 = 0; s0 < S; s0 += kChunk) {
    const auto Ac = A.slice(0, s0, s0 + kChunk), pc = p.slice(0, s0, s0 + kChunk), xc = x.slice(0, s0, s0 + kChunk);
    const auto At = Ac.transpose(1, 2);                                 // [s, m, C]
    const auto q = At.matmul(pc.unsqueeze(2));                          // A^T p, [s, m, 1]
    const auto hz = At.matmul(Ac * pc.unsqueeze(2)) - q * q.transpose(1, 2);  // [s, m, m]
    const auto xx = xc.unsqueeze(2) * xc.unsqueeze(1);                  // [s, n, n]
    hess.addmm_(hz.reshape({hz.size(0), m * m}).t(), xx.reshape({xx.size(0), n * n}));
  }
  // [(a,c), (b,d)] -> [(a,b), (c,d)]
  return hess.div_(double(S)).view({m, m, n, n}).permute({0, 2, 1, 3}).reshape({m * n, m * n});
}

torch::Tensor empirical_fisher(const LayerLinearization& lin, const torch::Tensor& labels) {
  const int64_t S = lin.activity.size(0);
  const auto residual = lin.probs - torch::one_hot(labels, lin.probs.size(1)).to(lin.probs.dtype());
  const auto delta = lin.jacobian.transpose(1, 2).matmul(residual.unsqueeze(2)).squeeze(2);  // [S, m]
  const auto grads = (delta.unsqueeze(2) * lin.activity.unsqueeze(1)).reshape({S, -1});
  return grads.t().matmul(grads).div_(double(S));
}

}  // namespace awd::duality
