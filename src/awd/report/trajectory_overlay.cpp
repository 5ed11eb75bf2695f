#include "awd/report/trajectory_overlay.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <utility>

#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/trajectory_report.h"
#include "awd/store/snapshots.h"

namespace fs = std::filesystem;

namespace awd::report {
namespace {

/// One run's trajectory.csv, parsed, with the run it belongs to.
struct RunTrajectory {
  const OverlayRun* run;
  io::CsvTable table;
};

std::vector<RunTrajectory> read_trajectories(const std::vector<OverlayRun>& runs) {
  std::vector<RunTrajectory> out;
  for (const auto& r : runs) {
    if (store::trajectory_epochs(r.dir).empty()) continue;  // trained without --analyze-every
    const auto path = (fs::path(store::trajectory_dir(r.dir)) / "trajectory.csv").string();
    out.push_back({&r, io::parse_csv(trajectory_csv_of(r.dir), path)});
  }
  return out;
}

std::string header_line(const std::vector<std::string>& header) {
  std::string line;
  for (size_t c = 0; c < header.size(); ++c) line += (c ? "," : "") + header[c];
  return line;
}

/// Every row of every run, its fields as the run's trajectory.csv holds them.
std::string all_rows_csv(const std::vector<RunTrajectory>& ts) {
  std::ostringstream out;
  out << "value,repeat," << header_line(ts.front().table.header) << '\n';
  for (const auto& t : ts)
    for (const auto& row : t.table.rows) {
      out << t.run->value << ',' << t.run->repeat;
      for (const auto& field : row) out << ',' << field;
      out << '\n';
    }
  return out.str();
}

/// Per value (in the order the runs come) and epoch, the mean over the runs
/// that snapshot that epoch: repeats that stopped earlier no longer count.
std::string mean_rows_csv(const std::vector<RunTrajectory>& ts) {
  const auto& header = ts.front().table.header;  // epoch first (kTrajectoryColumns)
  std::ostringstream out;
  out << "value,epoch,runs";
  for (size_t c = 1; c < header.size(); ++c) out << ',' << header[c];
  out << '\n';
  std::vector<std::string> order;
  std::map<std::string, std::map<double, std::pair<int, std::vector<double>>>> sums;
  for (const auto& t : ts) {
    if (!sums.count(t.run->value)) order.push_back(t.run->value);
    auto& by_epoch = sums[t.run->value];
    for (const auto& row : t.table.rows) {
      auto& [count, sum] = by_epoch[io::csv_field_number(row[0])];
      if (sum.empty()) sum.assign(row.size(), 0.0);
      ++count;
      for (size_t c = 1; c < row.size(); ++c) sum[c] += io::csv_field_number(row[c]);
    }
  }
  for (const auto& value : order)
    for (const auto& [epoch, acc] : sums[value]) {
      out << value << ',' << static_cast<long long>(epoch) << ',' << acc.first;
      for (size_t c = 1; c < acc.second.size(); ++c) out << ',' << io::csv_number(acc.second[c] / acc.first);
      out << '\n';
    }
  return out.str();
}

}  // namespace

TrajectoryOverlay write_trajectory_overlay(const std::string& report_dir, const std::vector<OverlayRun>& runs) {
  const auto ts = read_trajectories(runs);
  if (ts.empty()) return {};
  io::write_atomic((fs::path(report_dir) / "trajectories.csv").string(), all_rows_csv(ts));
  io::write_atomic((fs::path(report_dir) / "trajectories_mean.csv").string(), mean_rows_csv(ts));
  TrajectoryOverlay overlay;
  overlay.figures = overlay_figures();
  overlay.html =
      "<h2>Along training</h2>\n<p>" + std::to_string(ts.size()) + " of the " + std::to_string(runs.size()) +
      " finished solutions were analysed along training (--analyze-every); the overlay figures draw the mean "
      "over the repeats at each snapshot epoch (a repeat that stopped earlier counts until its last snapshot). "
      "Each solution's own report is its trajectory/report.html. Data: <a href=\"trajectories.csv\">"
      "trajectories.csv</a> (every snapshot), <a href=\"trajectories_mean.csv\">trajectories_mean.csv</a>.</p>\n";
  return overlay;
}

}  // namespace awd::report
