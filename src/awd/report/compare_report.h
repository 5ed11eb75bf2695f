// The report of `awd compare` (paper Sec. 2.5, Fig. 5 and Fig. 6): the
// sweep report of its two algorithms, plus
//
//   COMPARE_DIR/report/compare.csv        per metric: mean and std per algo, and the paired difference
//   COMPARE_DIR/report/noise_summary.csv  per algo: the noise eta(t) of noise.csv summarised (mean, std over repeats)
//   COMPARE_DIR/report/noise_points.csv   every noise record of every solution (algo in the "value" column)
//   COMPARE_DIR/report/noise_series.csv   per algo and step: the noise records averaged over the repeats
//   COMPARE_DIR/report/figures/compare_*  Fig. 5 (sigma_g, sigma_w per rank) and Fig. 6 (noise vs sharpness, loss, time)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "awd/report/noise_summary.h"

namespace awd::report {

/// Per-solution scalars compared between the algorithms (from analysis/summary.json
/// and analysis/directions.csv): test_error, gap, pair_gap, sum_dL, dL_sharp,
/// dL_flat, n_sharp, weight_norm, S_w_N (S_w at the last rank), sigma_g_1 and
/// sigma_w_1 (rank 1), lambda_max (largest Hessian eigenvalue), epochs.
extern const std::vector<std::string> kCompareMetrics;

/// The statistics of a compare, per algorithm and paired.
/// Metrics summarised per value over the repeats, and paired across two values.
struct PairedSummary {
  /// [value][metric]: mean and sample std over the solutions where the metric is a number.
  std::vector<std::vector<double>> mean, std;
  /// Paired differences, last value minus first (dpsgd - ssgd), over the repeats
  /// where both are numbers: [metric], and the number of pairs. Empty unless two values.
  std::vector<double> diff_mean, diff_std;
  std::vector<int> diff_pairs;
};

struct CompareStats {
  std::vector<std::string> values;  ///< the algorithms, in sweep order
  int64_t repeats = 0;
  std::vector<int> finished;        ///< per value: solutions with an analysis
  std::vector<int> with_noise;      ///< per value: of them, with a noise.csv
  PairedSummary metrics;            ///< kCompareMetrics
  PairedSummary noise;              ///< kNoiseMetrics (NaN for solutions without noise.csv)
};

/// Reads every finished solution of the compare (or any sweep) in `dir`.
CompareStats aggregate_compare(const std::string& dir);

/// The report of a compare: the sweep report (write_report) plus compare.csv,
/// noise_summary.csv, noise_points.csv, noise_series.csv and their figures,
/// all linked from report.html. Returns the table for stdout.
std::string write_compare_report(const std::string& dir);

/// Whether the sweep directory `dir` holds a compare.
bool is_compare_dir(const std::string& dir);

}  // namespace awd::report
