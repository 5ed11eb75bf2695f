// The report of a run's analysis along training (TrainConfig::analyze_every),
// drawn from the snapshot analyses in RUN_DIR/trajectory (store/snapshots.h),
// so it can be redrawn from the files at any time. Torch-free. Writes there
//
//   trajectory.csv        per snapshot epoch: train/test loss and error, dL, dL_p, dL_s, dL_f, n_s,
//                         lambda_max, sigma_g and sigma_w at rank 1, ||W||, S_w(N)
//   trajectory_ranks.csv  per snapshot epoch (column "value") and rank: sigma_g, sigma_w
//   figures/, report.html (figure_table.h: trajectory_figures)
#pragma once
#include <string>

namespace awd::report {

/// The columns of trajectory.csv, in order.
extern const char* const kTrajectoryColumns[15];

/// The text of trajectory.csv for RUN_DIR, read from its epoch-EEEE analysis
/// folders (the same errors as write_trajectory_report); writes nothing.
std::string trajectory_csv_of(const std::string& run_dir);

/// Writes the files above into RUN_DIR/trajectory from its epoch-EEEE
/// analysis folders; std::runtime_error naming the folder when it holds none,
/// or naming a file that cannot be read. A missing gnuplot leaves out the
/// figures (FigureSet::warning, in the page and the returned text). Returns
/// the lines for stdout.
std::string write_trajectory_report(const std::string& run_dir, const std::string& gnuplot = "gnuplot");

}  // namespace awd::report
