#include "awd/store/analysis_files.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/store/config_json.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_layout.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {
namespace {

std::string join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

json sums_json(const duality::BasisFreeSums& s) {
  return {{"eq10", s.eq10()}, {"mean_term", s.mean_term}, {"dL", s.dL}, {"var_g", s.var_g}, {"var_w", s.var_w}};
}

/// The top-k analysis: the sums over all N and over the N - k not
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
  const auto& b = r.basis;
  j["basis_choice"] = {{"rank", b.basis_rank},
                       {"forced", b.forced},
                       {"reason", b.reason},
                       {"predicted_dense_seconds", b.prediction.dense_seconds},
                       {"predicted_top_k_seconds", b.prediction.top_k_seconds},
                       {"predicted_dense_bytes", b.prediction.dense_bytes},
                       {"predicted_top_k_bytes", b.prediction.top_k_bytes}};
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

/// 1, 2, ..., n: the rank column.
torch::Tensor ranks(int64_t n) { return torch::arange(1, n + 1, torch::kInt64); }

AnalysisTable directions_table(const duality::Directions& d) {
  return {"directions",
          {"rank", "basis_index", "lambda", "sigma_g", "sigma_w", "mu_g", "mu_w", "c", "dL_i", "S_w", "S_L"},
          {ranks(d.basis_index.size(0)), d.basis_index, d.lambda, d.sigma_g, d.sigma_w, d.mu_g, d.mu_w, d.c, d.dL,
           d.S_w, d.S_L}};
}

/// test_sample and partner_sample index the data files; the partner's index
/// into the run's training set counts the clean samples only.
AnalysisTable pairs_table(const data::Subset& subset, const duality::Pairs& p) {
  std::vector<int64_t> clean;
  for (size_t i = 0; i < subset.corrupted.size(); ++i)
    if (!subset.corrupted[i]) clean.push_back(subset.train_indices[i]);
  const auto test_sample = torch::tensor(subset.test_indices, torch::kInt64).index_select(0, p.test_index);
  const auto partner_sample = torch::tensor(clean, torch::kInt64).index_select(0, p.partner_index);
  return {"pairs",
          {"k", "test_sample", "partner", "partner_sample", "kept", "l_k", "norm_x", "norm_dx", "norm_dW",
           "duality_residual", "share", "sharp", "flat"},
          {p.test_index, test_sample, p.partner_index, partner_sample, p.kept, p.pair_gap, p.norm_x, p.norm_dx,
           p.norm_dw, p.duality_residual, p.share, p.sharp, p.flat}};
}

/// A direction whose loss never doubles has F = inf (paper Fig. S6).
AnalysisTable flatness_table(const duality::Flatness& f) {
  return {"flatness",
          {"rank", "basis_index", "lambda", "sigma_g", "t_plus", "t_minus", "F"},
          {ranks(f.basis_index.size(0)), f.basis_index, f.lambda, f.sigma_g, f.t_plus, f.t_minus, f.F}};
}

json imported_summary(const json& config, const AnalysisConfig& analysis, const duality::AnalysisResult& r) {
  auto j = analysis_json(analysis, r);
  j["config"] = config;
  return j;
}

}  // namespace

std::vector<AnalysisTable> analysis_tables(const data::Subset& subset, const duality::AnalysisResult& r) {
  std::vector<AnalysisTable> tables{directions_table(r.decomposition.directions), pairs_table(subset, r.pairs)};
  if (r.flatness.F.defined() && r.flatness.F.numel() > 0) tables.push_back(flatness_table(r.flatness));
  const auto& c = r.coverage;
  if (c.fraction.defined())
    tables.push_back({"coverage", {"fraction", "pairs", "pair_gap", "gap"}, {c.fraction, c.pairs, c.pair_gap, c.gap}});
  if (r.spectrum)  // the spectral density phi(t) of the basis matrix (stochastic Lanczos quadrature)
    tables.push_back({"spectrum", {"t", "density"}, {r.spectrum->density.grid, r.spectrum->density.density}});
  return tables;
}

std::string table_csv(const AnalysisTable& table) {
  std::vector<torch::Tensor> cols;
  for (const auto& c : table.values)
    cols.push_back(c.scalar_type() == torch::kDouble ? c.contiguous() : c.to(torch::kInt64).contiguous());
  std::ostringstream csv;
  for (size_t k = 0; k < table.columns.size(); ++k) csv << (k ? "," : "") << table.columns[k];
  csv << '\n';
  const int64_t rows = cols.front().size(0);
  for (int64_t i = 0; i < rows; ++i) {
    for (size_t k = 0; k < cols.size(); ++k) {
      if (k) csv << ',';
      if (cols[k].scalar_type() == torch::kDouble)
        csv << io::csv_number(cols[k].data_ptr<double>()[i]);
      else
        csv << cols[k].data_ptr<int64_t>()[i];
    }
    csv << '\n';
  }
  return csv.str();
}

void write_analysis_files(const std::string& dir, const std::vector<AnalysisFile>& files) {
  own_folder(dir, FolderKind::kAnalysis);  // every writer, the Python package's too
  for (const auto& f : files) io::write_atomic(join(dir, f.name), f.text);
}

namespace {

/// The tables as CSV files, then summary.json, which marks a finished analysis.
std::vector<AnalysisFile> analysis_files(const data::Subset& subset, const duality::AnalysisResult& r,
                                         const json& summary) {
  std::vector<AnalysisFile> files;
  for (const auto& t : analysis_tables(subset, r)) files.push_back({t.name + ".csv", table_csv(t)});
  files.push_back({kSummaryFile, summary.dump(1) + "\n"});
  return files;
}

}  // namespace

void save_analysis(const std::string& dir, const std::string& run_id, const RunConfig& cfg,
                   const data::Subset& subset, const train::TrainResult& training,
                   const duality::AnalysisResult& r) {
  auto j = summary_json(cfg, training, r);
  j["run_id"] = run_id;
  write_analysis_files(dir, analysis_files(subset, r, j));
}

std::string imported_summary_json(const json& config, const AnalysisConfig& analysis,
                                  const duality::AnalysisResult& r) {
  return imported_summary(config, analysis, r).dump(1) + "\n";
}

std::vector<AnalysisFile> imported_analysis_files(const json& config, const AnalysisConfig& analysis,
                                                  const data::Subset& subset, const duality::AnalysisResult& r) {
  return analysis_files(subset, r, imported_summary(config, analysis, r));
}

void save_imported_analysis(const std::string& dir, const json& config, const AnalysisConfig& analysis,
                            const data::Subset& subset, const duality::AnalysisResult& r) {
  write_analysis_files(dir, imported_analysis_files(config, analysis, subset, r));
}

}  // namespace awd::store
