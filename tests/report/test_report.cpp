// The sweep report: aggregation of a hand-made sweep against means and
// standard deviations computed by hand, and the files it writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "awd/experiments/sweep.h"
#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/report.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;
using nlohmann::json;

namespace {

/// A finished solution with the given scalars and per-rank sigma_g (other columns derived).
void fake_solution(const std::string& dir, double test_error, double gap, std::vector<double> sigma_g) {
  json s = {{"test_error", test_error}, {"gap", gap}, {"pair_gap", gap + 0.01}, {"sum_dL", gap - 0.01},
            {"dL_sharp", gap / 4}, {"dL_flat", 3 * gap / 4}, {"weight_norm", 10 * gap}, {"n_sharp", 1}};
  std::string csv;
  for (size_t i = 0; i < sigma_g.size(); ++i)
    csv += std::to_string(i + 1) + ",0,1," + std::to_string(sigma_g[i]) + ",2,0,0,0.5,1,3,4\n";
  test_util::write_solution(dir, s.dump(), csv);
}

}  // namespace

TEST(Report, MeansAndStandardDeviationsByHand) {
  test_util::TempDir dir;
  experiments::SweepSpec spec;
  spec.name = "fake";
  spec.parameter = "batch_size";
  spec.values = {25, 400};
  spec.repeats = 3;
  io::write_atomic((dir / "sweep.json").string(), experiments::to_json(spec).dump());
  // B = 25: three repeats. B = 400: two finished, one diverged.
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 0), 0.02, 0.1, {4, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 1), 0.04, 0.2, {6, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 2), 0.06, 0.6, {8, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 1, 0), 0.10, 1.0, {1, 1, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 1, 1), 0.20, 2.0, {3, 1, 1});
  test_util::write_diverged_run(experiments::solution_dir(dir.str(), spec, 1, 2));

  const auto stats = report::aggregate_sweep(dir.str());
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].finished, 3);
  EXPECT_EQ(stats[1].finished, 2);
  EXPECT_EQ(stats[1].diverged, 1);
  // test_error 0.02, 0.04, 0.06: mean 0.04, sample std 0.02. gap 0.1, 0.2, 0.6: mean 0.3,
  // deviations -0.2, -0.1, 0.3: sum of squares 0.14, /2 = 0.07.
  EXPECT_NEAR(stats[0].mean[0], 0.04, 1e-15);
  EXPECT_NEAR(stats[0].std[0], 0.02, 1e-15);
  EXPECT_NEAR(stats[0].mean[1], 0.3, 1e-15);
  EXPECT_NEAR(stats[0].std[1], std::sqrt(0.07), 1e-15);
  // B = 400: gap 1 and 2: mean 1.5, sample std sqrt(0.5).
  EXPECT_NEAR(stats[1].mean[1], 1.5, 1e-15);
  EXPECT_NEAR(stats[1].std[1], std::sqrt(0.5), 1e-15);
  // sigma_g at rank 1: (4 + 6 + 8) / 3 = 6 and (1 + 3) / 2 = 2.
  ASSERT_EQ(stats[0].rank_means.size(), 3u);
  EXPECT_NEAR(stats[0].rank_means[0][1], 6.0, 1e-12);
  EXPECT_NEAR(stats[1].rank_means[0][1], 2.0, 1e-12);

  const auto table = report::write_report(dir.str());
  EXPECT_NE(table.find("0.0400 (0.0200)"), std::string::npos) << table;
  const auto summary = test_util::read_bytes((dir / "report" / "summary.csv").string());
  EXPECT_NE(summary.find("\n25,3,3,0,0.1,25,0.04,0.02,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\n400,3,2,1,0.1,400,"), std::string::npos) << summary;
  const auto solutions = test_util::read_bytes((dir / "report" / "solutions.csv").string());
  EXPECT_EQ(std::count(solutions.begin(), solutions.end(), '\n'), 6);
}

