// Dense eigendecomposition or top k directions: chosen by predicted time and
// memory, or forced by the user (AnalysisConfig::basis_rank).
#pragma once
#include <cstdint>
#include <string>

namespace awd::duality {

/// basis_rank values with a meaning of their own (any k > 0 asks for the top k).
inline constexpr int64_t kBasisAuto = -1;  ///< chosen by choose_basis
inline constexpr int64_t kBasisDense = 0;  ///< all N directions by a dense eigh
/// The k of the top-k path when it is chosen automatically.
inline constexpr int64_t kDefaultBasisRank = 100;
/// The dense path resolves every direction (the whole sigma_g spectrum, S_w(N)),
/// so it is taken whenever its predicted time stays below this, even where the
/// top k would be faster; above it, only when it is predicted no slower.
inline constexpr double kDenseBudgetSeconds = 60.0;

/// The sizes the prediction needs.
struct BasisSizes {
  int64_t weights = 0;  ///< N = m n
  int64_t samples = 0;  ///< S, the training samples the Hessian averages over
  int64_t pairs = 0;    ///< K, the analysed test pairs
};

/// Predicted seconds (2 cores; see the constants in basis_choice.cpp) and bytes.
struct BasisPrediction {
  double dense_seconds = 0, top_k_seconds = 0;
  double dense_bytes = 0, top_k_bytes = 0;
};
BasisPrediction predict_basis(const BasisSizes& sizes, int64_t k);

/// Predicted seconds of a dense eigh of a d x d symmetric matrix.
double predicted_eigh_seconds(int64_t d);

struct BasisChoice {
  int64_t basis_rank = 0;  ///< 0 = dense, k > 0 = the top k
  bool forced = false;     ///< the user asked for it (basis_rank >= 0)
  BasisPrediction prediction;
  std::string reason;      ///< why, for the line printed before the analysis
};

/// The path of an analysis: `requested` k > 0 or kBasisDense as asked (k < N
/// required: std::invalid_argument otherwise); kBasisAuto the dense path when
/// it fits in `available_bytes` (0 = unknown, no limit) and is predicted to
/// take at most kDenseBudgetSeconds or no longer than the top
/// kDefaultBasisRank (capped below N), the top k otherwise.
BasisChoice choose_basis(const BasisSizes& sizes, int64_t requested, double available_bytes);

/// One line: the path taken, why, and the predicted seconds of both.
std::string describe(const BasisChoice& choice, int64_t weights);

}  // namespace awd::duality
