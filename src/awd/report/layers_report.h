// The table and figures over the layers of an analysis of several layers
// (store/layers_record.h), read from the layers' own analysis folders.
// Torch-free.
//
//   DIR/layers.csv     per analysed layer, in the record's order: layer, N, directions (k of a top-k
//                      analysis, else N), dL, dL_p, sum_dL_i, dL_rest, dL_s, dL_f, n_s, lambda_max, ||W||,
//                      certificate, seconds; each number as the layer's summary.json and
//                      directions.csv hold it (report/folder_compare.h names them the same way)
//   DIR/figures/layers_*.{gp,png,svg}
//   DIR/report.html    the table, the layers left out with the reason, the figures
#pragma once
#include <string>

namespace awd::report {

/// Writes the files above into the analysis folder `dir` (a missing gnuplot:
/// a warning on stderr, no figures); returns the table for stdout: one line
/// per layer, one per layer left out, and where the files are.
std::string write_layers_report(const std::string& dir, const std::string& gnuplot = "gnuplot");

}  // namespace awd::report
