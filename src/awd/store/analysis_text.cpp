#include "awd/store/analysis_text.h"

#include <cstdio>
#include <string>

#include "awd/util/progress.h"

namespace awd::store {

namespace {

/// Eq. 10 and 11 in the dense basis: sums over all N directions.
std::string dense_sums(const duality::AnalysisResult& r) {
  const auto& d = r.decomposition;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "Eq. 10     sum_i(mu_g mu_w + c sigma_g sigma_w) = %.10f   residual %.2e\n"
                "Eq. 11     sum_i dL_i = %.5f   dL_s = %.5f (n_s = %lld%s)   dL_f = %.5f\n",
                d.eq10_sum, r.eq10_residual, d.sum_dL, d.dL_sharp, static_cast<long long>(d.n_sharp),
                d.n_sharp_fixed ? ", fixed" : "", d.dL_flat);
  return buf;
}

/// Whether the top k answer the question of SPEC §5 (which directions are
/// sharp, and their share of the gap), as the certificate decides it.
std::string top_k_verdict(const duality::AnalysisResult& r) {
  const auto& c = r.top_k->certificate;
  const int64_t n_s = r.decomposition.n_sharp;
  char buf[400];
  if (c.certified)
    std::snprintf(buf, sizeof buf, "verdict    the top %lld are enough: no other direction is sharper than any of them\n",
                  static_cast<long long>(r.top_k->k));
  else if (n_s > 0 && c.certified_ranks >= n_s)
    std::snprintf(buf, sizeof buf,
                  "verdict    enough for the sharp/flat split (ranks 1..%lld certified, n_s = %lld), not for the ranking "
                  "beyond\n",
                  static_cast<long long>(c.certified_ranks), static_cast<long long>(n_s));
  else
    std::snprintf(buf, sizeof buf,
                  "verdict    NOT enough: %lld of the ranks are certified; raise --basis-rank, or --basis-rank 0 for "
                  "all N (dense, predicted %s)\n",
                  static_cast<long long>(c.certified_ranks),
                  util::format_duration(r.basis.prediction.dense_seconds).c_str());
  return buf;
}

/// Eq. 10 and 11 over the top k directions and the exact remainder of the
/// other N - k, and whether the k are certainly the sharpest by sigma_g.
std::string top_k_sums(const duality::AnalysisResult& r) {
  const auto& d = r.decomposition;
  const auto& t = *r.top_k;
  const auto& c = t.certificate;
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      "Eq. 10     sum_i(mu_g mu_w + c sigma_g sigma_w) = %.10f = %.5f (top %lld) + %.5f (rest)   residual %.2e\n"
      "Eq. 11     sum_i dL_i = %.5f (top %lld) + %.5f (rest)   dL_s = %.5f (n_s = %lld%s)   dL_f = %.5f (top %lld)\n"
      "top-k      %lld of %lld directions (Lanczos, %lld products): %.1f%% of sum sigma_g^2, %.1f%% of sum sigma_w^2\n"
      "           ranking %s: the rest reach sigma_g %.4g (bound %.4g); rank %lld has %.4g%s\n",
      t.total.eq10(), d.eq10_sum, static_cast<long long>(t.k), t.remainder.eq10(), r.eq10_residual, d.sum_dL,
      static_cast<long long>(t.k), t.remainder.dL, d.dL_sharp, static_cast<long long>(d.n_sharp),
      d.n_sharp_fixed ? ", fixed" : "", d.dL_flat, static_cast<long long>(t.k), static_cast<long long>(t.k),
      static_cast<long long>(r.rows * r.cols), static_cast<long long>(t.lanczos_products),
      100.0 * (1.0 - t.remainder.var_g / t.total.var_g), 100.0 * (1.0 - t.remainder.var_w / t.total.var_w),
      c.certified ? "certified" : "NOT certified", c.sigma_g_max, c.sigma_g_bound, static_cast<long long>(t.k),
      c.sigma_g_last, c.certified ? "" : " (raise --basis-rank)");
  return buf + top_k_verdict(r);
}

std::string spectrum_line(const duality::AnalysisResult& r) {
  if (!r.spectrum) return "";
  char buf[200];
  std::snprintf(buf, sizeof buf, "spectrum   trace %.5g +- %.2g (Hutchinson, %lld probes); density in spectrum.csv\n",
                r.spectrum->trace.mean, r.spectrum->trace.standard_error,
                static_cast<long long>(r.spectrum->trace.probes));
  return buf;
}

/// One line for paper Fig. S6: the sharpest direction and the last one measured.
std::string flatness_line(const duality::AnalysisResult& r) {
  if (!r.flatness.F.defined() || r.flatness.F.numel() == 0) return "";
  const auto& F = r.flatness.F;
  const int64_t k = F.numel();
  char line[160];
  std::snprintf(line, sizeof line, "flatness   F_1 = %.4g   F_%lld = %.4g   (distance to 2 L(S_train), +-v_i)\n",
                F[0].item<double>(), static_cast<long long>(k), F[k - 1].item<double>());
  return line;
}

}  // namespace

std::string training_line(const train::TrainResult& t) {
  char line[256];
  std::snprintf(line, sizeof line, "training   %s after %lld epochs (%.2f s), train loss %.3g, train acc %.4f\n",
                to_string(t.stop_reason).c_str(), static_cast<long long>(t.epochs), t.seconds, t.train_loss,
                t.train_accuracy);
  return line;
}

std::string summary_table(const train::TrainResult& t, const duality::AnalysisResult& r) {
  return training_line(t) + analysis_table(r);
}

std::string analysis_table(const duality::AnalysisResult& r) {
  std::string drops;
  for (const auto& x : r.decomposition.largest_drops) drops += (drops.empty() ? "" : ", ") + std::to_string(x.rank);
  double seconds = 0;
  for (const auto& [stage, s] : r.seconds) seconds += s;
  char head[1024], tail[512];
  std::snprintf(head, sizeof head,
                "layer      %s (%lld x %lld, N = %lld), ||W|| = %.4g\n"
                "errors     train %.4f  test %.4f\n"
                "losses     L(S_train) %.5f  L(S_test) %.5f  L(S_p) %.5f\n"
                "gap        dL = %.5f   dL_p = %.5f (%lld pairs, %lld skipped)\n",
                r.layer.c_str(), static_cast<long long>(r.rows), static_cast<long long>(r.cols),
                static_cast<long long>(r.rows * r.cols), r.weight_norm, r.train_error, r.test_error, r.loss_train,
                r.loss_test, r.loss_partners, r.gap, r.pair_gap, static_cast<long long>(r.pairs_kept),
                static_cast<long long>(r.pairs_skipped));
  std::snprintf(tail, sizeof tail,
                "           largest sigma_g drops after ranks %s\n"
                "duality    max |l(u_p; W*) - l(u'; W)| = %.2e\n",
                drops.c_str(), r.duality_max_residual);
  char seconds_line[64];
  std::snprintf(seconds_line, sizeof seconds_line, "analysis   %.3f s\n", seconds);
  return std::string(head) + (r.top_k ? top_k_sums(r) : dense_sums(r)) + tail + flatness_line(r) +
         spectrum_line(r) + seconds_line;
}

}  // namespace awd::store
