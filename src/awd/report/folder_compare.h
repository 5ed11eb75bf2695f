// `awd report --compare A B [C...]`: analysis folders (as `awd run` and `awd
// analyze` write them, imported models included) side by side, the paper's
// Fig. 5/7 for the user's own models. Torch-free.
//
//   OUT/compare.csv   per metric (kFolderMetrics, the paper's names): one column per folder, named by its label
//   OUT/summary.csv   per folder: value (its label), folder, the metrics (the figures' list of curves)
//   OUT/ranks.csv     per folder and rank: value (its label), rank, sigma_g, sigma_w, S_w, dL_i
//   OUT/coverage.csv  per folder and fraction f: value, fraction, pair_gap, gap, pair_gap_over_gap (paper Fig. S1)
//   OUT/figures/folders_*.{gp,png,svg}, OUT/report.html
//
// dL_s and dL_f are only comparable at the same n_s: a differing automatic
// n_s is warned about, with the command that splits every folder at one
// (--n-sharp K, recomputed from directions.csv, so no analysis is rerun).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace awd::report {

/// The scalars compared, one row of compare.csv each, by the paper's names:
/// dL (summary.json's gap), dL_p (pair_gap), sum_dL_i (sum_dL), dL_s
/// (dL_sharp), dL_f (dL_flat), n_s (n_sharp), ||W|| (weight_norm),
/// lambda_max (the largest lambda of directions.csv), test_error, N (the
/// layer's weights), directions (the rows of directions.csv: k of a top-k
/// analysis, else N), dL_rest (the N - k directions' share of sum_dL_i, 0
/// when all N were computed), eq10_residual, duality_residual
/// (duality_max_residual).
extern const std::vector<std::string> kFolderMetrics;

/// The per-rank curves of directions.csv in ranks.csv.
extern const std::vector<std::string> kFolderRankColumns;

/// One analysis folder: its label, the metrics and the per-rank curves.
struct AnalysisFolder {
  std::string path, label;
  std::vector<double> metrics;             ///< per kFolderMetrics
  std::vector<std::vector<double>> ranks;  ///< [rank - 1][column of kFolderRankColumns]
  std::vector<std::vector<double>> coverage;  ///< coverage.csv's fraction, pair_gap, gap; empty when absent
};

/// Reads summary.json, directions.csv and (when there) coverage.csv of the
/// analysis folder `path`; an error naming the file for a missing file, key or column.
AnalysisFolder read_analysis_folder(const std::string& path, const std::string& label);

/// The labels of `folders`: `labels` when given (as many as folders), else the
/// folder paths. Errors for a wrong count, a repeated label or a comma in one.
std::vector<std::string> folder_labels(const std::vector<std::string>& folders, const std::vector<std::string>& labels);

/// Throws std::invalid_argument when `out_dir` is one of the `inputs` or inside one.
void check_output_folder(const std::vector<std::string>& inputs, const std::string& out_dir);

/// Reads every folder and checks its inputs (store::verify_analysis_inputs:
/// the run id of an analysis inside a run, the recorded data files' CRCs),
/// then writes compare.csv, summary.csv, ranks.csv, the figures (a missing
/// gnuplot: a warning on stderr, no figures) and report.html into `out_dir`,
/// a report folder (store/folder_kind.h): never one of the inputs or inside
/// one, never another kind of awd folder, and a folder of other files only
/// with `force` (they stay). Returns the side-by-side table for stdout, with a
/// note per top-k folder (k of N directions; dL_f covers the top k only).
/// With `n_sharp` >= 0 every folder's dL_s and dL_f are recomputed from its
/// directions.csv at n_s = n_sharp (an error when a folder has fewer
/// directions); otherwise a differing n_s is warned about on stderr with the
/// command that adds --n-sharp.
std::string write_folder_comparison(const std::vector<std::string>& folders, const std::vector<std::string>& labels,
                                    const std::string& out_dir, const std::string& gnuplot = "gnuplot",
                                    int64_t n_sharp = -1, bool force = false);

}  // namespace awd::report
