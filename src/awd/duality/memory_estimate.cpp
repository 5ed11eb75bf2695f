#include "awd/duality/memory_estimate.h"

namespace awd::duality {

// Float64 throughout: N^2 for the basis matrix, N^2 for its eigenvectors and
// about 2 N^2 of LAPACK's workspace; dW_k and the projections 2 K N (dense) or
// 2 K k (top-k); the top-k Lanczos basis with ncv <= 2k + 32 plus the k Ritz
// vectors and their products.
double analysis_memory_bytes(int64_t N, int64_t K, int64_t k) {
  const double numbers = k == 0 ? 4.0 * double(N) * double(N) + 2.0 * double(K) * double(N)
                                : (3.0 * double(k) + 34.0) * double(N) + 2.0 * double(K) * double(k);
  return 8.0 * numbers;
}

}  // namespace awd::duality
