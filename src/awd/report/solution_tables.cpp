#include "awd/report/solution_tables.h"

#include <filesystem>
#include <map>
#include <sstream>
#include <utility>

#include "awd/io/csv.h"
#include "awd/report/report.h"
#include "awd/store/run_layout.h"

namespace fs = std::filesystem;

namespace awd::report {
namespace {

using experiments::SweepSpec;
using io::csv_number;

/// TABLE.csv of the analysis of solution (value v, repeat r).
std::string solution_table(const std::string& sweep_dir, const SweepSpec& spec, size_t v, int64_t r, const char* table) {
  return store::table_file(store::analysis_dir(experiments::solution_dir(sweep_dir, spec, v, r)), table);
}

}  // namespace

std::string spectra_csv(const std::string& sweep_dir, const SweepSpec& spec, const std::vector<SolutionRef>& sols) {
  std::ostringstream out;
  bool any = false;
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (const auto& s : sols) {
      if (s.value != v) continue;
      const auto path = solution_table(sweep_dir, spec, v, s.repeat, "spectrum");
      if (!fs::exists(path)) continue;
      std::vector<std::vector<double>> rows;
      try {
        rows = io::read_csv_columns(path, {"t", "density"});  // one row: t, density
      } catch (const std::exception&) {
        continue;  // the figure shows another repeat's
      }
      for (const auto& row : rows)
        out << spec.values[v].str() << ',' << csv_number(row[0]) << ',' << csv_number(row[1]) << '\n';
      any = true;
      break;
    }
  return any ? "value,t,density\n" + out.str() : "";
}

std::string coverage_csv(const std::string& sweep_dir, const SweepSpec& spec, const std::vector<SolutionRef>& sols) {
  std::ostringstream out;
  bool any = false;
  for (size_t v = 0; v < spec.values.size(); ++v) {
    std::map<double, std::pair<std::vector<double>, std::vector<double>>> by_fraction;  // f -> (dL_p, dL)
    for (const auto& s : sols) {
      if (s.value != v) continue;
      const auto path = solution_table(sweep_dir, spec, v, s.repeat, "coverage");
      if (!fs::exists(path)) continue;
      try {
        for (const auto& row : io::read_csv_columns(path, {"fraction", "pair_gap", "gap"})) {
          by_fraction[row[0]].first.push_back(row[1]);
          by_fraction[row[0]].second.push_back(row[2]);
        }
      } catch (const std::exception&) {
        continue;  // its repeat is left out of the means
      }
    }
    for (const auto& [f, gaps] : by_fraction) {
      const double pair_gap = mean_std(gaps.first).mean, gap = mean_std(gaps.second).mean;
      out << spec.values[v].str() << ',' << csv_number(f) << ',' << csv_number(pair_gap) << ',' << csv_number(gap)
          << ',' << csv_number(pair_gap / gap) << '\n';
      any = true;
    }
  }
  return any ? "value,fraction,pair_gap,gap,pair_gap_over_gap\n" + out.str() : "";
}

}  // namespace awd::report
