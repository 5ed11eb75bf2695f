#include "awd/duality/basis_choice.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "awd/duality/memory_estimate.h"
#include "awd/util/memory.h"
#include "awd/util/progress.h"

namespace awd::duality {
namespace {

// Calibrated on this project's 2-core machine (AMD EPYC, OpenBLAS 0.3.21, 2
// threads), from whole analyses: dense eigh of d = 900, 4608 and 9216 took
// 0.08 s, 11.5 s and 84.4 s (1.1e-10 d^3 s each); the Hessian's and the
// decomposition's GEMMs ran at about 50 GFLOP/s (ResNet-18's fc: 2.4e11
// flops in 4.7 s, 5.2e11 in 8.1 s); the matrix-free products at about 12
// GFLOP/s (fc1 of the MNIST MLP, N = 23520, S = 4000: 253 products of
// 4 S N flops in about 8 s).
constexpr double kEighSecondsPerCube = 1.1e-10;
constexpr double kGemmFlopsPerSecond = 50e9;
constexpr double kProductFlopsPerSecond = 12e9;
// Spectra's restarted Lanczos spent 253 products on k = 100 (fc1 above); the
// certificate's own Lanczos about 100 more, each over the K pairs.
constexpr double kProductsPerDirection = 2.5, kProductsFixed = 50, kCertificateProducts = 100;

}  // namespace

double predicted_eigh_seconds(int64_t d) { return kEighSecondsPerCube * double(d) * double(d) * double(d); }

BasisPrediction predict_basis(const BasisSizes& s, int64_t k) {
  const double N = double(s.weights), S = double(std::max<int64_t>(1, s.samples)),
               K = double(std::max<int64_t>(1, s.pairs)), kk = double(std::max<int64_t>(1, k));
  BasisPrediction p;
  // Hessian: the triangle GEMM, S N^2 / 2 multiply-adds (a last layer's class
  // blocks cost about the same); decomposition: the pairs times the basis.
  p.dense_seconds = (S * N * N + 2.0 * K * N * N) / kGemmFlopsPerSecond + predicted_eigh_seconds(s.weights);
  const double products = kProductsPerDirection * kk + kProductsFixed;
  const double ncv = std::min(N, std::max(2.0 * kk + 1.0, kk + 32.0));
  p.top_k_seconds = products * 4.0 * S * N / kProductFlopsPerSecond +
                    kCertificateProducts * 4.0 * K * N / kProductFlopsPerSecond +
                    (products * 2.0 * ncv * N + 2.0 * K * N * kk) / kGemmFlopsPerSecond;
  p.dense_bytes = analysis_memory_bytes(s.weights, s.pairs, 0);
  p.top_k_bytes = analysis_memory_bytes(s.weights, s.pairs, k);
  return p;
}

BasisChoice choose_basis(const BasisSizes& sizes, int64_t requested, double available_bytes) {
  const int64_t N = sizes.weights;
  if (requested < kBasisAuto)
    throw std::invalid_argument("basis_rank must be -1 (automatic), 0 (dense) or a number of directions");
  if (requested > 0 && requested >= N)
    throw std::invalid_argument("basis_rank " + std::to_string(requested) + " must be below the layer's " +
                                std::to_string(N) + " weights (0 = the dense basis of all of them)");
  const int64_t k = requested > 0 ? requested : std::min<int64_t>(kDefaultBasisRank, std::max<int64_t>(1, N - 1));
  BasisChoice c;
  c.prediction = predict_basis(sizes, k);
  c.forced = requested != kBasisAuto;
  const auto& p = c.prediction;
  if (c.forced) {
    c.basis_rank = requested;
    c.reason = requested == kBasisDense ? "dense (--basis-rank 0)" : "top " + std::to_string(k) + " (--basis-rank)";
    return c;
  }
  const bool fits = available_bytes <= 0 || p.dense_bytes <= 0.9 * available_bytes;
  if (N <= 2 || (fits && (p.dense_seconds <= kDenseBudgetSeconds || p.dense_seconds <= p.top_k_seconds))) {
    c.basis_rank = 0;
    c.reason = "dense (all directions; predicted within " + util::format_duration(kDenseBudgetSeconds) + ")";
  } else {
    c.basis_rank = k;
    c.reason = "top " + std::to_string(k) + (fits ? " (the dense path is predicted slower)"
                                                   : " (the dense path needs " + util::format_bytes(p.dense_bytes) +
                                                         ", more than the memory available)");
  }
  return c;
}

std::string describe(const BasisChoice& c, int64_t weights) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "basis      %s; predicted: dense %s (%s), top %lld %s (%s)", c.reason.c_str(),
                util::format_duration(c.prediction.dense_seconds).c_str(),
                util::format_bytes(c.prediction.dense_bytes).c_str(),
                static_cast<long long>(c.basis_rank > 0 ? c.basis_rank : std::min<int64_t>(kDefaultBasisRank, weights - 1)),
                util::format_duration(c.prediction.top_k_seconds).c_str(),
                util::format_bytes(c.prediction.top_k_bytes).c_str());
  return buf;
}

}  // namespace awd::duality
