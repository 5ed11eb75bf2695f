// Figures and a self-contained HTML page for an aggregated sweep.
//
// Reads what `awd report` writes into REPORT_DIR (summary.csv, ranks.csv,
// solutions.csv) and adds
//
//   REPORT_DIR/figures/NAME.gp    one gnuplot script per figure (rerunnable: cd figures && gnuplot NAME.gp)
//   REPORT_DIR/figures/NAME.png   pngcairo
//   REPORT_DIR/figures/NAME.svg   svg
//   REPORT_DIR/report.html        title, parameter, summary table, every figure with its caption
//
// Plain C++: gnuplot draws, so no plotting library and no LibTorch is needed.
#pragma once
#include <string>
#include <vector>

namespace awd::experiments {

/// What make_figures produced.
struct FigureSet {
  std::vector<std::string> files;  ///< PNG and SVG files, relative to the report dir, in figure order
  std::string warning;             ///< one line when figures were skipped (no gnuplot, no data), else empty
};

/// Writes one gnuplot script per paper figure type into report_dir/figures/ and
/// runs `gnuplot` on each (PNG via pngcairo, and SVG). `parameter` is the swept
/// option (e.g. "lr" or "train.lr"), shown by its paper symbol ("alpha = 0.05").
/// A missing gnuplot gives a warning and no figures, never an exception; a
/// missing or malformed CSV file is an error naming the file, and a gnuplot
/// that exits non-zero an error naming the script.
FigureSet make_figures(const std::string& report_dir, const std::string& parameter,
                       const std::string& gnuplot = "gnuplot");

/// Writes report_dir/report.html: one page that needs no network (inline CSS,
/// relative image links) with `title`, the swept `parameter`, the table of
/// summary.csv, and every figure of `figures` captioned with the paper figure
/// it reproduces.
void write_report_html(const std::string& report_dir, const std::string& title,
                       const std::string& parameter, const FigureSet& figures);


}  // namespace awd::experiments
