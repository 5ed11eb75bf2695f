#include "awd/store/analysis_files.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "awd/io/text_file.h"
#include "awd/store/config_json.h"
#include "awd/store/folder_kind.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {
namespace {

std::string join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

json sums_json(const duality::BasisFreeSums& s) {
  return {{"eq10", s.eq10()}, {"mean_term", s.mean_term}, {"dL", s.dL}, {"var_g", s.var_g}, {"var_w", s.var_w}};
}

/// The top-k analysis (issue 11): the sums over all N and over the N - k not
/// computed, and the certificate of the sigma_g ranking.
json top_k_json(const duality::TopKSummary& t) {
  const auto& c = t.certificate;
  return {{"k", t.k},
          {"total", sums_json(t.total)},
          {"remainder", sums_json(t.remainder)},
          {"certificate",
           {{"certified", c.certified}, {"certified_by_bound", c.certified_by_bound},
            {"certified_ranks", c.certified_ranks}, {"sigma_g_max_rest", c.sigma_g_max},
            {"sigma_g_bound_rest", c.sigma_g_bound}, {"sigma_g_last", c.sigma_g_last}}},
          {"lanczos_products", t.lanczos_products},
          {"lanczos_restarts", t.lanczos_restarts},
          {"note", "directions.csv holds the k computed directions; its S_w sums sigma_w over them only "
                   "(a sum of square roots has no basis-free remainder)"}};
}

/// Every scalar of the analysis (SPEC §5), without the configuration that produced it.
json analysis_json(const AnalysisConfig& a, const duality::AnalysisResult& r) {
  const auto& d = r.decomposition;
  json drops = json::array();
  for (const auto& x : d.largest_drops)
    drops.push_back({{"rank", x.rank}, {"log_ratio", std::isfinite(x.log_ratio) ? json(x.log_ratio) : json("inf")}});
  // JSON has no infinity: null is a direction whose loss never doubled within the cap.
  json flat_F = json::array();
  if (r.flatness.F.defined())
    for (int64_t i = 0; i < r.flatness.F.numel(); ++i) {
      const double v = r.flatness.F[i].item<double>();
      flat_F.push_back(std::isfinite(v) ? json(v) : json(nullptr));
    }
  json j = {
      {"awd_version", AWD_VERSION},
      {"layer", r.layer}, {"m", r.rows}, {"n", r.cols}, {"N", r.rows * r.cols},
      {"basis", to_string(a.basis)}, {"delta_scale", a.delta_scale},
      {"loss_train", r.loss_train}, {"loss_test", r.loss_test}, {"loss_partners", r.loss_partners},
      {"loss_test_pairs", r.test_loss_pairs},
      {"gap", r.gap}, {"pair_gap", r.pair_gap}, {"eq10_sum", d.eq10_sum}, {"eq10_residual", r.eq10_residual},
      {"sum_dL", d.sum_dL}, {"n_sharp", d.n_sharp}, {"n_sharp_fixed", d.n_sharp_fixed},
      {"dL_sharp", d.dL_sharp}, {"dL_flat", d.dL_flat}, {"largest_sharpness_drops", drops},
      {"duality_max_residual", r.duality_max_residual},
      {"weight_norm", r.weight_norm}, {"train_error", r.train_error}, {"test_error", r.test_error},
      {"pairs_kept", r.pairs_kept}, {"pairs_skipped", r.pairs_skipped},
      {"flatness_F", flat_F},
      {"seconds", r.seconds}};
  const auto failure = duality::self_check_failure(r);
  j["self_check"] = {{"passed", failure.empty()}, {"failure", failure},
                     {"eq10_tolerance", duality::kEq10Tolerance}, {"duality_tolerance", duality::kDualityTolerance}};
  if (r.top_k) j["top_k"] = top_k_json(*r.top_k);
  if (r.spectrum)
    j["spectrum"] = {{"trace", r.spectrum->trace.mean}, {"trace_standard_error", r.spectrum->trace.standard_error},
                     {"trace_probes", r.spectrum->trace.probes}, {"density_sigma", r.spectrum->density.sigma}};
  return j;
}

json summary_json(const RunConfig& cfg, const train::TrainResult& training, const duality::AnalysisResult& r) {
  auto j = analysis_json(cfg.analysis, r);
  j["config"] = to_json(cfg);
  j["training"] = {{"stop_reason", to_string(training.stop_reason)}, {"epochs", training.epochs},
                   {"train_loss", std::isfinite(training.train_loss) ? json(training.train_loss) : json(nullptr)},
                   {"train_accuracy", training.train_accuracy}, {"seconds", training.seconds}};
  return j;
}

/// A CSV table of equally long 1-D columns under `header`: int64 and bool
/// columns as integers, float64 ones with 17 significant digits (they read
/// back to the same double; std::ostream writes +inf as "inf").
std::string columns_csv(const std::string& header, const std::vector<torch::Tensor>& columns) {
  std::vector<torch::Tensor> cols;
  for (const auto& c : columns)
    cols.push_back(c.scalar_type() == torch::kDouble ? c.contiguous() : c.to(torch::kInt64).contiguous());
  std::ostringstream csv;
  csv.precision(17);
  csv << header << '\n';
  const int64_t rows = cols.front().size(0);
  for (int64_t i = 0; i < rows; ++i) {
    for (size_t k = 0; k < cols.size(); ++k) {
      if (k) csv << ',';
      if (cols[k].scalar_type() == torch::kDouble)
        csv << cols[k].data_ptr<double>()[i];
      else
        csv << cols[k].data_ptr<int64_t>()[i];
    }
    csv << '\n';
  }
  return csv.str();
}

/// 1, 2, ..., n: the rank column.
torch::Tensor ranks(int64_t n) { return torch::arange(1, n + 1, torch::kInt64); }

std::string directions_csv(const duality::Directions& d) {
  return columns_csv("rank,basis_index,lambda,sigma_g,sigma_w,mu_g,mu_w,c,dL_i,S_w,S_L",
                     {ranks(d.basis_index.size(0)), d.basis_index, d.lambda, d.sigma_g, d.sigma_w, d.mu_g, d.mu_w, d.c,
                      d.dL, d.S_w, d.S_L});
}

/// test_sample and partner_sample index the data files; the partner's index
/// into the run's training set counts the clean samples only.
std::string pairs_csv(const data::Subset& subset, const duality::Pairs& p) {
  std::vector<int64_t> clean;
  for (size_t i = 0; i < subset.corrupted.size(); ++i)
    if (!subset.corrupted[i]) clean.push_back(subset.train_indices[i]);
  const auto test_sample = torch::tensor(subset.test_indices, torch::kInt64).index_select(0, p.test_index);
  const auto partner_sample = torch::tensor(clean, torch::kInt64).index_select(0, p.partner_index);
  return columns_csv("k,test_sample,partner,partner_sample,kept,l_k,norm_x,norm_dx,norm_dW,duality_residual",
                     {p.test_index, test_sample, p.partner_index, partner_sample, p.kept, p.pair_gap, p.norm_x,
                      p.norm_dx, p.norm_dw, p.duality_residual});
}

/// A direction whose loss never doubles has F = inf (paper Fig. S6).
std::string flatness_csv(const duality::Flatness& f) {
  return columns_csv("rank,basis_index,lambda,sigma_g,t_plus,t_minus,F",
                     {ranks(f.basis_index.size(0)), f.basis_index, f.lambda, f.sigma_g, f.t_plus, f.t_minus, f.F});
}

/// The spectral density phi(t) of the basis matrix on its grid (stochastic Lanczos quadrature).
std::string spectrum_csv(const duality::SpectralDensity& d) { return columns_csv("t,density", {d.grid, d.density}); }

std::string coverage_csv(const duality::Coverage& c) {
  return columns_csv("fraction,pairs,pair_gap,gap", {c.fraction, c.pairs, c.pair_gap, c.gap});
}

/// The tables of an analysis; summary.json is written after them.
void save_tables(const std::string& dir, const data::Subset& subset, const duality::AnalysisResult& r) {
  io::write_atomic(join(dir, "directions.csv"), directions_csv(r.decomposition.directions));
  io::write_atomic(join(dir, "pairs.csv"), pairs_csv(subset, r.pairs));
  if (r.flatness.F.defined() && r.flatness.F.numel() > 0)
    io::write_atomic(join(dir, "flatness.csv"), flatness_csv(r.flatness));
  if (r.coverage.fraction.defined()) io::write_atomic(join(dir, "coverage.csv"), coverage_csv(r.coverage));
  if (r.spectrum) io::write_atomic(join(dir, "spectrum.csv"), spectrum_csv(r.spectrum->density));
}

}  // namespace

