// The trajectories of a sweep's or a compare's solutions trained with
// --analyze-every, side by side: one curve per swept value (per algorithm in a
// compare), the mean over its repeats. Torch-free. Writes into REPORT_DIR
//
//   trajectories.csv       value, repeat, then trajectory.csv's columns: every snapshot of every solution
//   trajectories_mean.csv  value, epoch, runs, then the mean over the repeats with that epoch of the others
//
// and hands the report its figures (figure_table.h: overlay_figures) and HTML.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "awd/report/figure_table.h"

namespace awd::report {

/// A finished solution of the sweep, as the overlay names and finds it.
struct OverlayRun {
  std::string value;  ///< the swept value as summary.csv writes it
  int64_t repeat = 0;
  std::string dir;    ///< its run directory
};

/// What the overlay adds to the report: nothing when no run has a trajectory.
struct TrajectoryOverlay {
  std::vector<Figure> figures;
  std::string html;
  bool empty() const { return figures.empty(); }
};

/// Writes the two files above from the runs of `runs` that hold analyses
/// along training (trajectory_report.h: trajectory_csv_of), in the order
/// given; writes nothing and returns an empty overlay when none does. A run
/// whose snapshot analyses cannot be read is an error naming the file.
TrajectoryOverlay write_trajectory_overlay(const std::string& report_dir, const std::vector<OverlayRun>& runs);

}  // namespace awd::report
