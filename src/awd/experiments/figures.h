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
#include <map>
#include <string>
#include <vector>

namespace awd::experiments {

// ---------------------------------------------------------------------------
// A figure is data: one row of a table, from which the gnuplot script is generated.

enum class Scale { kLinear, kLog, kAuto };  // kAuto: log when positive and spanning a decade

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

/// Writes report_dir/report.html: one page that needs no network (inline CSS,
/// relative image links) with `title`, the swept `parameter`, the table of
/// summary.csv, `extra_html` (if any) after it, and every figure of `figures`
/// captioned with the paper figure it reproduces.
void write_report_html(const std::string& report_dir, const std::string& title,
                       const std::string& parameter, const FigureSet& figures,
                       const std::string& extra_html = "");

/// A CSV file of the report dir as an HTML table (X_mean with X_std shown as
/// one "mean ± std" column), for extra_html.
std::string csv_html_table(const std::string& path);


}  // namespace awd::experiments
