// Aggregation of a sweep (paper Fig. 2-4, S3, S4, S10): per swept value, the
// mean and standard deviation over repeats of the gap decomposition, written
// as CSV tables, figures and one HTML page:
//
//   SWEEP_DIR/report/summary.csv    per value: repeats, finished, diverged, X_mean and X_std per metric
//   SWEEP_DIR/report/ranks.csv      per value and rank: the directions.csv curves averaged over repeats
//   SWEEP_DIR/report/solutions.csv  per finished solution: its metrics, sigma_w at ranks 1, 10, 100
//   SWEEP_DIR/report/report.json    the sweep, the per-value statistics and the failed solutions
//   SWEEP_DIR/report/figures/, report.html   (figures.h, html.h)
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "awd/experiments/parameters.h"
#include "awd/experiments/sweep.h"
#include "awd/report/figure_table.h"

namespace awd::report {

/// The scalars aggregated per value (summary.json keys).
extern const std::vector<std::string> kReportMetrics;
/// The per-rank curves averaged per value (directions.csv columns).
extern const std::vector<std::string> kRankColumns;

/// Mean and sample standard deviation of the finite entries of xs (std 0 for
/// one entry, both NaN for none), and how many entries counted.
struct MeanStd {
  double mean = NAN, std = NAN;
  int count = 0;
};
MeanStd mean_std(const std::vector<double>& xs);

/// One swept value's statistics over its repeats.
struct ValueStats {
  experiments::SweepValue value = 0.0;
  int repeats = 0, finished = 0, diverged = 0;
  int failed = 0;  ///< analysed, but left out: a failed self-check or unreadable files (FailedSolution)
  std::vector<double> mean, std;  ///< per metric of kReportMetrics; std is the sample standard deviation
  std::vector<std::vector<double>> rank_means;  ///< [rank][column of kRankColumns]
};

/// Checks that every finished solution of the sweep in `sweep_dir` was
/// trained on data files that are still as they were (store/data_check.h);
/// std::runtime_error naming the first changed file.
void verify_sweep_data(const std::string& sweep_dir, const experiments::SweepSpec& spec);

/// Reads every finished solution of the sweep in `sweep_dir`.
std::vector<ValueStats> aggregate_sweep(const std::string& sweep_dir);

/// A solution the report leaves out and lists: its analysis failed a
/// self-check, or its summary.json or directions.csv cannot be read. The
/// report is written from the others: one failed solution never stops it.
struct FailedSolution {
  std::string value;  ///< the swept value, as in the folder name
  int64_t repeat = 0;
  std::string dir, reason;
};
std::vector<FailedSolution> failed_solutions(const std::string& sweep_dir);

/// What a caller (the compare report) adds to a sweep's report: its own figures
/// (drawn from its own CSV files in the report dir) and HTML placed after the summary table.
struct ReportAddition {
  std::vector<Figure> figures;
  std::string html;
};

/// Checks the data (verify_sweep_data), then writes
/// SWEEP_DIR/report/{summary.csv, ranks.csv, solutions.csv, report.json},
/// the figures and report.html (a report folder, store/folder_kind.h; the
/// failed solutions listed in report.json's "failed" and on the page); returns
/// the table for stdout (a FAILED line per failed solution). A missing gnuplot
/// skips the figures with a one-line warning on stderr.
std::string write_report(const std::string& sweep_dir, const ReportAddition& addition = {});

}  // namespace awd::report
