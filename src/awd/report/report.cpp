#include "awd/report/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "awd/experiments/sweep.h"
#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/figures.h"
#include "awd/report/html.h"
#include "awd/report/pair_gallery.h"
#include "awd/report/solution_tables.h"
#include "awd/report/trajectory_overlay.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::report {

const std::vector<std::string> kReportMetrics = {"test_error", "gap",    "pair_gap",    "sum_dL", "dL_sharp",
                                                 "dL_flat",    "weight_norm", "n_sharp"};
const std::vector<std::string> kRankColumns = {"lambda", "sigma_g", "sigma_w", "c", "dL_i", "S_w", "S_L"};

namespace {

using experiments::SweepSpec;
using io::csv_number;

/// What the report reads of one finished solution.
struct Solution {
  size_t value;
  int64_t repeat;
  std::vector<double> metrics;             ///< kReportMetrics
  std::vector<std::vector<double>> ranks;  ///< kRankColumns per rank
};

/// The solutions of a sweep folder as the report sees them: a solution that
/// failed is listed, never a reason to give up the others.
struct SweepSolutions {
  std::vector<Solution> finished;      ///< analysed, self-checks passed, files readable
  std::vector<int> diverged;           ///< per value
  std::vector<FailedSolution> failed;  ///< analysed, but failed a self-check or unreadable
};

std::string directions_csv(const std::string& run_dir) {
  return store::table_file(store::analysis_dir(run_dir), "directions");
}

SweepSolutions read_sweep_solutions(const std::string& sweep_dir, const SweepSpec& spec) {
  SweepSolutions out;
  out.diverged.assign(spec.values.size(), 0);
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (int64_t r = 0; r < spec.repeats; ++r) {
      const std::string dir = experiments::solution_dir(sweep_dir, spec, v, r);
      if (!store::analysis_finished(dir)) {
        if (store::training_diverged(dir)) ++out.diverged[v];
        continue;
      }
      const FailedSolution failed{spec.values[v].str(), r, dir, ""};
      const auto check = store::recorded_self_check_failure(store::analysis_dir(dir));
      if (!check.empty()) {
        out.failed.push_back(failed);
        out.failed.back().reason = "self-check failed: " + check;
        continue;
      }
      try {
        out.finished.push_back({v, r, store::read_summary_metrics(dir, kReportMetrics),
                                io::read_csv_columns(directions_csv(dir), kRankColumns)});
      } catch (const std::exception& e) {
        out.failed.push_back(failed);
        out.failed.back().reason = e.what();
      }
    }
  return out;
}

/// Means and standard deviations of the metrics of value v's solutions, and
/// the rank curves averaged over the ranks every one of them has.
void summarise(const std::vector<Solution>& all, size_t v, ValueStats& st) {
  std::vector<const Solution*> sols;
  for (const auto& s : all)
    if (s.value == v) sols.push_back(&s);
  st.finished = static_cast<int>(sols.size());
  const size_t M = kReportMetrics.size();
  st.mean.assign(M, NAN);
  st.std.assign(M, NAN);
  if (sols.empty()) return;
  for (size_t m = 0; m < M; ++m) {
    std::vector<double> xs;
    for (const auto* s : sols) xs.push_back(s->metrics[m]);
    const auto ms = mean_std(xs);
    st.mean[m] = ms.mean;
    st.std[m] = ms.std;
  }
  size_t ranks = sols.front()->ranks.size();
  for (const auto* s : sols) ranks = std::min(ranks, s->ranks.size());
  st.rank_means.assign(ranks, std::vector<double>(kRankColumns.size(), 0.0));
  for (const auto* s : sols)
    for (size_t i = 0; i < ranks; ++i)
      for (size_t c = 0; c < kRankColumns.size(); ++c) st.rank_means[i][c] += s->ranks[i][c] / double(sols.size());
}

std::vector<ValueStats> aggregate(const SweepSpec& spec, const SweepSolutions& sols) {
  std::vector<ValueStats> out;
  for (size_t v = 0; v < spec.values.size(); ++v) {
    ValueStats st;
    st.value = spec.values[v];
    st.repeats = static_cast<int>(spec.repeats);
    st.diverged = sols.diverged[v];
    for (const auto& f : sols.failed) st.failed += f.value == spec.values[v].str();
    summarise(sols.finished, v, st);
    out.push_back(std::move(st));
  }
  return out;
}

std::string summary_csv(const SweepSpec& spec, const std::vector<ValueStats>& stats) {
  std::ostringstream out;
  out << "value,repeats,finished,diverged,lr,batch_size";
  for (const auto& m : kReportMetrics) out << ',' << m << "_mean," << m << "_std";
  out << '\n';
  for (size_t v = 0; v < stats.size(); ++v) {
    const auto& st = stats[v];
    const auto cfg = experiments::solution_config(spec, v, 0);
    out << st.value.str() << ',' << st.repeats << ',' << st.finished << ',' << st.diverged << ','
        << csv_number(cfg.train.lr) << ',' << cfg.train.batch_size;
    for (size_t m = 0; m < kReportMetrics.size(); ++m) out << ',' << csv_number(st.mean[m]) << ',' << csv_number(st.std[m]);
    out << '\n';
  }
  return out.str();
}

std::string ranks_csv(const std::vector<ValueStats>& stats) {
  std::ostringstream out;
  out << "value,rank";
  for (const auto& c : kRankColumns) out << ',' << c;
  out << '\n';
  for (const auto& st : stats)
    for (size_t i = 0; i < st.rank_means.size(); ++i) {
      out << st.value.str() << ',' << i + 1;
      for (double x : st.rank_means[i]) out << ',' << csv_number(x);
      out << '\n';
    }
  return out.str();
}

std::string solutions_csv(const SweepSpec& spec, const std::vector<Solution>& sols) {
  std::ostringstream out;
  out << "value,repeat,lr,batch_size";
  for (const auto& m : kReportMetrics) out << ',' << m;
  out << ",sigma_w_r1,sigma_w_r10,sigma_w_r100\n";
  const size_t sigma_w = std::find(kRankColumns.begin(), kRankColumns.end(), "sigma_w") - kRankColumns.begin();
  for (const auto& s : sols) {
    const auto cfg = experiments::solution_config(spec, s.value, 0);
    out << spec.values[s.value].str() << ',' << s.repeat << ',' << csv_number(cfg.train.lr) << ','
        << cfg.train.batch_size;
    for (double x : s.metrics) out << ',' << csv_number(x);
    for (size_t rank : {1, 10, 100}) out << ',' << csv_number(rank <= s.ranks.size() ? s.ranks[rank - 1][sigma_w] : NAN);
    out << '\n';
  }
  return out.str();
}

/// Per value, the top pairs of its first finished repeat (those of one
/// solution: averaging pairs over repeats would mix different test samples).
std::vector<GalleryRequest> gallery_requests(const std::string& sweep_dir, const SweepSpec& spec,
                                             const std::vector<Solution>& sols) {
  std::vector<GalleryRequest> requests;
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (const auto& s : sols)
      if (s.value == v) {
        requests.push_back({store::analysis_dir(experiments::solution_dir(sweep_dir, spec, v, s.repeat)),
                            "pairs_" + std::to_string(v + 1),
                            spec.parameter + " = " + spec.values[v].str() + ", repeat " + std::to_string(s.repeat)});
        break;
      }
  return requests;
}

json report_json(const SweepSpec& spec, const std::vector<ValueStats>& stats,
                 const std::vector<FailedSolution>& failures) {
  const auto or_null = [](double x) { return std::isnan(x) ? json(nullptr) : json(x); };
  json values = json::array();
  for (const auto& st : stats) {
    json jm;
    for (size_t m = 0; m < kReportMetrics.size(); ++m)
      jm[kReportMetrics[m]] = {{"mean", or_null(st.mean[m])}, {"std", or_null(st.std[m])}};
    values.push_back({{"value", st.value.is_number() ? json(st.value.number()) : json(st.value.str())},
                      {"repeats", st.repeats}, {"finished", st.finished}, {"diverged", st.diverged},
                      {"failed", st.failed}, {"metrics", jm}});
  }
  json failed = json::array();
  for (const auto& f : failures)
    failed.push_back({{"value", f.value}, {"repeat", f.repeat}, {"dir", f.dir}, {"reason", f.reason}});
  return json{{"sweep", experiments::to_json(spec)}, {"values", values}, {"failed", failed}};
}

/// The failed solutions for report.html ("" when none).
std::string failures_html(const std::vector<FailedSolution>& failures) {
  if (failures.empty()) return "";
  std::string s = "<h2>Failed solutions</h2>\n<p>Left out of every table and figure.</p>\n<ul>\n";
  for (const auto& f : failures)
    s += "<li><b>" + html_escape(f.value) + " rep" + std::to_string(f.repeat) + "</b> (" + html_escape(f.dir) +
         "): " + html_escape(f.reason) + "</li>\n";
  return s + "</ul>\n";
}

/// The finished solutions, for the overlay of their trajectories (those that have one).
std::vector<OverlayRun> overlay_runs(const std::string& sweep_dir, const SweepSpec& spec,
                                     const std::vector<Solution>& sols) {
  std::vector<OverlayRun> runs;
  for (const auto& s : sols)
    runs.push_back({spec.values[s.value].str(), s.repeat, experiments::solution_dir(sweep_dir, spec, s.value, s.repeat)});
  return runs;
}

/// The sweep figures and the addition's, with one warning line for both.
FigureSet draw_figures(const fs::path& rdir, const std::string& parameter, const ReportAddition& addition) {
  auto figures = make_figures(rdir.string(), parameter);
  if (!addition.figures.empty()) {
    const auto more = make_figures(rdir.string(), parameter, "gnuplot", addition.figures);
    figures.files.insert(figures.files.end(), more.files.begin(), more.files.end());
    figures.captions.insert(more.captions.begin(), more.captions.end());
    // gnuplot missing: one warning is enough; otherwise name what was left out of both sets.
    if (figures.warning.empty()) figures.warning = more.warning;
    else if (!more.warning.empty() && more.warning != figures.warning) figures.warning += "; " + more.warning;
  }
  return figures;
}

/// The table for stdout: per value the main metrics as "mean (std)".
std::string stdout_table(const SweepSpec& spec, const std::vector<ValueStats>& stats,
                         const std::vector<FailedSolution>& failures, const fs::path& rdir) {
  char line[512];
  std::string table = "sweep " + spec.name + ": " + spec.parameter + ", means over repeats (std)\n";
  std::snprintf(line, sizeof line, "%-10s %5s %18s %18s %18s %18s %12s\n", spec.parameter.c_str(), "n",
                "test error", "dL", "dL_s", "dL_f", "||W||");
  table += line;
  const auto at = [](const char* metric) {
    return static_cast<size_t>(std::find(kReportMetrics.begin(), kReportMetrics.end(), metric) - kReportMetrics.begin());
  };
  const size_t error = at("test_error"), gap = at("gap"), sharp = at("dL_sharp"), flat = at("dL_flat"),
               norm = at("weight_norm");
  for (const auto& st : stats) {
    auto cell = [&](size_t m) {
      char b[64];
      std::snprintf(b, sizeof b, "%.4f (%.4f)", st.mean[m], st.std[m]);
      return std::string(b);
    };
    std::snprintf(line, sizeof line, "%-10s %2d/%-2d %18s %18s %18s %18s %12.4f\n", st.value.str().c_str(),
                  st.finished, st.repeats, cell(error).c_str(), cell(gap).c_str(), cell(sharp).c_str(),
                  cell(flat).c_str(), st.mean[norm]);
    table += line;
  }
  for (const auto& f : failures)
    table += "FAILED     " + spec.parameter + "=" + f.value + " rep" + std::to_string(f.repeat) + ": " + f.reason + "\n";
  table += "report: " + (rdir / "report.html").string() + "\n";
  return table;
}

}  // namespace

