// The memory estimate of the analysis, made before anything large is allocated
// (analysis.cpp refuses beyond the machine's memory, the imported-model route
// beyond --max-memory).
#pragma once
#include <cstdint>

namespace awd::duality {

/// The memory the analysis proper needs (bytes, an estimate) for N weights,
/// K test pairs and basis rank k (0 = dense): the dense path holds the N x N
/// basis matrix, its eigenvectors and LAPACK's workspace (about 4 N^2
/// numbers) and the pairs' dW_k (K N); the top-k path the Lanczos basis and
/// the k vectors ((ncv + k) N, ncv <= 2k + 32).
double analysis_memory_bytes(int64_t N, int64_t K, int64_t k);

}  // namespace awd::duality
