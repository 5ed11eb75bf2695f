// Figures for an aggregated sweep: one gnuplot script per figure of a figure
// table (figure_table.h), run into PNG and SVG.
//
// Reads what `awd report` writes into REPORT_DIR (summary.csv, ranks.csv,
// solutions.csv) and adds
//
//   REPORT_DIR/figures/NAME.gp    one gnuplot script per figure (rerunnable: cd figures && gnuplot NAME.gp)
//   REPORT_DIR/figures/NAME.png   pngcairo
//   REPORT_DIR/figures/NAME.svg   svg
//
// Plain C++: gnuplot draws, so no plotting library and no LibTorch is needed.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "awd/report/figure_table.h"

namespace awd::report {

/// What make_figures produced.
struct FigureSet {
  std::vector<std::string> files;  ///< PNG and SVG files, relative to the report dir, in figure order
  std::map<std::string, std::string> captions;  ///< per file stem: the caption and the paper figure
  std::string warning;             ///< one line when figures were skipped (no gnuplot, no data), else empty
};

/// Writes one gnuplot script per figure of `figures` (default: sweep_figures())
/// into report_dir/figures/ and runs `gnuplot` on each (PNG via pngcairo, and
/// SVG). `parameter` is the swept option (e.g. "lr" or "train.lr"), shown by
/// its paper symbol ("alpha = 0.05"); the swept values are those of
/// summary.csv. A missing gnuplot gives a warning and no figures, never an
/// exception; a missing or malformed CSV file is an error naming the file, and
/// a gnuplot that exits non-zero an error naming the script.
FigureSet make_figures(const std::string& report_dir, const std::string& parameter,
                       const std::string& gnuplot = "gnuplot");
FigureSet make_figures(const std::string& report_dir, const std::string& parameter, const std::string& gnuplot,
                       const std::vector<Figure>& figures);

/// A gnuplot single-quoted string (only the quote itself needs escaping).
std::string gp_string(const std::string& s);

/// Runs `gnuplot -e "awd_suffix='SUFFIX'" SCRIPT` in `dir` (the scripts use
/// paths relative to it and append awd_suffix to every output, a name private
/// to the process that the caller renames once gnuplot succeeded), its output
/// into SCRIPT.log.SUFFIX there (removed afterwards); a non-zero exit is an
/// error naming the script and quoting gnuplot's message.
void run_gnuplot(const std::string& gnuplot, const std::string& dir, const std::string& script_name,
                 const std::string& suffix);

/// make_figures for a table that is not a sweep's: the rows' x values are
/// the column `values_column` of report_dir/`values_csv` (labels on the x
/// axis when they are not all numbers, such as layer names).
FigureSet make_table_figures(const std::string& report_dir, const std::string& values_csv,
                             const std::string& values_column, const std::vector<Figure>& figures,
                             const std::string& gnuplot = "gnuplot");

/// The same for a report that is not a sweep's: the curves of per-value
/// figures are the rows of each `values` entry in the CSV files' "value"
/// column, titled "SYMBOL = VALUE" and coloured along the palette in order.
/// A figure whose `paper` is "" reproduces none (its caption says so alone).
FigureSet make_figures_of_values(const std::string& report_dir, const std::string& symbol,
                                 const std::vector<std::string>& values, const std::string& gnuplot,
                                 const std::vector<Figure>& figures);

}  // namespace awd::report
