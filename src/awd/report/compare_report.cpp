#include "awd/report/compare_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/experiments/compare.h"
#include "awd/experiments/sweep.h"
#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/figure_table.h"
#include "awd/report/html.h"
#include "awd/report/noise_summary.h"
#include "awd/report/report.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;

namespace awd::report {

const std::vector<std::string> kCompareMetrics = {
    "test_error", "gap",       "pair_gap",  "sum_dL",    "dL_sharp",   "dL_flat", "n_sharp",
    "weight_norm", "S_w_N",    "sigma_g_1", "sigma_w_1", "lambda_max", "epochs"};

namespace {

using experiments::SweepSpec;
using io::csv_number;
using io::read_csv_columns;

/// kCompareMetrics of one finished solution.
std::vector<double> solution_metrics(const fs::path& dir) {
  auto m = store::read_summary_metrics(
      dir.string(), {"test_error", "gap", "pair_gap", "sum_dL", "dL_sharp", "dL_flat", "n_sharp", "weight_norm"});
  const auto directions = store::table_file(store::analysis_dir(dir.string()), "directions");
  const auto ranks = read_csv_columns(directions, {"S_w", "sigma_g", "sigma_w", "lambda"});
  if (ranks.empty()) throw std::runtime_error(directions + ": no directions");
  double lambda_max = -HUGE_VAL;
  for (const auto& r : ranks) lambda_max = std::max(lambda_max, r[3]);
  m.push_back(ranks.back()[0]);
  m.push_back(ranks.front()[1]);
  m.push_back(ranks.front()[2]);
  m.push_back(lambda_max);
  m.push_back(store::read_summary_epochs(dir.string()));
  return m;
}

struct RepeatedSolution {
  size_t value;
  int64_t repeat;
  std::vector<double> metrics;
  std::vector<double> noise;                ///< kNoiseMetrics, NaN without noise.csv
  std::vector<std::vector<double>> records;  ///< kNoiseColumns rows of noise.csv
};

std::vector<RepeatedSolution> read_solutions(const std::string& dir, const SweepSpec& spec) {
  std::vector<RepeatedSolution> out;
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (int64_t r = 0; r < spec.repeats; ++r) {
      const fs::path run = experiments::solution_dir(dir, spec, v, r);
      if (!store::analysis_passed(run.string())) continue;
      try {
        RepeatedSolution s{v, r, solution_metrics(run), std::vector<double>(kNoiseMetrics.size(), NAN), {}};
        const auto noise = (run / "noise.csv").string();
        if (fs::exists(noise)) {
          s.noise = noise_metrics(noise);
          s.records = read_csv_columns(noise, kNoiseColumns);
        }
        out.push_back(std::move(s));
      } catch (const std::exception&) {
        // Left out here as in the sweep report, whose list of failed solutions names it and why.
      }
    }
  return out;
}

/// Per value: mean and std of each of the `metrics` entries of `field(solution)`;
/// with two values also the paired difference.
PairedSummary summarise(size_t values, const std::vector<RepeatedSolution>& sols,
                        const std::function<const std::vector<double>&(const RepeatedSolution&)>& field,
                        size_t metrics) {
  PairedSummary out;
  out.mean.assign(values, std::vector<double>(metrics, NAN));
  out.std.assign(values, std::vector<double>(metrics, NAN));
  for (size_t v = 0; v < values; ++v)
    for (size_t m = 0; m < metrics; ++m) {
      std::vector<double> xs;
      for (const auto& s : sols)
        if (s.value == v) xs.push_back(field(s)[m]);
      const auto ms = mean_std(xs);
      out.mean[v][m] = ms.mean;
      out.std[v][m] = ms.std;
    }
  if (values != 2) return out;
  for (size_t m = 0; m < metrics; ++m) {
    std::vector<double> d;
    for (const auto& a : sols) {
      if (a.value != 0) continue;
      for (const auto& b : sols)
        if (b.value == 1 && b.repeat == a.repeat) d.push_back(field(b)[m] - field(a)[m]);
    }
    const auto ms = mean_std(d);
    out.diff_mean.push_back(ms.mean);
    out.diff_std.push_back(ms.std);
    out.diff_pairs.push_back(ms.count);
  }
  return out;
}

std::string label(const std::string& metric) {
  static const std::map<std::string, std::string> kLabels = {
      {"test_error", "test error"},     {"gap", "dL"},
      {"pair_gap", "dL_p"},             {"sum_dL", "sum_i dL_i"},
      {"dL_sharp", "dL_s"},             {"dL_flat", "dL_f"},
      {"n_sharp", "n_s"},               {"weight_norm", "||W||"},
      {"S_w_N", "S_w(N)"},              {"sigma_g_1", "sigma_g,1"},
      {"sigma_w_1", "sigma_w,1"},       {"lambda_max", "lambda_max"},
      {"epochs", "epochs"},             {"eta_sq_late", "|eta|^2 (late)"},
      {"eta_top_sq_1_late", "(v1.eta)^2 (late)"}, {"lambda_1_late", "lambda_1 (late)"},
      {"slope_top1_vs_lambda1", "slope (v1.eta)^2~lambda_1"}};
  const auto it = kLabels.find(metric);
  return it == kLabels.end() ? metric : it->second;
}

/// `s` right-aligned in `width` characters (UTF-8 aware: "±" is one character, two bytes).
std::string pad(const std::string& s, size_t width) {
  size_t chars = 0;
  for (unsigned char ch : s) chars += (ch & 0xC0) != 0x80;
  return std::string(width > chars ? width - chars : 0, ' ') + s;
}

std::string cell(double mean, double sd) {
  if (!std::isfinite(mean)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, "%.4g ± %.2g", mean, sd);
  return b;
}

}  // namespace

namespace {

CompareStats compare_stats(const SweepSpec& spec, const std::vector<RepeatedSolution>& sols) {
  CompareStats st;
  st.repeats = spec.repeats;
  for (size_t v = 0; v < spec.values.size(); ++v) {
    st.values.push_back(spec.values[v].str());
    int fin = 0, noise = 0;
    for (const auto& s : sols)
      if (s.value == v) {
        ++fin;
        noise += s.records.empty() ? 0 : 1;
      }
    st.finished.push_back(fin);
    st.with_noise.push_back(noise);
  }
  const size_t V = spec.values.size();
  st.metrics = summarise(V, sols, [](const RepeatedSolution& s) -> const std::vector<double>& { return s.metrics; },
                         kCompareMetrics.size());
  st.noise = summarise(V, sols, [](const RepeatedSolution& s) -> const std::vector<double>& { return s.noise; },
                       kNoiseMetrics.size());
  return st;
}

}  // namespace

CompareStats aggregate_compare(const std::string& dir) {
  const auto spec = experiments::load_sweep(dir);
  return compare_stats(spec, read_solutions(dir, spec));
}

bool is_compare_dir(const std::string& dir) {
  try {
    const auto spec = experiments::load_sweep(dir);
    return spec.name == experiments::kCompareName && spec.parameter == "algo";
  } catch (const std::exception&) {
    return false;
  }
}

namespace {

/// compare.csv: one row per metric, the algorithms side by side, then the paired difference.
std::string compare_csv(const CompareStats& st) {
  const size_t V = st.values.size();
  const bool paired = V == 2;
  std::ostringstream cmp;
  cmp << "metric";
  for (const auto& v : st.values) cmp << ',' << v << "_mean," << v << "_std";
  if (paired) cmp << ',' << st.values[1] << "-" << st.values[0] << "_mean," << st.values[1] << "-" << st.values[0]
                  << "_std,pairs";
  cmp << '\n';
  for (size_t m = 0; m < kCompareMetrics.size(); ++m) {
    cmp << kCompareMetrics[m];
    const auto& x = st.metrics;
    for (size_t v = 0; v < V; ++v) cmp << ',' << csv_number(x.mean[v][m]) << ',' << csv_number(x.std[v][m]);
    if (paired) cmp << ',' << csv_number(x.diff_mean[m]) << ',' << csv_number(x.diff_std[m]) << ',' << x.diff_pairs[m];
    cmp << '\n';
  }
  return cmp.str();
}

/// noise_summary.csv: one row per algorithm, like summary.csv.
std::string noise_summary_csv(const CompareStats& st) {
  std::ostringstream ns;
  ns << "value,finished,with_noise";
  for (const auto& m : kNoiseMetrics) ns << ',' << m << "_mean," << m << "_std";
  ns << '\n';
  for (size_t v = 0; v < st.values.size(); ++v) {
    ns << st.values[v] << ',' << st.finished[v] << ',' << st.with_noise[v];
    for (size_t m = 0; m < kNoiseMetrics.size(); ++m)
      ns << ',' << csv_number(st.noise.mean[v][m]) << ',' << csv_number(st.noise.std[v][m]);
    ns << '\n';
  }
  return ns.str();
}

/// Writes noise_points.csv (every record) and noise_series.csv (per algorithm
/// and step, the mean over repeats) into `rdir`.
void write_noise_records(const fs::path& rdir, const std::vector<RepeatedSolution>& sols, const CompareStats& st) {
  std::ostringstream pts, ser;
  pts << "value,repeat";
  ser << "value,runs";
  for (const auto& c : kNoiseColumns) {
    pts << ',' << c;
    ser << ',' << c;
  }
  pts << '\n';
  ser << '\n';
  for (size_t v = 0; v < st.values.size(); ++v) {
    std::map<double, std::pair<int, std::vector<double>>> by_step;
    for (const auto& s : sols) {
      if (s.value != v) continue;
      for (const auto& r : s.records) {
        pts << st.values[v] << ',' << s.repeat;
        for (double x : r) pts << ',' << csv_number(x);
        pts << '\n';
        auto& acc = by_step[r[kStep]];
        if (acc.second.empty()) acc.second.assign(r.size(), 0.0);
        ++acc.first;
        for (size_t c = 0; c < r.size(); ++c) acc.second[c] += r[c];
      }
    }
    for (const auto& [step, acc] : by_step) {
      ser << st.values[v] << ',' << acc.first;
      for (double x : acc.second) ser << ',' << csv_number(x / acc.first);
      ser << '\n';
    }
  }
  io::write_atomic((rdir / "noise_points.csv").string(), pts.str());
  io::write_atomic((rdir / "noise_series.csv").string(), ser.str());
}

/// The compare's setting in one line: n, b, B, alpha, mixing, repeats.
std::string setting_line(const SweepSpec& spec) {
  const auto& cfg = spec.base;
  char line[512];
  std::snprintf(line, sizeof line,
                "n = %lld learners x b = %lld (B = %lld), alpha = %g, mixing %s, %lld repeat%s with paired seeds",
                static_cast<long long>(cfg.learners.count), static_cast<long long>(cfg.train.batch_size),
                static_cast<long long>(cfg.learners.count * cfg.train.batch_size), cfg.train.lr,
                to_string(cfg.learners.mixing).c_str(), static_cast<long long>(spec.repeats), spec.repeats == 1 ? "" : "s");
  return line;
}

/// The HTML the compare adds after the sweep report's summary table.
std::string compare_html(const CompareStats& st, const std::string& setting, const fs::path& rdir) {
  const bool paired = st.values.size() == 2;
  return "<h2>" + std::string(paired ? st.values[0] + " vs " + st.values[1] : "Comparison") + "</h2>\n<p>" +
         setting +
         ". Means ± sample standard deviations over the repeats; the last column is the paired difference "
         "(same seeds). Data: <a href=\"compare.csv\">compare.csv</a>.</p>\n" +
         csv_html_table((rdir / "compare.csv").string()) +
         "<h2>Noise (paper Fig. 6)</h2>\n<p>eta(t) = mean learner minibatch gradient - full training gradient at "
         "the mean weights, from each solution's noise.csv; <i>late</i> = mean over the last half of the records, "
         "slope/corr = log-log fit over the records. Data: <a href=\"noise_summary.csv\">noise_summary.csv</a>, "
         "<a href=\"noise_points.csv\">noise_points.csv</a>, <a href=\"noise_series.csv\">noise_series.csv</a>."
         "</p>\n" +
         csv_html_table((rdir / "noise_summary.csv").string());
}

/// Rows of the stdout table: the metrics `shown` of `metrics`, per algorithm and paired.
std::string table_rows(const CompareStats& st, const std::vector<std::string>& metrics,
                       const std::vector<std::string>& shown, const PairedSummary& x) {
  std::string out;
  char line[512];
  for (const auto& name : shown) {
    const size_t m = static_cast<size_t>(std::find(metrics.begin(), metrics.end(), name) - metrics.begin());
    std::snprintf(line, sizeof line, "%-26s", label(name).c_str());
    std::string row = line;
    for (size_t v = 0; v < st.values.size(); ++v) row += " " + pad(cell(x.mean[v][m], x.std[v][m]), 22);
    if (st.values.size() == 2) row += " " + pad(cell(x.diff_mean[m], x.diff_std[m]), 24);
    out += row + "\n";
  }
  return out;
}

/// The side-by-side table for stdout.
std::string compare_table(const CompareStats& st, const std::string& setting, const fs::path& rdir) {
  const size_t V = st.values.size();
  std::string table = "\ncompare: " + setting + "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-26s", "");
  std::string head = line;
  for (size_t v = 0; v < V; ++v) {
    std::snprintf(line, sizeof line, " %22s", (st.values[v] + " (" + std::to_string(st.finished[v]) + "/" +
                                               std::to_string(st.repeats) + ")").c_str());
    head += line;
  }
  if (V == 2) {
    std::snprintf(line, sizeof line, " %24s", (st.values[1] + " - " + st.values[0] + " (paired)").c_str());
    head += line;
  }
  table += head + "\n";
  table += table_rows(st, kCompareMetrics,
                      {"test_error", "gap", "dL_sharp", "dL_flat", "n_sharp", "S_w_N", "sigma_g_1", "weight_norm",
                       "epochs"},
                      st.metrics);
  table += table_rows(st, kNoiseMetrics, {"eta_sq_late", "eta_top_sq_1_late", "lambda_1_late", "slope_top1_vs_lambda1"},
                      st.noise);
  table += "compare report: " + (rdir / "report.html").string() + " (compare.csv, noise_summary.csv)\n";
  return table;
}

}  // namespace

std::string write_compare_report(const std::string& dir) {
  const auto spec = experiments::load_sweep(dir);
  verify_sweep_data(dir, spec);
  const auto sols = read_solutions(dir, spec);  // once: the statistics and the noise records both come from them
  const auto st = compare_stats(spec, sols);
  const fs::path rdir = fs::path(dir) / "report";
  // The report folder is the sweep's by its layout: files put there stay, beside the report.
  store::own_folder(rdir.string(), store::FolderKind::kReport, {}, /*allow_foreign=*/true);
  io::remove_stale_temporaries(rdir.string());  // of a report killed while writing
  io::write_atomic((rdir / "compare.csv").string(), compare_csv(st));
  io::write_atomic((rdir / "noise_summary.csv").string(), noise_summary_csv(st));
  write_noise_records(rdir, sols, st);

  const std::string setting = setting_line(spec);
  ReportAddition add;
  add.figures = compare_figures();
  add.html = compare_html(st, setting, rdir);
  return write_report(dir, add) + compare_table(st, setting, rdir);
}

}  // namespace awd::report