TEST(Report, RefusesASweepWhoseDataChangedSinceTraining) {
  test_util::TempDir dir;
  experiments::SweepSpec spec;
  spec.name = "fake";
  spec.parameter = "batch_size";
  spec.values = {25};
  spec.repeats = 2;
  io::write_atomic((dir / "sweep.json").string(), experiments::to_json(spec).dump());
  const auto data = (dir / "labels.bin").string();
  test_util::write_bytes(data, "0123");
  for (int64_t r = 0; r < 2; ++r) {
    const auto run = experiments::solution_dir(dir.str(), spec, 0, r);
    fs::create_directories(run);
    // crc32("0123") = a6669d7d (zlib; also Python's zlib.crc32(b"0123"))
    io::write_atomic(run + "/config.json",
                     json{{"data_files", {{{"path", fs::absolute(data).string()}, {"bytes", 4}, {"crc32", "a6669d7d"}}}}}
                         .dump());
    fake_solution(run, 0.02, 0.1, {4, 2, 1});
  }
  EXPECT_NO_THROW(report::verify_sweep_data(dir.str(), spec));
  test_util::write_bytes(data, "0124");
  const auto msg = test_util::message_of([&] { report::write_report(dir.str()); });
  EXPECT_EQ(msg.rfind(fs::absolute(data).string() + ": changed since the run was trained", 0), 0u) << msg;
  EXPECT_FALSE(fs::exists(dir / "report" / "summary.csv"));
}

TEST(Report, AFailedSolutionIsListedAndTheRestReported) {
  test_util::TempDir dir;
  experiments::SweepSpec spec;
  spec.name = "fake";
  spec.parameter = "delta_scale";
  spec.values = {1, 1e300};
  spec.repeats = 2;
  io::write_atomic((dir / "sweep.json").string(), experiments::to_json(spec).dump());
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 0), 0.02, 0.1, {4, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 1), 0.04, 0.3, {6, 2, 1});
  // gamma = 1e300: the analysis failed its self-check and wrote its NaNs as null.
  const auto failed = experiments::solution_dir(dir.str(), spec, 1, 0);
  test_util::write_solution(failed,
                            R"({"sum_dL": null, "self_check": {"passed": false, "failure": "Eq. 10 residual nan"}})", "");
  // A summary.json cut short: unreadable.
  const auto broken = experiments::solution_dir(dir.str(), spec, 1, 1);
  fake_solution(broken, 0.1, 1.0, {1, 1, 1});
  io::write_atomic(broken + "/analysis/summary.json", R"({"gap": 1.0})");

  const auto table = report::write_report(dir.str());
  EXPECT_NE(table.find("FAILED     delta_scale=1e+300 rep0: self-check failed: Eq. 10 residual nan"), std::string::npos)
      << table;
  EXPECT_NE(table.find("FAILED     delta_scale=1e+300 rep1: " + broken + "/analysis/summary.json: no number"),
            std::string::npos)
      << table;
  const auto stats = report::aggregate_sweep(dir.str());
  EXPECT_EQ(stats[0].finished, 2);
  EXPECT_NEAR(stats[0].mean[1], 0.2, 1e-15);
  EXPECT_EQ(stats[1].finished, 0);
  EXPECT_EQ(stats[1].failed, 2);
  const auto j = json::parse(test_util::read_bytes((dir / "report" / "report.json").string()));
  ASSERT_EQ(j.at("failed").size(), 2u);
  EXPECT_EQ(j.at("failed")[0].at("reason"), "self-check failed: Eq. 10 residual nan");
  EXPECT_EQ(j.at("values")[1].at("failed"), 2);
  const auto html = test_util::read_bytes((dir / "report" / "report.html").string());
  EXPECT_NE(html.find("Failed solutions"), std::string::npos);
  const auto solutions = test_util::read_bytes((dir / "report" / "solutions.csv").string());
  EXPECT_EQ(std::count(solutions.begin(), solutions.end(), '\n'), 3);  // the header and the two of gamma = 1
}

