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
#include "awd/report/pair_gallery.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;

namespace awd::report {

const std::vector<std::string> kFolderMetrics = {
    "dL",  "dL_p", "sum_dL_i", "dL_s",       "dL_f",    "n_s",           "||W||",           "lambda_max",
    "test_error", "N",    "directions", "dL_rest", "eq10_residual", "duality_residual"};

const std::vector<std::string> kFolderRankColumns = {"sigma_g", "sigma_w", "S_w", "dL_i"};

namespace {

using io::csv_number;

/// The summary.json key of each metric read from there ("" for those read elsewhere).
const char* summary_key(const std::string& metric) {
  static const std::vector<std::pair<std::string, const char*>> keys = {
      {"dL", "gap"},           {"dL_p", "pair_gap"},   {"sum_dL_i", "sum_dL"},
      {"dL_s", "dL_sharp"},    {"dL_f", "dL_flat"},    {"n_s", "n_sharp"},
      {"||W||", "weight_norm"}, {"test_error", "test_error"}, {"N", "N"},
      {"eq10_residual", "eq10_residual"}, {"duality_residual", "duality_max_residual"}};
  for (const auto& [name, key] : keys)
    if (name == metric) return key;
  return "";
}

size_t metric_index(const std::string& name) {
  return size_t(std::find(kFolderMetrics.begin(), kFolderMetrics.end(), name) - kFolderMetrics.begin());
}

double metric(const AnalysisFolder& f, const std::string& name) { return f.metrics[metric_index(name)]; }

/// Whether only the top k of the layer's N directions were computed (--basis-rank, or N > 16384).
bool top_k(const AnalysisFolder& f) { return metric(f, "directions") < metric(f, "N"); }

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

/// coverage.csv: per folder, dL_p(f) and dL(f) over the first fraction f of
/// its pairs, and their ratio, which Fig. S1 shows near 1 well before f = 1.
std::string coverage_csv(const std::vector<AnalysisFolder>& folders) {
  std::ostringstream s;
  s << "value,fraction,pair_gap,gap,pair_gap_over_gap\n";
  for (const auto& f : folders)
    for (const auto& row : f.coverage)
      s << f.label << ',' << csv_number(row[0]) << ',' << csv_number(row[1]) << ',' << csv_number(row[2]) << ','
        << csv_number(row[1] / row[2]) << '\n';
  return s.str();
}

/// A cell of the printed table: residuals in exponent form, the directions as "k of N".
std::string cell_text(const AnalysisFolder& f, const std::string& name) {
  const double v = metric(f, name);
  char buf[64];
  if (name == "directions")
    std::snprintf(buf, sizeof buf, "%.0f of %.0f", v, metric(f, "N"));
  else if (name == "eq10_residual" || name == "duality_residual")
    std::snprintf(buf, sizeof buf, "%.2e", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// The table printed on stdout: the metrics by the paper's names, one column per folder.
std::string table(const std::vector<AnalysisFolder>& folders) {
  size_t width = 16;
  for (const auto& f : folders) width = std::max(width, f.label.size());
  std::string t = "\n" + std::string(17, ' ');
  for (const auto& f : folders) t += " " + std::string(width - std::min(width, f.label.size()), ' ') + f.label;
  t += "\n";
  for (const auto& name : kFolderMetrics) {
    if (name == "N") continue;  // in "directions": k of N
    char head[32];
    std::snprintf(head, sizeof head, "%-17s", name.c_str());
    t += head;
    for (const auto& f : folders) {
      const auto c = cell_text(f, name);
      t += " " + std::string(width - std::min(width, c.size()), ' ') + c;
    }
    t += "\n";
  }
  return t;
}

/// A path or label as a shell word: quoted when it holds anything but safe characters.
std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The same report with a common split: the command to run (--n-sharp K, K the largest n_s).
std::string common_split_command(const std::vector<AnalysisFolder>& folders, const std::vector<std::string>& labels,
                                 const std::string& out, int64_t k) {
  std::string cmd = "awd report --compare";
  for (const auto& f : folders) cmd += " " + shell_word(f.path);
  if (!labels.empty()) {
    std::string joined;
    for (const auto& l : labels) joined += (joined.empty() ? "" : ",") + l;
    cmd += " --labels " + shell_word(joined);
  }
  return cmd + " -o " + shell_word(out) + " --n-sharp " + std::to_string(k);
}

/// The lines under the table (and in report.html): how dL_s and dL_f split
/// the directions, and what a top-k folder's dL_f leaves out.
std::vector<std::string> notes(const std::vector<AnalysisFolder>& folders, int64_t n_sharp) {
  std::vector<std::string> out;
  if (n_sharp >= 0)
    out.push_back("dL_s and dL_f split every folder at the common n_s = " + std::to_string(n_sharp) +
                  " (--n-sharp), summed from its directions.csv");
  for (const auto& f : folders) {
    if (!top_k(f)) continue;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%s: only the top %.0f of %.0f directions were computed: dL_f sums ranks n_s+1..%.0f, and the "
                  "other %.0f directions carry dL_rest = %.6g of sum_dL_i (exact, summary.json top_k)",
                  f.label.c_str(), metric(f, "directions"), metric(f, "N"), metric(f, "directions"),
                  metric(f, "N") - metric(f, "directions"), metric(f, "dL_rest"));
    out.push_back(buf);
  }
  return out;
}

/// A warning when the automatic n_s differs: dL_s and dL_f would split different ranks.
/// The common split offered is the largest n_s (no folder's sharp directions
/// counted as flat), at most the directions every folder has (a top-k folder's k).
std::string n_sharp_warning(const std::vector<AnalysisFolder>& folders, const std::vector<std::string>& labels,
                            const std::string& out) {
  std::set<double> values;
  double largest = 0, fewest = metric(folders.front(), "directions");
  std::string each;
  for (const auto& f : folders) {
    values.insert(metric(f, "n_s"));
    largest = std::max(largest, metric(f, "n_s"));
    fewest = std::min(fewest, metric(f, "directions"));
    each += (each.empty() ? "" : ", ") + f.label + " " + cell_text(f, "n_s");
  }
  if (values.size() < 2) return "";
  return "n_s differs between the folders (" + each +
         "): their dL_s and dL_f split the directions at different ranks; for a common split run " +
         common_split_command(folders, labels, out, int64_t(std::min(largest, fewest)));
}

/// dL_s, dL_f and n_s of `f` recomputed at rank `k` from its directions.csv (SPEC §5 with n_s = k).
void split_at(AnalysisFolder& f, int64_t k) {
  if (k > int64_t(f.ranks.size()))
    throw std::invalid_argument("--n-sharp " + std::to_string(k) + ": " + f.path + " has only " +
                                std::to_string(f.ranks.size()) + " directions in directions.csv");
  const size_t dL = size_t(std::find(kFolderRankColumns.begin(), kFolderRankColumns.end(), "dL_i") -
                           kFolderRankColumns.begin());
  double sharp = 0, flat = 0;
  for (size_t r = 0; r < f.ranks.size(); ++r) (int64_t(r) < k ? sharp : flat) += f.ranks[r][dL];
  f.metrics[metric_index("dL_s")] = sharp;
  f.metrics[metric_index("dL_f")] = flat;
  f.metrics[metric_index("n_s")] = double(k);
}

/// The page's text before the figures: the folders, the table and the notes.
std::string body_html(const std::vector<AnalysisFolder>& folders, const fs::path& out,
                      const std::vector<std::string>& lines) {
  std::string s = "<p class=\"meta\">Activity-weight duality analysis after Feng, Zhang &amp; Tu, per analysis "
                  "folder. Losses in nats. Data: <a href=\"compare.csv\">compare.csv</a>, "
                  "<a href=\"ranks.csv\">ranks.csv</a>, <a href=\"summary.csv\">summary.csv</a>, "
                  "<a href=\"coverage.csv\">coverage.csv</a>.</p>\n<ul>\n";
  for (const auto& f : folders)
    s += "<li><b>" + html_escape(f.label) + "</b>: " + html_escape(f.path) + " (" + cell_text(f, "directions") +
         " directions)</li>\n";
  s += "</ul>\n<h2>Side by side</h2>\n" + csv_html_table((out / "compare.csv").string());
  for (const auto& l : lines) s += "<p class=\"meta\">" + html_escape(l) + "</p>\n";
  return s;
}

}  // namespace

AnalysisFolder read_analysis_folder(const std::string& path, const std::string& label) {
  AnalysisFolder f{path, label, {}, {}, {}};
  std::vector<std::string> keys;
  for (const auto& m : kFolderMetrics)
    if (*summary_key(m)) keys.push_back(summary_key(m));
  const auto numbers = store::read_analysis_metrics(path, keys);
  const double rest = store::read_analysis_number_or(path, "/top_k/remainder/dL", 0.0);
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
  // Written by every analysis since Fig. S1 was added; an older folder has none.
  const auto coverage = (fs::path(path) / "coverage.csv").string();
  if (fs::exists(coverage)) f.coverage = io::read_csv_columns(coverage, {"fraction", "pair_gap", "gap"});
  size_t k = 0;
  for (const auto& m : kFolderMetrics) {
    if (*summary_key(m)) f.metrics.push_back(numbers[k++]);
    else if (m == "lambda_max") f.metrics.push_back(lambda_max);
    else if (m == "directions") f.metrics.push_back(double(rows.size()));
    else f.metrics.push_back(rest);  // dL_rest
  }
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
                                    const std::string& out_dir, const std::string& gnuplot, int64_t n_sharp,
                                    bool force) {
  if (paths.size() < 2) throw std::invalid_argument("--compare needs at least two analysis folders");
  const auto names = folder_labels(paths, labels);
  std::vector<AnalysisFolder> folders;
  store::DataFileCheck check;  // folders of one data set share their files: each CRC is computed once
  for (size_t k = 0; k < paths.size(); ++k) {
    folders.push_back(read_analysis_folder(paths[k], names[k]));
    store::verify_analysis_inputs(paths[k], check);
  }
  check_output_folder(paths, out_dir);
  if (n_sharp >= 0)
    for (auto& f : folders) split_at(f, n_sharp);
  store::own_folder(out_dir, store::FolderKind::kReport, {}, force);
  const auto warning = n_sharp >= 0 ? std::string() : n_sharp_warning(folders, labels, out_dir);
  auto lines = notes(folders, n_sharp);
  if (!warning.empty()) lines.insert(lines.begin(), "Warning: " + warning);
  const fs::path out(out_dir);
  io::remove_stale_temporaries(out.string());
  io::write_atomic((out / "compare.csv").string(), compare_csv(folders));
  io::write_atomic((out / "summary.csv").string(), summary_csv(folders));
  io::write_atomic((out / "ranks.csv").string(), ranks_csv(folders));
  io::write_atomic((out / "coverage.csv").string(), coverage_csv(folders));
  const FigureSet figures = make_figures(out.string(), "model", gnuplot, folder_figures());
  if (!figures.warning.empty()) std::fprintf(stderr, "awd: warning: %s\n", figures.warning.c_str());
  if (!warning.empty()) std::fprintf(stderr, "awd: warning: %s\n", warning.c_str());
  std::vector<GalleryRequest> requests;
  for (size_t k = 0; k < folders.size(); ++k)
    requests.push_back({folders[k].path, "pairs_" + std::to_string(k + 1), folders[k].label});
  const auto gallery = write_galleries(requests, out.string(), gnuplot);
  for (const auto& w : gallery.warnings) std::fprintf(stderr, "awd: warning: %s\n", w.c_str());
  write_page_html(out.string(), "Comparison of " + std::to_string(folders.size()) + " analyses",
                  body_html(folders, out, lines), figures, gallery.html);
  std::string printed = table(folders);
  for (const auto& l : notes(folders, n_sharp)) printed += l + "\n";
  return printed + "compare report: " + (out / "report.html").string() + " (compare.csv, ranks.csv)\n";
}

}  // namespace awd::report
