// Trace and spectral density of a layer operator from products only, for layers too large to form.
#pragma once
#include <torch/types.h>

#include <cstdint>

#include "awd/duality/hessian_vector.h"

namespace awd::duality {

/// Hutchinson's estimate tr M ~ (1/P) sum_p z_p^T M z_p over P Rademacher
/// probes z_p (entries +-1), with its standard error std(z^T M z) / sqrt(P)
/// (sample std, P - 1).
struct TraceEstimate {
  double mean = 0;
  double standard_error = 0;
  int64_t probes = 0;
};
TraceEstimate hutchinson_trace(const LinearOperator& op, int64_t probes, uint64_t seed = 0);

/// The Lanczos tridiagonalisation T = Q^T M Q of `steps` steps from `start`
/// (normalised), with full reorthogonalisation (Q kept: O(steps N) memory).
/// alpha [s] is the diagonal, beta [s - 1] the off-diagonal; s < steps when
/// the Krylov space is exhausted (beta below 1e-12 ||M||-scale).
struct Tridiagonal {
  torch::Tensor alpha, beta;
};
Tridiagonal lanczos_tridiagonal(const LinearOperator& op, const torch::Tensor& start, int64_t steps);

/// The spectral density of M by stochastic Lanczos quadrature (as PyHessian):
/// per Rademacher probe, the eigenpairs (theta_l, u_l) of its tridiagonal T
/// give the quadrature nodes theta_l and weights tau_l = u_l[0]^2 (summing to 1),
/// and
///
///   phi(t) = (1/P) sum_p sum_l tau_pl  N(t; theta_pl, sigma^2),
///
/// a Gaussian-broadened density that integrates to 1. Its first moment
/// sum tau theta is (1/P) sum_p z_p^T M z_p / N, Hutchinson's tr M / N, exactly.
struct SpectralDensity {
  torch::Tensor grid, density;  ///< [G]: t and phi(t)
  torch::Tensor nodes, weights; ///< [P, s]: theta_pl and tau_pl (zero weight where a probe stopped early)
  double sigma = 0;             ///< the broadening
};

struct DensityOptions {
  int64_t probes = 4;
  int64_t steps = 80;          ///< Lanczos steps per probe (capped at N)
  int64_t grid_points = 1000;
  double relative_sigma = 0.01;  ///< sigma = relative_sigma * (theta_max - theta_min) (1e-12 floor)
  uint64_t seed = 0;
};
SpectralDensity spectral_density(const LinearOperator& op, const DensityOptions& options = {});

}  // namespace awd::duality
