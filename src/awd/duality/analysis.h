// The whole activity-weight duality analysis of one solution (SPEC §2-5).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "awd/config.h"
#include "awd/data/subset.h"
#include "awd/duality/basis_choice.h"
#include "awd/duality/coverage.h"
#include "awd/duality/decomposition.h"
#include "awd/duality/flatness.h"
#include "awd/duality/layer_split.h"
#include "awd/duality/spectrum.h"
#include "awd/duality/truncated_decomposition.h"

namespace awd::duality {

/// One row per analysed test sample k.
struct Pairs {
  torch::Tensor test_index;     ///< into the test set of the run
  torch::Tensor partner_index;  ///< into the training set of the run
  torch::Tensor kept;           ///< bool: the partner activity is non-zero
  torch::Tensor pair_gap;       ///< l_k (l_k(gamma) for delta_scale != 1); 0 where not kept
  torch::Tensor norm_x, norm_dx, norm_dw;  ///< ||x||, ||dx||, ||dW_k||_F
  torch::Tensor duality_residual;          ///< |l(u_p; W*_k) - l(u'_k; W)|
  /// The pair's share of dL_p, l_k / K over the K kept pairs (they sum to dL_p, Eq. 7),
  /// and l_k split at n_s: sharp = sum_{i <= n_s} gamma_ki theta_ki, flat = l_k - sharp
  /// (for a top-k basis flat includes the N - k directions not computed); 0 where not kept.
  torch::Tensor share, sharp, flat;
};

/// What a top-k analysis (basis_rank k > 0) adds: the directions it did not compute, summed.
struct TopKSummary {
  int64_t k = 0;
  BasisFreeSums total;      ///< all N directions (total.eq10() is Eq. 10's sum, = dL_p)
  BasisFreeSums remainder;  ///< the N - k directions not computed: total minus the k
  Certificate certificate;  ///< whether the k are the sharpest by sigma_g
  int64_t lanczos_products = 0, lanczos_restarts = 0;
};

/// Trace and spectral density of the basis matrix (H or F), from products only.
struct LayerSpectrum {
  TraceEstimate trace;
  SpectralDensity density;
};

struct AnalysisResult {
  std::string layer;
  int64_t rows = 0, cols = 0;  ///< m, n
  double loss_train = 0;     ///< L(S_train), correctly labelled samples
  double loss_test = 0;      ///< L(S_test), every test sample
  double loss_partners = 0;  ///< L(S_p) over the kept pairs
  double test_loss_pairs = 0;  ///< L over the kept pairs' test samples
  double gap = 0;            ///< dL = L(S_test) - L(S_train)
  double pair_gap = 0;       ///< dL_p = mean_k l_k (Eq. 7); mean l_k(gamma) for gamma != 1
  double eq10_residual = 0;  ///< |Eq. 10 sum - pair_gap|
  double duality_max_residual = 0;  ///< max_k |l(u_p; W*_k) - l(u'_k; W)| (gamma = 1)
  double train_error = 0, test_error = 0;
  double weight_norm = 0;    ///< ||W||_F of the analysed layer
  int64_t pairs_kept = 0, pairs_skipped = 0;
  Pairs pairs;
  Decomposition decomposition;  ///< all N directions, or the k computed ones when top_k is set
  std::optional<TopKSummary> top_k;  ///< set when the analysis ran on the top k directions
  std::optional<LayerSpectrum> spectrum;  ///< set when cfg.spectrum
  Flatness flatness;  ///< top flatness_top directions; empty tensors when 0
  Coverage coverage;  ///< dL_p and dL over growing fractions of the kept pairs
  BasisChoice basis;  ///< dense or top k, and the predicted time of both
  std::map<std::string, double> seconds;  ///< wall time per stage
};

/// Hutchinson probes of the trace estimate.
inline constexpr int64_t kTraceProbes = 30;

/// The self-checks every analysis reports must pass (SPEC §6): Eq. 10's
/// residual at most kEq10Tolerance max(1, |dL_p|), the duality residual at
/// most kDualityTolerance nats. Both hold to ~1e-14 in practice.
inline constexpr double kEq10Tolerance = 1e-9;
inline constexpr double kDualityTolerance = 1e-8;
/// What failed ("" when both pass; a NaN residual fails).
std::string self_check_failure(const AnalysisResult& r);

/// The k of an analysis of N weights (0 = dense): choose_basis on the
/// sizes, cfg.basis_rank as the request, the machine's available memory.
/// std::invalid_argument when a forced k >= N, or when a fixed cfg.n_sharp
/// exceeds the directions ranked (N, or k).
int64_t effective_basis_rank(const BasisSizes& sizes, const AnalysisConfig& cfg);
/// The same when only N is known (validation before training): S and K of
/// the paper's MNIST setting (4000, 1000); n_sharp is held against N, or
/// against a k asked for.
int64_t effective_basis_rank(int64_t N, const AnalysisConfig& cfg);

/// Analyses the layer of `split` (float64, eval mode; see layer_split.h) on
/// the run's samples. Corrupted training samples are excluded.
AnalysisResult analyze(LayerSplit& split, const data::Samples& samples, const AnalysisConfig& cfg);

/// The same with the partners given, int64 [K]: partners[k] indexes the
/// correctly labelled training samples (in order) for test sample k, instead
/// of the search of SPEC §2 over the split's inputs. For splits whose inputs
/// are not what the search compares (given_activities.h: sample indices).
/// The caller checks that each partner has its test sample's label.
AnalysisResult analyze(LayerSplit& split, const data::Samples& samples, const AnalysisConfig& cfg,
                       const torch::Tensor& partners);

}  // namespace awd::duality
