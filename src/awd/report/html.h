// The report as one self-contained HTML page: inline CSS, relative links to
// the figures and CSV files, no network. Torch-free.
//
//   REPORT_DIR/report.html        title, parameter, summary table, every figure with its caption
#pragma once
#include <string>

#include "awd/io/csv.h"
#include "awd/report/figures.h"

namespace awd::report {

/// `s` with &, <, > and " escaped for HTML text and attribute values.
std::string html_escape(const std::string& s);

/// A CSV table as an HTML table; each X_mean with its X_std becomes one
/// "mean ± std" column. Statistics to 4 significant digits, the first
/// columns (value, lr, ...) to 6 so that they stay recognisable.
std::string html_table(const io::CsvTable& t);

/// Writes report_dir/report.html: one page that needs no network (inline CSS,
/// relative image links) with `title`, the swept `parameter`, the table of
/// summary.csv, `extra_html` (if any) after it, every figure of `figures`
/// captioned with the paper figure it reproduces, and `tail_html` (if any) last.
void write_report_html(const std::string& report_dir, const std::string& title,
                       const std::string& parameter, const FigureSet& figures,
                       const std::string& extra_html = "", const std::string& tail_html = "");

/// Writes report_dir/report.html for a report that is not a sweep's: the
/// same self-contained page (inline CSS, relative links) with `title`,
/// `body_html` (already HTML), every figure of `figures` with its caption,
/// and `tail_html` (if any) last.
void write_page_html(const std::string& report_dir, const std::string& title, const std::string& body_html,
                     const FigureSet& figures, const std::string& tail_html = "");

/// A CSV file of the report dir as an HTML table (X_mean with X_std shown as
/// one "mean ± std" column), for extra_html.
std::string csv_html_table(const std::string& path);

}  // namespace awd::report