MeanStd mean_std(const std::vector<double>& xs) {
  MeanStd r;
  double sum = 0;
  for (double x : xs)
    if (std::isfinite(x)) {
      sum += x;
      ++r.count;
    }
  if (r.count == 0) return r;
  r.mean = sum / r.count;
  double sq = 0;
  for (double x : xs)
    if (std::isfinite(x)) sq += (x - r.mean) * (x - r.mean);
  r.std = r.count > 1 ? std::sqrt(sq / (r.count - 1)) : 0.0;
  return r;
}

std::vector<ValueStats> aggregate_sweep(const std::string& sweep_dir) {
  const auto spec = experiments::load_sweep(sweep_dir);
  return aggregate(spec, read_sweep_solutions(sweep_dir, spec));
}

std::vector<FailedSolution> failed_solutions(const std::string& sweep_dir) {
  const auto spec = experiments::load_sweep(sweep_dir);
  return read_sweep_solutions(sweep_dir, spec).failed;
}

void verify_sweep_data(const std::string& sweep_dir, const SweepSpec& spec) {
  store::DataFileCheck check;  // a sweep's solutions share their data files: each CRC is computed once
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (int64_t r = 0; r < spec.repeats; ++r) {
      const auto dir = experiments::solution_dir(sweep_dir, spec, v, r);
      if (store::analysis_finished(dir)) check.verify(dir);
    }
}

