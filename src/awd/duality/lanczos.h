// The top-k eigenpairs of a symmetric operator by restarted Lanczos (Spectra), for the top-k route.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "awd/duality/hessian_vector.h"

namespace awd::duality {

struct LanczosOptions {
  int64_t krylov_size = 0;   ///< ncv, the Lanczos basis size; 0 = min(N, max(2k + 1, k + 32))
  int64_t max_restarts = 1000;
  /// Spectra's stopping rule: a Ritz pair (theta, y) is converged when its
  /// residual ||M y - theta y|| <= tol * max(eps^(2/3), |theta|); the
  /// eigenvalue error is then about residual^2 / gap.
  double tolerance = 1e-10;
  /// Called after every operator product with the count so far (progress).
  std::function<void(int64_t products)> on_product;
};

/// The k largest eigenvalues (algebraic) of a symmetric operator and their
/// orthonormal eigenvectors.
struct TopEigenpairs {
  torch::Tensor lambda;   ///< [k], descending
  torch::Tensor vectors;  ///< [N, k], column i belongs to lambda[i]
  int64_t restarts = 0;   ///< Spectra's iterations (implicit restarts)
  int64_t products = 0;   ///< operator products spent
};

/// Top-k by Spectra's implicitly restarted Lanczos (SymEigsSolver,
/// SortRule::LargestAlge), started from Spectra's fixed pseudo-random vector
/// (deterministic). Memory O(krylov_size * N). Throws std::runtime_error,
/// naming how many of the k converged, when they do not all converge within
/// max_restarts; std::invalid_argument unless 0 < k < N.
TopEigenpairs top_eigenpairs(const LinearOperator& op, int64_t k, const LanczosOptions& options = {});

}  // namespace awd::duality