TEST(Report, GnuplotTemporariesOfAKilledReportAreRemovedByTheNext) {
  if (!test_util::have_gnuplot()) GTEST_SKIP() << "no gnuplot";
  test_util::TempDir dir;
  experiments::SweepSpec spec;
  spec.name = "fake";
  spec.parameter = "batch_size";
  spec.values = {25, 400};
  spec.repeats = 1;
  io::write_atomic((dir / "sweep.json").string(), experiments::to_json(spec).dump());
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 0), 0.02, 0.1, {4, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 1, 0), 0.04, 0.3, {6, 2, 1});
  // What gnuplot leaves when its report is killed: figures and its log under a dead process's names.
  const auto figures = dir / "report" / "figures";
  fs::create_directories(figures);
  const auto dead = io::temporary_suffix().substr(0, io::temporary_suffix().rfind('.')) + ".999999999";
  for (const char* name : {"sharpness_spectrum.png", "sharpness_spectrum.svg", "sharpness_spectrum.gp.log"})
    test_util::write_bytes(figures / (name + dead), "half");
  report::write_report(dir.str());
  for (const auto& e : fs::directory_iterator(figures))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  EXPECT_TRUE(fs::exists(figures / "sharpness_spectrum.png"));
}

// Paper Fig. S1 in the sweep report: per value and fraction, the repeats' mean
// dL_p(f) and dL(f) and their ratio; a solution without coverage.csv (an older
// awd) is left out of the means, and with none at all there is no figure.
TEST(Report, PairGapCoveragePerValueIsTheMeanOverRepeats) {
  test_util::TempDir dir;
  experiments::SweepSpec spec;
  spec.name = "fake";
  spec.parameter = "lr";
  spec.values = {0.05, 0.1};
  spec.repeats = 2;
  io::write_atomic((dir / "sweep.json").string(), experiments::to_json(spec).dump());
  for (size_t v = 0; v < 2; ++v)
    for (int64_t r = 0; r < 2; ++r) fake_solution(experiments::solution_dir(dir.str(), spec, v, r), 0.1, 0.5, {2, 1});
  const auto coverage = [&](size_t v, int64_t r) {
    return experiments::solution_dir(dir.str(), spec, v, r) + "/analysis/coverage.csv";
  };
  report::write_report(dir.str());
  EXPECT_FALSE(fs::exists(dir / "report" / "coverage.csv"));  // no solution has one

  io::write_atomic(coverage(0, 0), "fraction,pairs,pair_gap,gap\n0.5,50,0.2,0.4\n1,100,0.3,0.5\n");
  io::write_atomic(coverage(0, 1), "fraction,pairs,pair_gap,gap\n0.5,50,0.4,0.4\n1,100,0.5,0.5\n");
  io::write_atomic(coverage(1, 0), "fraction,pairs,pair_gap,gap\n0.5,50,0.1,0.2\n1,100,0.25,0.25\n");
  report::write_report(dir.str());
  // lr = 0.05: f = 0.5: dL_p (0.2 + 0.4) / 2 = 0.3, dL 0.4, ratio 0.75; f = 1: 0.4 / 0.5 = 0.8.
  // lr = 0.1: repeat 1 has no coverage.csv, so repeat 0 alone: 0.1 / 0.2 = 0.5 and 0.25 / 0.25 = 1.
  const auto rows = io::read_csv((dir / "report" / "coverage.csv").string());
  ASSERT_EQ(rows.rows.size(), 4u);
  const auto n = rows.numbers({"fraction", "pair_gap", "gap", "pair_gap_over_gap"});
  const std::vector<std::vector<double>> expected = {
      {0.5, 0.3, 0.4, 0.75}, {1, 0.4, 0.5, 0.8}, {0.5, 0.1, 0.2, 0.5}, {1, 0.25, 0.25, 1}};
  for (size_t i = 0; i < 4; ++i)
    for (size_t c = 0; c < 4; ++c) EXPECT_NEAR(n[i][c], expected[i][c], 1e-15) << "row " << i << " column " << c;
  EXPECT_EQ(rows.rows[0][0], "0.05");
  EXPECT_EQ(rows.rows[2][0], "0.1");
  if (test_util::have_gnuplot()) {
    EXPECT_TRUE(fs::exists(dir / "report" / "figures" / "coverage.png"));
    const auto html = test_util::read_bytes((dir / "report" / "report.html").string());
    EXPECT_NE(html.find("figures/coverage.png"), std::string::npos);
    EXPECT_NE(html.find("Fig. S1"), std::string::npos);
  }
}
