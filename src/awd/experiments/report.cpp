#include "awd/experiments/report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "awd/experiments/figures.h"
#include "awd/experiments/sweep.h"
#include "awd/io/files.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::experiments {

const std::vector<std::string> kReportMetrics = {"test_error", "gap",    "pair_gap",    "sum_dL", "dL_sharp",
                                                 "dL_flat",    "weight_norm", "n_sharp"};
const std::vector<std::string> kRankColumns = {"lambda", "sigma_g", "sigma_w", "c", "dL_i", "S_w", "S_L"};

std::vector<std::vector<double>> read_csv_columns(const std::string& path, const std::vector<std::string>& wanted) {
  std::istringstream in(io::read_text(path));
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(path + ": empty file");
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::stringstream ss(l);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    return out;
  };
  const auto header = split(line);
  std::vector<size_t> idx;
  for (const auto& w : wanted) {
    const auto it = std::find(header.begin(), header.end(), w);
    if (it == header.end()) throw std::runtime_error(path + ": no column '" + w + "'");
    idx.push_back(static_cast<size_t>(it - header.begin()));
  }
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split(line);
    std::vector<double> row;
    for (auto i : idx) {
      if (i >= cells.size()) throw std::runtime_error(path + ": short row");
      row.push_back(std::strtod(cells[i].c_str(), nullptr));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

struct Solution {
  size_t value_index;
  int64_t repeat;
  std::vector<double> metrics;
  std::vector<std::vector<double>> ranks;
};

double number(const json& j, const std::string& key, const std::string& path) {
  if (!j.contains(key) || !j.at(key).is_number()) throw std::runtime_error(path + ": no number '" + key + "'");
  return j.at(key).get<double>();
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

std::string csv_number(double v) { return std::isfinite(v) ? json(v).dump() : "nan"; }

std::vector<ValueStats> aggregate_sweep(const std::string& sweep_dir) {
  const auto spec = load_sweep(sweep_dir);
  std::vector<ValueStats> out;
  for (size_t v = 0; v < spec.values.size(); ++v) {
    ValueStats st;
    st.value = spec.values[v];
    st.repeats = static_cast<int>(spec.repeats);
    std::vector<Solution> sols;
    for (int64_t r = 0; r < spec.repeats; ++r) {
      const fs::path dir = solution_dir(sweep_dir, spec, v, r);
      const auto summary = dir / "analysis" / "summary.json";
      if (!fs::exists(summary)) {
        const auto t = dir / "training.json";
        if (fs::exists(t) && json::parse(io::read_text(t.string())).value("stop_reason", "") == "diverged")
          ++st.diverged;
        continue;
      }
      const auto j = json::parse(io::read_text(summary.string()));
      Solution s{v, r, {}, {}};
      for (const auto& m : kReportMetrics) s.metrics.push_back(number(j, m, summary.string()));
      s.ranks = read_csv_columns((dir / "analysis" / "directions.csv").string(), kRankColumns);
      sols.push_back(std::move(s));
    }
    st.finished = static_cast<int>(sols.size());
    const size_t M = kReportMetrics.size();
    st.mean.assign(M, NAN);
    st.std.assign(M, NAN);
    if (!sols.empty()) {
      for (size_t m = 0; m < M; ++m) {
        std::vector<double> xs;
        for (const auto& s : sols) xs.push_back(s.metrics[m]);
        const auto ms = mean_std(xs);
        st.mean[m] = ms.mean;
        st.std[m] = ms.std;
      }
      size_t ranks = sols.front().ranks.size();
      for (const auto& s : sols) ranks = std::min(ranks, s.ranks.size());
      st.rank_means.assign(ranks, std::vector<double>(kRankColumns.size(), 0.0));
      for (const auto& s : sols)
        for (size_t i = 0; i < ranks; ++i)
          for (size_t c = 0; c < kRankColumns.size(); ++c) st.rank_means[i][c] += s.ranks[i][c] / double(sols.size());
    }
    out.push_back(std::move(st));
  }
  return out;
}

std::string write_report(const std::string& sweep_dir, const ReportAddition& addition) {
  const auto spec = load_sweep(sweep_dir);
  const auto stats = aggregate_sweep(sweep_dir);
  const fs::path rdir = fs::path(sweep_dir) / "report";
  fs::create_directories(rdir);

  std::ostringstream summary, ranks, sols;
  summary << "value,repeats,finished,diverged,lr,batch_size";
  for (const auto& m : kReportMetrics) summary << ',' << m << "_mean," << m << "_std";
  summary << '\n';
  ranks << "value,rank";
  for (const auto& c : kRankColumns) ranks << ',' << c;
  ranks << '\n';
  sols << "value,repeat,lr,batch_size";
  for (const auto& m : kReportMetrics) sols << ',' << m;
  sols << ",sigma_w_r1,sigma_w_r10,sigma_w_r100\n";

  json jvalues = json::array();
  for (size_t v = 0; v < stats.size(); ++v) {
    const auto& st = stats[v];
    const auto cfg = solution_config(spec, v, 0);
    const auto val = st.value.str();
    summary << val << ',' << st.repeats << ',' << st.finished << ',' << st.diverged << ',' << csv_number(cfg.train.lr)
            << ',' << cfg.train.batch_size;
    json jm;
    for (size_t m = 0; m < kReportMetrics.size(); ++m) {
      summary << ',' << csv_number(st.mean[m]) << ',' << csv_number(st.std[m]);
      jm[kReportMetrics[m]] = {{"mean", std::isnan(st.mean[m]) ? json(nullptr) : json(st.mean[m])},
                               {"std", std::isnan(st.std[m]) ? json(nullptr) : json(st.std[m])}};
    }
    summary << '\n';
    for (size_t i = 0; i < st.rank_means.size(); ++i) {
      ranks << val << ',' << i + 1;
      for (double x : st.rank_means[i]) ranks << ',' << csv_number(x);
      ranks << '\n';
    }
    jvalues.push_back({{"value", st.value.is_number() ? json(st.value.number()) : json(st.value.str())}, {"repeats", st.repeats}, {"finished", st.finished},
                       {"diverged", st.diverged}, {"metrics", jm}});
    for (int64_t r = 0; r < spec.repeats; ++r) {
      const fs::path dir = solution_dir(sweep_dir, spec, v, r);
      if (!fs::exists(dir / "analysis" / "summary.json")) continue;
      const auto j = json::parse(io::read_text((dir / "analysis" / "summary.json").string()));
      const auto sw = read_csv_columns((dir / "analysis" / "directions.csv").string(), {"sigma_w"});
      sols << val << ',' << r << ',' << csv_number(cfg.train.lr) << ',' << cfg.train.batch_size;
      for (const auto& m : kReportMetrics) sols << ',' << csv_number(j.at(m).get<double>());
      for (size_t rank : {1, 10, 100}) sols << ',' << csv_number(rank <= sw.size() ? sw[rank - 1][0] : NAN);
      sols << '\n';
    }
  }
  io::write_atomic((rdir / "summary.csv").string(), summary.str());
  io::write_atomic((rdir / "ranks.csv").string(), ranks.str());
  io::write_atomic((rdir / "solutions.csv").string(), sols.str());
  io::write_atomic((rdir / "report.json").string(),
                   json{{"sweep", to_json(spec)}, {"values", jvalues}}.dump(1) + "\n");

  auto figures = make_figures(rdir.string(), spec.parameter);
  if (!addition.figures.empty()) {
    const auto more = make_figures(rdir.string(), spec.parameter, "gnuplot", addition.figures);
    figures.files.insert(figures.files.end(), more.files.begin(), more.files.end());
    figures.captions.insert(more.captions.begin(), more.captions.end());
    // gnuplot missing: one warning is enough; otherwise name what was left out of both sets.
    if (figures.warning.empty()) figures.warning = more.warning;
    else if (!more.warning.empty() && more.warning != figures.warning) figures.warning += "; " + more.warning;
  }
  if (!figures.warning.empty()) std::fprintf(stderr, "awd: warning: %s\n", figures.warning.c_str());
  write_report_html(rdir.string(), "Sweep " + spec.name, spec.parameter, figures, addition.html);

  char line[512];
  std::string table = "sweep " + spec.name + ": " + spec.parameter + ", means over repeats (std)\n";
  std::snprintf(line, sizeof line, "%-10s %5s %18s %18s %18s %18s %12s\n", spec.parameter.c_str(), "n",
                "test error", "dL", "dL_s", "dL_f", "||W||");
  table += line;
  auto cell = [](double m, double s) {
    char b[64];
    std::snprintf(b, sizeof b, "%.4f (%.4f)", m, s);
    return std::string(b);
  };
  for (const auto& st : stats) {
    std::snprintf(line, sizeof line, "%-10s %2d/%-2d %18s %18s %18s %18s %12.4f\n", st.value.str().c_str(),
                  st.finished, st.repeats, cell(st.mean[0], st.std[0]).c_str(), cell(st.mean[1], st.std[1]).c_str(),
                  cell(st.mean[4], st.std[4]).c_str(), cell(st.mean[5], st.std[5]).c_str(), st.mean[6]);
    table += line;
  }
  table += "report: " + (rdir / "report.html").string() + "\n";
  return table;
}

}  // namespace awd::experiments
