#include "awd/report/trajectory_report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/figure_table.h"
#include "awd/report/figures.h"
#include "awd/report/html.h"
#include "awd/store/config_json.h"
#include "awd/store/run_layout.h"
#include "awd/store/snapshots.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::report {

const char* const kTrajectoryColumns[15] = {"epoch",   "train_loss", "test_loss",  "train_error", "test_error",
                                            "dL",      "dL_p",       "dL_s",       "dL_f",        "n_s",
                                            "lambda_max", "sigma_g_1", "sigma_w_1", "weight_norm", "S_w_N"};

namespace {

/// One snapshot's analysis as the trajectory reads it.
struct Snapshot {
  int64_t epoch = 0;
  std::vector<double> row;  ///< kTrajectoryColumns
  std::vector<std::vector<double>> ranks;  ///< per rank: sigma_g, sigma_w
};

double number(const json& j, const char* key, const std::string& path) {
  if (!j.contains(key)) throw std::runtime_error(path + ": no '" + key + "'");
  return j.at(key).is_number() ? j.at(key).get<double>() : NAN;
}

Snapshot read_snapshot(const std::string& run_dir, int64_t epoch) {
  const fs::path dir = store::trajectory_analysis_dir(run_dir, epoch);
  const auto summary_path = store::summary_file(dir.string());
  const json s = store::read_json(summary_path);
  const auto directions = io::read_csv((dir / "directions.csv").string());
  if (directions.rows.empty()) throw std::runtime_error(directions.path + ": no directions");
  Snapshot snap;
  snap.epoch = epoch;
  const auto cols = directions.numbers({"lambda", "sigma_g", "sigma_w", "S_w"});
  double lambda_max = -HUGE_VAL;
  for (const auto& c : cols) {
    lambda_max = std::max(lambda_max, c[0]);
    snap.ranks.push_back({c[1], c[2]});
  }
  // summary.json's keys in the order of kTrajectoryColumns, after epoch.
  const char* keys[] = {"loss_train", "loss_test", "train_error", "test_error", "gap",
                        "pair_gap",   "dL_sharp",  "dL_flat",     "n_sharp"};
  snap.row.push_back(double(epoch));
  for (const char* k : keys) snap.row.push_back(number(s, k, summary_path));
  snap.row.insert(snap.row.end(), {lambda_max, cols.front()[1], cols.front()[2], number(s, "weight_norm", summary_path),
                                   cols.back()[3]});
  return snap;
}

std::string trajectory_csv(const std::vector<Snapshot>& snaps) {
  std::ostringstream out;
  for (size_t c = 0; c < std::size(kTrajectoryColumns); ++c) out << (c ? "," : "") << kTrajectoryColumns[c];
  out << '\n';
  for (const auto& s : snaps) {
    for (size_t c = 0; c < s.row.size(); ++c) {
      const bool count = c == 0 || c == 9;  // epoch, n_s
      out << (c ? "," : "") << (count ? std::to_string(int64_t(s.row[c])) : io::csv_number(s.row[c]));
    }
    out << '\n';
  }
  return out.str();
}

std::string ranks_csv(const std::vector<Snapshot>& snaps) {
  std::ostringstream out;
  out << "value,rank,sigma_g,sigma_w\n";
  for (const auto& s : snaps)
    for (size_t r = 0; r < s.ranks.size(); ++r)
      out << s.epoch << ',' << r + 1 << ',' << io::csv_number(s.ranks[r][0]) << ',' << io::csv_number(s.ranks[r][1])
          << '\n';
  return out.str();
}

}  // namespace

namespace {

std::vector<Snapshot> read_snapshots(const std::string& run_dir) {
  const auto epochs = store::trajectory_epochs(run_dir);
  if (epochs.empty())
    throw std::runtime_error(store::trajectory_dir(run_dir) + ": no analysis along training (train with --analyze-every)");
  std::vector<Snapshot> snaps;
  for (auto e : epochs) snaps.push_back(read_snapshot(run_dir, e));
  return snaps;
}

}  // namespace

std::string trajectory_csv_of(const std::string& run_dir) { return trajectory_csv(read_snapshots(run_dir)); }

std::string write_trajectory_report(const std::string& run_dir, const std::string& gnuplot) {
  const auto dir = store::trajectory_dir(run_dir);
  const auto snaps = read_snapshots(run_dir);
  std::vector<std::string> values;
  for (const auto& s : snaps) values.push_back(std::to_string(s.epoch));
  io::write_atomic((fs::path(dir) / "trajectory.csv").string(), trajectory_csv(snaps));
  io::write_atomic((fs::path(dir) / "trajectory_ranks.csv").string(), ranks_csv(snaps));
  const auto figures = make_figures_of_values(dir, "epoch", values, gnuplot, trajectory_figures());
  const std::string body =
      "<p class=\"meta\">The analysis of " + html_escape(fs::path(run_dir).filename().string()) + " at " +
      std::to_string(snaps.size()) + " epochs of its training; each epoch's analysis is in epoch-EEEE/, its weights " +
      "in ../snapshots/epoch-EEEE/. Losses in nats. Data: <a href=\"trajectory.csv\">trajectory.csv</a>, " +
      "<a href=\"trajectory_ranks.csv\">trajectory_ranks.csv</a>.</p>\n" +
      csv_html_table((fs::path(dir) / "trajectory.csv").string());
  write_page_html(dir, "Along training: " + fs::path(run_dir).filename().string(), body, figures);
  std::string out = "trajectory: " + (fs::path(dir) / "report.html").string() + " (" + std::to_string(snaps.size()) +
                    " snapshots, trajectory.csv)\n";
  if (!figures.warning.empty()) out = figures.warning + "\n" + out;
  return out;
}

}  // namespace awd::report
