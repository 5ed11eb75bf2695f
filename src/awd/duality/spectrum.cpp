#include "awd/duality/spectrum.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/linalg.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

namespace awd::duality {
namespace {

constexpr double kPi = 3.14159265358979323846;

/// z in {-1, +1}^N, uniform.
torch::Tensor rademacher(int64_t N, at::Generator& gen) {
  return torch::randint(0, 2, {N}, gen, torch::TensorOptions(torch::kDouble)).mul_(2).sub_(1);
}

}  // namespace

TraceEstimate hutchinson_trace(const LinearOperator& op, int64_t probes, uint64_t seed) {
  if (probes < 2) throw std::invalid_argument("hutchinson_trace: need at least 2 probes for a standard error");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<double> est;
  for (int64_t p = 0; p < probes; ++p) {
    const auto z = rademacher(op.size, gen);
    est.push_back(z.dot(op(z)).item<double>());
  }
  const auto t = torch::tensor(est, torch::kDouble);
  return {t.mean().item<double>(), t.std(/*unbiased=*/true).item<double>() / std::sqrt(double(probes)), probes};
}

Tridiagonal lanczos_tridiagonal(const LinearOperator& op, const torch::Tensor& start, int64_t steps) {
  steps = std::min(steps, op.size);
  auto Q = torch::zeros({steps, op.size}, torch::kDouble);  // the Lanczos vectors as rows
  std::vector<double> alpha, beta;
  auto q = start / start.norm();
  double scale = 0;  // the largest |alpha| or beta seen: the operator's scale for the breakdown test
  for (int64_t j = 0; j < steps; ++j) {
    Q[j].copy_(q);
    auto w = op(q);
    alpha.push_back(w.dot(q).item<double>());
    // Full reorthogonalisation (twice is enough): without it the nodes repeat
    // (ghost eigenvalues) and the quadrature weights are wrong.
    const auto Qj = Q.slice(0, 0, j + 1);
    for (int pass = 0; pass < 2; ++pass) w = w - Qj.t().matmul(Qj.matmul(w));
    const double b = w.norm().item<double>();
    scale = std::max({scale, std::abs(alpha.back()), b});
    if (j + 1 == steps || b <= 1e-12 * scale) break;  // done, or the Krylov space is invariant
    beta.push_back(b);
    q = w / b;
  }
  return {torch::tensor(alpha, torch::kDouble), torch::tensor(beta, torch::kDouble)};
}

namespace {

/// Nodes theta and weights tau = (first components)^2 of the eigenvectors of T.
std::pair<torch::Tensor, torch::Tensor> quadrature(const Tridiagonal& t) {
  const int64_t s = t.alpha.numel();
  auto T = torch::diag(t.alpha);
  if (s > 1) T = T + torch::diag(t.beta, 1) + torch::diag(t.beta, -1);
  auto [theta, U] = torch::linalg::eigh(T, "L");
  return {theta, U[0].pow(2)};
}

}  // namespace

SpectralDensity spectral_density(const LinearOperator& op, const DensityOptions& o) {
  const int64_t steps = std::min(o.steps, op.size);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  SpectralDensity d;
  d.nodes = torch::zeros({o.probes, steps}, torch::kDouble);
  d.weights = torch::zeros({o.probes, steps}, torch::kDouble);
  for (int64_t p = 0; p < o.probes; ++p) {
    const auto [theta, tau] = quadrature(lanczos_tridiagonal(op, rademacher(op.size, gen), steps));
    d.nodes[p].slice(0, 0, theta.numel()).copy_(theta);
    d.weights[p].slice(0, 0, tau.numel()).copy_(tau);
    if (theta.numel() < steps) d.nodes[p].slice(0, theta.numel()).fill_(theta[0].item<double>());
  }
  const double lo = d.nodes.min().item<double>(), hi = d.nodes.max().item<double>();
  d.sigma = std::max(o.relative_sigma * (hi - lo), 1e-12 * std::max({std::abs(lo), std::abs(hi), 1.0}));
  // Six sigma either side: the Gaussians' tails beyond carry < 1e-8 of the mass.
  d.grid = torch::linspace(lo - 6 * d.sigma, hi + 6 * d.sigma, o.grid_points, torch::kDouble);
  const auto diff = d.grid.unsqueeze(1) - d.nodes.flatten().unsqueeze(0);  // [G, P s]
  const auto gauss = torch::exp(-0.5 * diff.pow(2) / (d.sigma * d.sigma)) / (d.sigma * std::sqrt(2 * kPi));
  d.density = gauss.matmul(d.weights.flatten()) / double(o.probes);
  return d;
}

}  // namespace awd::duality
