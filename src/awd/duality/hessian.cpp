#include "awd/duality/hessian.h"

#include <torch/autograd.h>
#include <torch/linalg.h>

#include <algorithm>
#include <vector>

namespace awd::duality {

LayerLinearization linearize(LayerSplit& split, const torch::Tensor& inputs) {
  torch::Tensor activity;
  {
    torch::NoGradGuard no_grad;
    activity = split.activity(inputs);
  }
  return linearize_activity(split, activity);
}

LayerLinearization linearize_activity(LayerSplit& split, const torch::Tensor& activity) {
  LayerLinearization lin;
  lin.activity = activity;
  auto z = split.preactivation(lin.activity).detach().requires_grad_(true);
  auto logits = split.head(z);
  const int64_t C = logits.size(1);
  std::vector<torch::Tensor> rows;
  for (int64_t c = 0; c < C; ++c)
    rows.push_back(torch::autograd::grad({logits.select(1, c).sum()}, {z}, {}, /*retain_graph=*/c + 1 < C)[0]);
  lin.jacobian = torch::stack(rows, 1);
  lin.probs = torch::softmax(logits.detach(), 1);
  return lin;
}

namespace {

/// The pairs i <= j of a k x k symmetric matrix: their flat indices i*k + j
/// (row-major upper triangle), their two factors, and for every (i, j) the
/// position of its pair (min, max) in that list.
struct UpperTriangle {
  torch::Tensor flat, first, second, pair_of;
};

UpperTriangle upper_triangle(int64_t k) {
  const auto ij = torch::triu_indices(k, k, 0, torch::kLong);
  const auto pos = torch::arange(ij.size(1), torch::kLong);
  auto pair_of = torch::empty({k, k}, torch::kLong);
  pair_of.index_put_({ij[0], ij[1]}, pos).index_put_({ij[1], ij[0]}, pos);
  return {ij[0] * k + ij[1], ij[0], ij[1], pair_of.flatten()};
}

}  // namespace

torch::Tensor layer_hessian(const LayerLinearization& lin, const util::BlockProgress& progress) {
  const auto& A = lin.jacobian;  // [S, C, m]
  const auto& p = lin.probs;     // [S, C]
  const auto& x = lin.activity;  // [S, n]
  const int64_t S = x.size(0), n = x.size(1), m = A.size(2);
  // H_z,j and x_j x_j^T are symmetric, so only their upper triangles enter the
  // product: an [S, m(m+1)/2]^T [S, n(n+1)/2] GEMM, 4x fewer flops than the
  // full [S, m*m]^T [S, n*n] one, with every entry summed the same way.
  const auto tm = upper_triangle(m), tn = upper_triangle(n);
  auto tri = torch::zeros({tm.flat.size(0), tn.flat.size(0)}, x.options());
  // Chunks bound the memory of the per-sample products.
  constexpr int64_t kChunk = 1024;
  for (int64_t s0 = 0; s0 < S; s0 += kChunk) {
    const auto Ac = A.slice(0, s0, s0 + kChunk), pc = p.slice(0, s0, s0 + kChunk), xc = x.slice(0, s0, s0 + kChunk);
    const auto At = Ac.transpose(1, 2);                                 // [s, m, C]
    const auto q = At.matmul(pc.unsqueeze(2));                          // A^T p, [s, m, 1]
    const auto hz = At.matmul(Ac * pc.unsqueeze(2)) - q * q.transpose(1, 2);  // [s, m, m]
    const auto hz_upper = hz.reshape({hz.size(0), m * m}).index_select(1, tm.flat);
    const auto xx_upper = xc.index_select(1, tn.first) * xc.index_select(1, tn.second);
    tri.addmm_(hz_upper.t(), xx_upper);
    if (progress) progress(std::min(S, s0 + kChunk), S);
  }
  tri.div_(double(S));
  // Every (a,c), (b,d) reads its triangle pair: [(a,c), (b,d)] -> [(a,b), (c,d)].
  return tri.index_select(0, tm.pair_of)
      .index_select(1, tn.pair_of)
      .view({m, m, n, n})
      .permute({0, 2, 1, 3})
      .reshape({m * n, m * n});
}

torch::Tensor output_sensitivity(const LayerLinearization& lin, const torch::Tensor& labels) {
  const auto residual = lin.probs - torch::one_hot(labels, lin.probs.size(1)).to(lin.probs.dtype());
  return lin.jacobian.transpose(1, 2).bmm(residual.unsqueeze(2)).squeeze(2);  // [S, m]
}

torch::Tensor empirical_fisher(const LayerLinearization& lin, const torch::Tensor& labels) {
  const int64_t S = lin.activity.size(0);
  const auto delta = output_sensitivity(lin, labels);
  const auto grads = (delta.unsqueeze(2) * lin.activity.unsqueeze(1)).reshape({S, -1});
  return grads.t().matmul(grads).div_(double(S));
}

torch::Tensor basis_matrix(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis,
                           const util::BlockProgress& progress) {
  return basis == Basis::kFisher ? empirical_fisher(lin, labels) : layer_hessian(lin, progress);
}

Eigenbasis eigenbasis(const torch::Tensor& matrix) {
  auto [lambda, vectors] = torch::linalg::eigh(matrix, "L");
  return {lambda, vectors};
}

}  // namespace awd::duality