void save_analysis(const std::string& dir, const std::string& run_id, const RunConfig& cfg,
                   const data::Subset& subset, const train::TrainResult& training,
                   const duality::AnalysisResult& r) {
  own_folder(dir, FolderKind::kAnalysis);
  save_tables(dir, subset, r);
  // Last: summary.json marks a finished analysis of the run `run_id`.
  auto j = summary_json(cfg, training, r);
  j["run_id"] = run_id;
  io::write_atomic(join(dir, "summary.json"), j.dump(1) + "\n");
}

void save_imported_analysis(const std::string& dir, const nlohmann::json& config, const AnalysisConfig& analysis,
                            const data::Subset& subset, const duality::AnalysisResult& r) {
  own_folder(dir, FolderKind::kAnalysis);  // callers outside awd's commands (Python) too
  save_tables(dir, subset, r);
  auto j = analysis_json(analysis, r);
  j["config"] = config;
  io::write_atomic(join(dir, "summary.json"), j.dump(1) + "\n");
}

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
  return buf;
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

std::string summary_table(const train::TrainResult& t, const duality::AnalysisResult& r) {
  char line[256];
  std::snprintf(line, sizeof line, "training   %s after %lld epochs (%.2f s), train loss %.3g, train acc %.4f\n",
                to_string(t.stop_reason).c_str(), static_cast<long long>(t.epochs), t.seconds, t.train_loss,
                t.train_accuracy);
  return line + analysis_table(r);
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
