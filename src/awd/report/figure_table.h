// A figure is data: one row of a table, from which its gnuplot script is
// generated (figures.h), so adding a figure is adding a row. The sweep
// report's figures are here, the compare report's (compare_report.cpp) and
// those of the comparison of analysis folders (folder_compare.cpp).
#pragma once
#include <vector>

namespace awd::report {

enum class Scale { kLinear, kLog, kAuto };  // kAuto: log when every point is positive and they span a decade

struct Curve {
  const char* column;           ///< y column
  const char* title = nullptr;  ///< legend; unused for per-value figures (the value is the title)
  const char* error = nullptr;  ///< column of the error bar half-width, if any
};

struct Figure {
  const char* name;     ///< file stem in figures/
  const char* paper;    ///< the paper figures it reproduces
  const char* caption;  ///< what it shows (the page adds the paper reference)
  const char* data;     ///< CSV file in the report dir
  const char* x;        ///< x column
  const char* x_over;   ///< if set, x = x / x_over
  bool per_value;       ///< one curve per swept value (rows selected by the CSV's "value" column)
  std::vector<Curve> curves;
  const char* xlabel;   ///< "{P}": the swept parameter, by symbol and name
  const char* ylabel;
  Scale xscale, yscale;
  const char* style;    ///< gnuplot plot style
};

/// The figures of every sweep report (paper Fig. 2-4, S3, S4, S10).
const std::vector<Figure>& sweep_figures();

/// The spectral density of the basis matrix per swept value (spectra.csv,
/// from solutions analysed with --spectrum).
Figure spectrum_figure();

/// Pair-gap coverage per swept value (coverage.csv, from solutions whose
/// analysis wrote one): paper Fig. S1.
Figure coverage_figure();

/// The figures a compare report adds (paper Fig. 5, 6), drawn from its own
/// CSV files; the algorithm is each file's "value" column.
const std::vector<Figure>& compare_figures();

/// The figures of `awd report --compare` over analysis folders (paper Fig. 5
/// and 7 for the user's own models), drawn from its ranks.csv; the folder's
/// label is the "value" column, so each figure has one curve per folder.
const std::vector<Figure>& folder_figures();

/// The figures of a run's analysis along training (trajectory_report.h),
/// against epoch from its trajectory.csv, and per snapshot epoch (the "value"
/// column) from its trajectory_ranks.csv.
const std::vector<Figure>& trajectory_figures();

/// The figures a sweep or compare report adds when its solutions were analysed
/// along training (trajectory_overlay.h): against epoch from its
/// trajectories_mean.csv, one curve per swept value.
const std::vector<Figure>& overlay_figures();

}  // namespace awd::report
