#include "awd/duality/last_layer.h"

#include <cmath>

namespace awd::duality {

bool is_last_layer(const LayerLinearization& lin) {
  const auto& A = lin.jacobian;  // [S, C, m]
  if (A.size(1) != A.size(2)) return false;
  return A.eq(torch::eye(A.size(1), A.options()).expand_as(A)).all().item<bool>();
}

torch::Tensor kron_blocks(const torch::Tensor& class_weights, const torch::Tensor& x,
                          const util::BlockProgress& progress) {
  const int64_t S = x.size(0), n = x.size(1), k = class_weights.size(1);
  auto out = torch::empty({k, n, k, n}, x.options());
  const auto xt = x.t();
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t c = a; c < k; ++c) {
      auto block = xt.matmul(x * class_weights.select(1, a).select(1, c).unsqueeze(1)).div_(double(S));
      if (a == c) block = (block + block.t()).mul_(0.5);  // symmetric to the last bit
      out.select(0, a).select(1, c).copy_(block);
      if (a != c) out.select(0, c).select(1, a).copy_(block.t());
    }
    if (progress) progress((a + 1) * (2 * k - a) / 2, k * (k + 1) / 2);
  }
  return out.view({k * n, k * n});
}

torch::Tensor class_contrasts(int64_t C) {
  // v = e_1 - 1/sqrt(C); the reflection I - 2 v v^T / v^T v maps e_1 to 1/sqrt(C),
  // so its other columns are orthonormal and orthogonal to 1.
  auto v = torch::full({C}, -1.0 / std::sqrt(double(C)), torch::kDouble);
  v[0] += 1.0;
  const auto reflection = torch::eye(C, torch::kDouble) - 2.0 * torch::outer(v, v) / v.dot(v);
  return reflection.slice(1, 1);
}

torch::Tensor projected_basis_matrix(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis,
                                     const util::BlockProgress& progress) {
  const auto& p = lin.probs;  // [S, C]
  const int64_t C = p.size(1);
  const auto Q = class_contrasts(C).to(p.options());
  torch::Tensor M;  // Q^T M_j Q, [S, C-1, C-1]
  if (basis == Basis::kFisher) {
    const auto r = (p - torch::one_hot(labels, C).to(p.dtype())).matmul(Q);  // Q^T r_j
    M = r.unsqueeze(2) * r.unsqueeze(1);
  } else {
    const auto qp = p.matmul(Q);  // Q^T p_j
    M = Q.t().matmul(p.unsqueeze(2) * Q) - qp.unsqueeze(2) * qp.unsqueeze(1);
  }
  return kron_blocks(M, lin.activity, progress);
}

Eigenbasis lift_eigenbasis(const Eigenbasis& projected, int64_t C, int64_t n) {
  const auto& U = projected.vectors;  // [(C-1) n, r]
  const int64_t r = U.size(1);
  const auto Q = class_contrasts(C).to(U.options());
  const auto lifted = torch::tensordot(Q, U.view({C - 1, n, r}), {1}, {0}).view({C * n, r});
  const auto null = torch::kron(torch::ones({C, 1}, U.options()), torch::eye(n, U.options())) / std::sqrt(double(C));
  // The null block goes where 0 belongs in the ascending order (rounding can leave
  // eigenvalues of H' a hair below 0).
  const int64_t below = projected.lambda.lt(0).sum().item<int64_t>();
  return {torch::cat({projected.lambda.slice(0, 0, below), torch::zeros({n}, projected.lambda.options()),
                      projected.lambda.slice(0, below)}),
          torch::cat({lifted.slice(1, 0, below), null, lifted.slice(1, below)}, 1)};
}

Eigenbasis layer_eigenbasis(const LayerLinearization& lin, const torch::Tensor& labels, Basis basis) {
  if (!is_last_layer(lin)) return eigenbasis(basis_matrix(lin, labels, basis));
  return lift_eigenbasis(eigenbasis(projected_basis_matrix(lin, labels, basis)), lin.probs.size(1),
                         lin.activity.size(1));
}

}  // namespace awd::duality