std::string write_report(const std::string& sweep_dir, const ReportAddition& addition) {
  const auto spec = experiments::load_sweep(sweep_dir);
  verify_sweep_data(sweep_dir, spec);
  const auto sols = read_sweep_solutions(sweep_dir, spec);
  const auto stats = aggregate(spec, sols);
  const fs::path rdir = fs::path(sweep_dir) / "report";
  // The report folder is the sweep's by its layout: files put there stay, beside the report.
  store::own_folder(rdir.string(), store::FolderKind::kReport, {}, /*allow_foreign=*/true);
  io::remove_stale_temporaries(rdir.string());  // of a report killed while writing
  io::write_atomic((rdir / "summary.csv").string(), summary_csv(spec, stats));
  io::write_atomic((rdir / "ranks.csv").string(), ranks_csv(stats));
  io::write_atomic((rdir / "solutions.csv").string(), solutions_csv(spec, sols.finished));
  io::write_atomic((rdir / "report.json").string(), report_json(spec, stats, sols.failed).dump(1) + "\n");

  auto add = addition;
  add.html = failures_html(sols.failed) + add.html;
  std::vector<SolutionRef> finished;
  for (const auto& s : sols.finished) finished.push_back({s.value, s.repeat});
  if (const auto spectra = spectra_csv(sweep_dir, spec, finished); !spectra.empty()) {
    io::write_atomic((rdir / "spectra.csv").string(), spectra);
    add.figures.push_back(spectrum_figure());
  }
  if (const auto coverage = coverage_csv(sweep_dir, spec, finished); !coverage.empty()) {
    io::write_atomic((rdir / "coverage.csv").string(), coverage);
    add.figures.push_back(coverage_figure());
  }
  const auto overlay = write_trajectory_overlay(rdir.string(), overlay_runs(sweep_dir, spec, sols.finished));
  add.figures.insert(add.figures.end(), overlay.figures.begin(), overlay.figures.end());
  add.html += overlay.html;
  const auto figures = draw_figures(rdir, spec.parameter, add);
  if (!figures.warning.empty()) std::fprintf(stderr, "awd: warning: %s\n", figures.warning.c_str());
  const auto gallery = write_galleries(gallery_requests(sweep_dir, spec, sols.finished), rdir.string());
  for (const auto& w : gallery.warnings) std::fprintf(stderr, "awd: warning: %s\n", w.c_str());
  write_report_html(rdir.string(), "Sweep " + spec.name, spec.parameter, figures, add.html, gallery.html);
  return stdout_table(spec, stats, sols.failed, rdir);
}

}  // namespace awd::report
