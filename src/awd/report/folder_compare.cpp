#include "awd/report/folder_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/figure_table.h"
#include "awd/report/figures.h"
#include "awd/report/html.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;

namespace awd::report {

const std::vector<std::string> kFolderMetrics = {"gap",     "pair_gap",    "dL_sharp",   "dL_flat",
                                                 "n_sharp", "weight_norm", "lambda_max", "test_error"};

const std::vector<std::string> kFolderRankColumns = {"sigma_g", "sigma_w", "S_w", "dL_i"};

namespace {

using io::csv_number;

/// The paper's symbol of a metric, for the printed table.
std::string symbol(const std::string& metric) {
  if (metric == "pair_gap") return "dL_p";
  if (metric == "dL_sharp") return "dL_s";
  if (metric == "dL_flat") return "dL_f";
  if (metric == "n_sharp") return "n_s";
  if (metric == "weight_norm") return "||W||";
  if (metric == "gap") return "dL";
  return metric;
}

/// compare.csv: one row per metric, one column per folder.
std::string compare_csv(const std::vector<AnalysisFolder>& folders) {
  std::ostringstream s;
  s << "metric";
  for (const auto& f : folders) s << ',' << f.label;
  s << '\n';
  for (size_t m = 0; m < kFolderMetrics.size(); ++m) {
    s << kFolderMetrics[m];
    for (const auto& f : folders) s << ',' << csv_number(f.metrics[m]);
    s << '\n';
  }
  return s.str();
}

/// summary.csv: one row per folder (the labels are the figures' curves).
std::string summary_csv(const std::vector<AnalysisFolder>& folders) {
  std::ostringstream s;
  s << "value,folder";
  for (const auto& m : kFolderMetrics) s << ',' << m;
  s << '\n';
  for (const auto& f : folders) {
    s << f.label << ',' << f.path;
    for (double x : f.metrics) s << ',' << csv_number(x);
    s << '\n';
  }
  return s.str();
}

/// ranks.csv: per folder and rank, the curves of directions.csv.
std::string ranks_csv(const std::vector<AnalysisFolder>& folders) {
  std::ostringstream s;
  s << "value,rank";
  for (const auto& c : kFolderRankColumns) s << ',' << c;
  s << '\n';
  for (const auto& f : folders)
    for (size_t r = 0; r < f.ranks.size(); ++r) {
      s << f.label << ',' << r + 1;
      for (double x : f.ranks[r]) s << ',' << csv_number(x);
      s << '\n';
    }
  return s.str();
}

/// The table printed on stdout: the metrics by symbol, one column per folder.
std::string table(const std::vector<AnalysisFolder>& folders, const fs::path& out) {
  size_t width = 14;
  for (const auto& f : folders) width = std::max(width, f.label.size());
  char cell[512];
  std::string t = "\n" + std::string(14, ' ');
  for (const auto& f : folders) {
    std::snprintf(cell, sizeof cell, " %*s", int(width), f.label.c_str());
    t += cell;
  }
  t += "\n";
  for (size_t m = 0; m < kFolderMetrics.size(); ++m) {
    std::snprintf(cell, sizeof cell, "%-14s", symbol(kFolderMetrics[m]).c_str());
    t += cell;
    for (const auto& f : folders) {
      std::snprintf(cell, sizeof cell, " %*.6g", int(width), f.metrics[m]);
      t += cell;
    }
    t += "\n";
  }
  return t + "compare report: " + (out / "report.html").string() + " (compare.csv, ranks.csv)\n";
}

/// The page's text before the figures: the folders and the table.
std::string body_html(const std::vector<AnalysisFolder>& folders, const fs::path& out) {
  std::string s = "<p class=\"meta\">Activity-weight duality analysis after Feng, Zhang &amp; Tu, per analysis "
                  "folder. Losses in nats. Data: <a href=\"compare.csv\">compare.csv</a>, "
                  "<a href=\"ranks.csv\">ranks.csv</a>, <a href=\"summary.csv\">summary.csv</a>.</p>\n<ul>\n";
  for (const auto& f : folders)
    s += "<li><b>" + html_escape(f.label) + "</b>: " + html_escape(f.path) + " (" +
         std::to_string(f.ranks.size()) + " directions)</li>\n";
  return s + "</ul>\n<h2>Side by side</h2>\n" + csv_html_table((out / "compare.csv").string());
}

}  // namespace

AnalysisFolder read_analysis_folder(const std::string& path, const std::string& label) {
  AnalysisFolder f{path, label, {}, {}};
  std::vector<std::string> keys = kFolderMetrics;
  keys.erase(std::find(keys.begin(), keys.end(), "lambda_max"));
  const auto numbers = store::read_analysis_metrics(path, keys);
  const auto directions = (fs::path(path) / "directions.csv").string();
  std::vector<std::string> columns = kFolderRankColumns;
  columns.push_back("lambda");
  const auto rows = io::read_csv_columns(directions, columns);
  if (rows.empty()) throw std::runtime_error(directions + ": no directions");
  double lambda_max = -HUGE_VAL;
  for (const auto& r : rows) {
    lambda_max = std::max(lambda_max, r.back());
    f.ranks.emplace_back(r.begin(), r.end() - 1);
  }
  for (size_t m = 0, k = 0; m < kFolderMetrics.size(); ++m)
    f.metrics.push_back(kFolderMetrics[m] == "lambda_max" ? lambda_max : numbers[k++]);
  return f;
}

std::vector<std::string> folder_labels(const std::vector<std::string>& folders,
                                       const std::vector<std::string>& labels) {
  if (!labels.empty() && labels.size() != folders.size())
    throw std::invalid_argument("--labels: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(folders.size()) + " folders");
  const auto out = labels.empty() ? folders : labels;
  std::set<std::string> seen;
  for (const auto& l : out) {
    if (l.empty() || l.find_first_of(",\n\"") != std::string::npos)
      throw std::invalid_argument("label '" + l + "': empty or holding a comma, quote or newline; use --labels");
    if (!seen.insert(l).second) throw std::invalid_argument("label '" + l + "' given twice; use --labels");
  }
  return out;
}

void check_output_folder(const std::vector<std::string>& inputs, const std::string& out_dir) {
  const auto out = fs::weakly_canonical(out_dir);
  for (const auto& in : inputs) {
    const auto rel = out.lexically_relative(fs::weakly_canonical(in));
    if (!rel.empty() && *rel.begin() != "..")
      throw std::invalid_argument(out_dir + ": is the compared folder " + in + " or inside it; choose another -o");
  }
}

std::string write_folder_comparison(const std::vector<std::string>& paths, const std::vector<std::string>& labels,
                                    const std::string& out_dir, bool force, const std::string& gnuplot) {
  if (paths.size() < 2) throw std::invalid_argument("--compare needs at least two analysis folders");
  const auto names = folder_labels(paths, labels);
  std::vector<AnalysisFolder> folders;
  store::DataFileCheck check;  // folders of one data set share their files: each CRC is computed once
  for (size_t k = 0; k < paths.size(); ++k) {
    folders.push_back(read_analysis_folder(paths[k], names[k]));
    store::verify_analysis_inputs(paths[k], check);
  }
  check_output_folder(paths, out_dir);
  store::own_folder(out_dir, store::FolderKind::kReport, {}, force);
  const fs::path out(out_dir);
  io::remove_stale_temporaries(out.string());
  io::write_atomic((out / "compare.csv").string(), compare_csv(folders));
  io::write_atomic((out / "summary.csv").string(), summary_csv(folders));
  io::write_atomic((out / "ranks.csv").string(), ranks_csv(folders));
  const FigureSet figures = make_figures(out.string(), "model", gnuplot, folder_figures());
  if (!figures.warning.empty()) std::fprintf(stderr, "awd: warning: %s\n", figures.warning.c_str());
  write_page_html(out.string(), "Comparison of " + std::to_string(folders.size()) + " analyses",
                  body_html(folders, out), figures);
  return table(folders, out);
}

}  // namespace awd::report
