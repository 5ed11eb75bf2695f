#include "awd/duality/analysis.h"
#include "awd/duality/memory_estimate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "awd/duality/coverage.h"
#include "awd/duality/dual_pairs.h"
#include "awd/duality/flatness.h"
#include "awd/duality/hessian.h"
#include "awd/duality/hessian_vector.h"
#include "awd/duality/lanczos.h"
#include "awd/duality/last_layer.h"
#include "awd/duality/partners.h"
#include "awd/duality/truncated_decomposition.h"
#include "awd/util/memory.h"
#include "awd/util/progress.h"

namespace awd::duality {
namespace {

/// Stages predicted to take longer are announced (stderr unless -q).
constexpr double kAnnounceSeconds = 5.0;

class StageClock {
 public:
  explicit StageClock(std::map<std::string, double>& out) : out_(out), last_(clock::now()) {}
  void lap(const std::string& stage) {
    const auto now = clock::now();
    out_[stage] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  using clock = std::chrono::steady_clock;
  std::map<std::string, double>& out_;
  clock::time_point last_;
};

double error_rate(const torch::Tensor& logits, const torch::Tensor& labels) {
  return logits.argmax(1).ne(labels).to(torch::kDouble).mean().item<double>();
}

/// The analysed samples in float64: the correctly labelled training samples
/// and the test samples, of which the first K are paired.
struct AnalysedSets {
  torch::Tensor train_x, train_y, test_x, test_y;
  int64_t K = 0;
};

AnalysedSets analysed_sets(const data::Samples& samples, const AnalysisConfig& cfg) {
  AnalysedSets s;
  s.train_x = samples.train_inputs.index({samples.clean_mask}).to(torch::kDouble);
  s.train_y = samples.train_labels.index({samples.clean_mask});
  s.test_x = samples.test_inputs.to(torch::kDouble);
  s.test_y = samples.test_labels;
  s.K = cfg.max_test > 0 ? std::min(cfg.max_test, s.test_x.size(0)) : s.test_x.size(0);
  return s;
}

/// The activities entering the layer, computed once: below the layer nothing
/// changes, and for a CNN those layers cost the most.
struct Activities {
  torch::Tensor train, test;  ///< x [S, n], x' [K_all, n]
  torch::Tensor test_losses;  ///< l(u'; W) of every test sample
};

/// Fills the losses, errors and ||W|| of `res` (SPEC §1).
Activities layer_activities(LayerSplit& split, const AnalysedSets& s, AnalysisResult& res) {
  torch::NoGradGuard no_grad;
  Activities a;
  a.train = split.activity(s.train_x);
  a.test = split.activity(s.test_x);
  const auto train_logits = split.logits_from_activity(a.train);
  const auto test_logits = split.logits_from_activity(a.test);
  a.test_losses = sample_losses(test_logits, s.test_y);
  res.loss_train = sample_losses(train_logits, s.train_y).mean().item<double>();
  res.loss_test = a.test_losses.mean().item<double>();
  res.gap = res.loss_test - res.loss_train;
  res.train_error = error_rate(train_logits, s.train_y);
  res.test_error = error_rate(test_logits, s.test_y);
  res.weight_norm = split.weight().norm().item<double>();
  return a;
}

/// eigenbasis(matrix), announced with its predicted time when that is long:
/// LAPACK cannot report progress from inside.
Eigenbasis predicted_eigenbasis(const torch::Tensor& matrix, const util::ProgressSink& sink) {
  const int64_t d = matrix.size(0);
  const double predicted = predicted_eigh_seconds(d);
  const bool announce = sink && predicted > kAnnounceSeconds;
  if (announce)
    sink("eigh       of the " + std::to_string(d) + " x " + std::to_string(d) + " basis matrix: predicted " +
         util::format_duration(predicted) + " (no progress until it ends) ");
  const auto t0 = std::chrono::steady_clock::now();
  auto basis = eigenbasis(matrix);
  if (announce)
    sink("... done in " +
         util::format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) + "\n");
  return basis;
}

/// The decomposition of SPEC §5 in a basis, and that basis.
struct BasisDecomposition {
  Decomposition decomposition;       ///< the directions computed, in rank order
  double eq10_sum = 0;               ///< Eq. 10 summed over all N directions
  std::optional<TopKSummary> top_k;  ///< the top-k route's sums and certificate
  torch::Tensor vectors;             ///< the basis: [N, N], or the top k [N, k]
};

/// SPEC §5 in the dense eigenbasis of all N directions.
BasisDecomposition dense_decomposition(LayerSplit& split, const torch::Tensor& train_act,
                                       const torch::Tensor& train_y, const DualPairs& pairs,
                                       const AnalysisConfig& cfg, StageClock& clock) {
  Eigenbasis basis;
  {
    LayerLinearization lin;
    {
      torch::AutoGradMode grad_on(true);
      lin = linearize_activity(split, train_act);
    }
    // A last layer's C(C+1)/2 class blocks, its D null directions projected out (SPEC §9).
    const bool last = is_last_layer(lin);
    {
      util::StageProgress blocks(cfg.progress, last ? "basis matrix, class blocks" : "basis matrix, sample blocks");
      const auto report = [&](int64_t done, int64_t total) { blocks.update(double(done), double(total), "blocks"); };
      const auto matrix = last ? projected_basis_matrix(lin, train_y, cfg.basis, report)
                               : basis_matrix(lin, train_y, cfg.basis, report);
      clock.lap("hessian");
      basis = predicted_eigenbasis(matrix, cfg.progress);
    }
    if (last) basis = lift_eigenbasis(basis, split.weight().size(0), split.weight().size(1));
    clock.lap("eigh");
  }
  util::StageProgress columns(cfg.progress, "decomposition");
  BasisDecomposition out;
  out.decomposition = decompose_scaled(pairs.delta.reshape({pairs.keep_idx.numel(), -1}), pairs.grad_scale,
                                       basis.vectors, basis.lambda, cfg.n_sharp, [&](int64_t done, int64_t total) {
                                         columns.update(double(done), double(total), "directions");
                                       });
  out.eq10_sum = out.decomposition.eq10_sum;
  out.vectors = basis.vectors;
  clock.lap("decomposition");
  return out;
}

/// SPEC §5 along the top k eigenvectors, found matrix-free, plus the exact
/// remainder of the other N - k and the ranking certificate. The pairs enter
/// in rank-one form.
BasisDecomposition top_k_decomposition(LayerSplit& split, const torch::Tensor& train_act,
                                       const torch::Tensor& train_y, const RankOnePairs& rank_one,
                                       const AnalysisConfig& cfg, int64_t k, StageClock& clock) {
  TopEigenpairs top;
  {
    torch::AutoGradMode grad_on(true);
    const auto op = basis_operator(linearize_activity(split, train_act), train_y, cfg.basis);
    clock.lap("hessian");
    util::StageProgress lanczos(cfg.progress, "Lanczos, top " + std::to_string(k));
    LanczosOptions options;
    options.on_product = [&](int64_t products) { lanczos.count(double(products), "products"); };
    top = top_eigenpairs(op, k, options);
    clock.lap("lanczos");
  }
  auto t = decompose_truncated(rank_one, top.vectors, top.lambda, cfg.n_sharp);
  BasisDecomposition out;
  out.decomposition = std::move(t.resolved);
  out.eq10_sum = t.total.eq10();  // over all N, exactly
  out.top_k = TopKSummary{k, t.total, t.remainder, t.certificate, top.products, top.restarts};
  out.vectors = top.vectors;
  clock.lap("decomposition");
  return out;
}

/// Hutchinson's trace and the SLQ density of the basis matrix (as PyHessian reports them).
LayerSpectrum layer_spectrum(LayerSplit& split, const torch::Tensor& train_act, const torch::Tensor& train_y,
                             Basis basis) {
  torch::AutoGradMode grad_on(true);
  const auto op = basis_operator(linearize_activity(split, train_act), train_y, basis);
  return {hutchinson_trace(op, kTraceProbes), spectral_density(op)};
}

/// Refuses, before anything large is allocated, an analysis whose estimated
/// peak (float64) exceeds the memory the machine has available: the dense
/// path holds the N x N basis matrix, its eigenvectors and LAPACK's workspace
/// (about 4 N^2 numbers) and the pairs' dW_k (K N); the top-k path holds the
/// Lanczos basis and the k vectors ((ncv + k) N, ncv <= 2k + 32).
void check_memory(const std::string& layer, int64_t N, int64_t K, int64_t k) {
  const double bytes = analysis_memory_bytes(N, K, k);
  const int64_t available = util::available_memory_bytes();
  if (available > 0 && bytes > 0.9 * double(available))
    throw std::runtime_error("layer '" + layer + "': the " + (k == 0 ? "dense" : "top-k") + " analysis needs about " +
                             util::format_bytes(bytes) + ", the machine has " + util::format_bytes(double(available)) +
                             " available" + (k == 0 ? " (a top-k basis: --basis-rank K)" : " (lower --basis-rank)"));
}

}  // namespace

std::string self_check_failure(const AnalysisResult& r) {
  std::string failure;
  const double eq10_limit = kEq10Tolerance * std::max(1.0, std::abs(r.pair_gap));
  if (!(r.eq10_residual <= eq10_limit))  // NaN fails too
    failure = "Eq. 10 residual " + c10::str(r.eq10_residual) + " above " + c10::str(eq10_limit);
  if (!(r.duality_max_residual <= kDualityTolerance))
    failure += (failure.empty() ? "" : "; ") + std::string("duality residual ") + c10::str(r.duality_max_residual) +
               " above " + c10::str(kDualityTolerance);
  return failure;
}

namespace {

/// A fixed n_s beyond the `ranked` directions would be cut to their number without a word.
void check_n_sharp(int64_t ranked, bool top_k, const AnalysisConfig& cfg) {
  if (cfg.n_sharp > ranked)
    throw std::invalid_argument("n_sharp " + std::to_string(cfg.n_sharp) + " exceeds the " + std::to_string(ranked) +
                                (top_k ? " directions of the top-k basis (--basis-rank)" : " directions of the layer"));
}

}  // namespace

int64_t effective_basis_rank(const BasisSizes& sizes, const AnalysisConfig& cfg) {
  const int64_t k = choose_basis(sizes, cfg.basis_rank, double(util::available_memory_bytes())).basis_rank;
  check_n_sharp(k > 0 ? k : sizes.weights, k > 0, cfg);
  return k;
}

int64_t effective_basis_rank(int64_t N, const AnalysisConfig& cfg) {
  // The sizes are a guess here: an automatic choice may differ with the real
  // ones, so n_s is held against the top k only when k was asked for.
  check_n_sharp(cfg.basis_rank > 0 ? cfg.basis_rank : N, cfg.basis_rank > 0, cfg);
  return choose_basis(BasisSizes{N, 4000, 1000}, cfg.basis_rank, double(util::available_memory_bytes())).basis_rank;
}

namespace {

/// analyze() with the partners given (`given` defined) or searched for.
AnalysisResult analyze_with(LayerSplit& split, const data::Samples& samples, const AnalysisConfig& cfg,
                            const torch::Tensor& given) {
  AnalysisResult res;
  StageClock clock(res.seconds);
  const auto W = split.weight();
  res.layer = split.name();
  res.rows = W.size(0);
  res.cols = W.size(1);
  const auto sets = analysed_sets(samples, cfg);
  const BasisSizes sizes{res.rows * res.cols, sets.train_y.size(0), sets.K};
  res.basis = choose_basis(sizes, cfg.basis_rank, double(util::available_memory_bytes()));
  // Said when it matters: a top-k answer, or a dense path long enough to wait for.
  if (cfg.progress && (res.basis.basis_rank > 0 || res.basis.prediction.dense_seconds > kAnnounceSeconds))
    cfg.progress(describe(res.basis, sizes.weights) + "\n");
  const int64_t basis_rank = res.basis.basis_rank;
  check_n_sharp(basis_rank > 0 ? basis_rank : sizes.weights, basis_rank > 0, cfg);
  check_memory(res.layer, res.rows * res.cols, samples.test_labels.size(0), basis_rank);
  const auto act = layer_activities(split, sets, res);
  clock.lap("losses");

  // SPEC §2: partners.
  const auto ky = sets.test_y.slice(0, 0, sets.K);
  const auto partner = given.defined() ? given.slice(0, 0, sets.K)
                                       : partner_set(sets.test_x.slice(0, 0, sets.K), ky, sets.train_x, sets.train_y);
  clock.lap("partners");

  torch::NoGradGuard no_grad;
  const auto x_test = act.test.slice(0, 0, sets.K);
  const auto x_part = act.train.index_select(0, partner);
  const auto pairs = dual_pairs(split, x_part, x_test, ky, act.test_losses.slice(0, 0, sets.K), cfg.delta_scale,
                                /*full_delta=*/basis_rank == 0);
  res.pairs_kept = pairs.keep_idx.numel();
  res.pairs_skipped = pairs.skipped;
  res.loss_partners = pairs.partner_losses.mean().item<double>();
  res.test_loss_pairs = pairs.test_losses.mean().item<double>();
  res.pair_gap = pairs.pair_gap.mean().item<double>();  // dL_p (Eq. 7)
  res.duality_max_residual = pairs.duality_residual.max().item<double>();
  clock.lap("dual_weights");

  // SPEC §5: the basis, all N directions or the top k and the remainder.
  auto basis =
      basis_rank > 0
          ? top_k_decomposition(split, act.train, sets.train_y,
                                rank_one_pairs(W, x_part.index_select(0, pairs.keep_idx),
                                               x_test.index_select(0, pairs.keep_idx), pairs.pair_gap, cfg.delta_scale),
                                cfg, basis_rank, clock)
          : dense_decomposition(split, act.train, sets.train_y, pairs, cfg, clock);
  res.decomposition = std::move(basis.decomposition);
  res.eq10_residual = std::abs(basis.eq10_sum - res.pair_gap);
  res.top_k = std::move(basis.top_k);
  const auto& basis_vectors = basis.vectors;
  if (cfg.spectrum) {
    res.spectrum = layer_spectrum(split, act.train, sets.train_y, cfg.basis);
    clock.lap("spectrum");
  }

  // Paper Fig. S6: how far the training loss stays low along the sharpest directions.
  if (cfg.flatness_top > 0) {
    const auto& dirs = res.decomposition.directions;
    res.flatness = flatness(split, sets.train_x, sets.train_y, basis_vectors, dirs.basis_index, dirs.lambda,
                            dirs.sigma_g, cfg.flatness_top);
    clock.lap("flatness");
  }
  // Paper Fig. S1: kept pairs are in the seeded shuffled test order, so a prefix is a random subset.
  res.coverage = pair_gap_coverage(pairs.pair_gap, pairs.test_losses, res.loss_train);
  clock.lap("coverage");
  const auto sharp =
      pair_sharp_parts(split, x_part, x_test, pairs, basis_vectors, res.decomposition, cfg.delta_scale);
  res.pairs = pair_records(partner, x_part, x_test, pairs, sharp);
  clock.lap("pair_parts");
  return res;
}

}  // namespace

AnalysisResult analyze(LayerSplit& split, const data::Samples& samples, const AnalysisConfig& cfg) {
  return analyze_with(split, samples, cfg, torch::Tensor());
}

AnalysisResult analyze(LayerSplit& split, const data::Samples& samples, const AnalysisConfig& cfg,
                       const torch::Tensor& partners) {
  const int64_t K = cfg.max_test > 0 ? std::min(cfg.max_test, samples.test_labels.size(0)) : samples.test_labels.size(0);
  if (partners.scalar_type() != torch::kInt64 || partners.dim() != 1 || partners.size(0) < K)
    throw std::invalid_argument("the given partners must be int64 [K] with K >= " + std::to_string(K));
  return analyze_with(split, samples, cfg, partners);
}

}  // namespace awd::duality
