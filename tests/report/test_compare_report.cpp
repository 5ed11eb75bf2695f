// The compare report: the aggregation and noise summary of hand-written run
// directories against values worked out by hand, and the files it writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "awd/experiments/compare.h"
#include "awd/experiments/sweep.h"
#include "awd/experiments/sweep_worker.h"
#include "awd/io/text_file.h"
#include "awd/report/compare_report.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;
using nlohmann::json;

namespace {

size_t metric(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return static_cast<size_t>(it - names.begin());
}
size_t M(const std::string& name) { return metric(report::kCompareMetrics, name); }
size_t N(const std::string& name) { return metric(report::kNoiseMetrics, name); }

/// A finished solution: summary.json with the given scalars, directions.csv as given.
void fake_solution(const std::string& dir, double test_error, double gap, double epochs, const std::string& directions,
                   const std::string& noise = "") {
  const json s = {{"test_error", test_error}, {"gap", gap},       {"pair_gap", gap},  {"sum_dL", gap},
                  {"dL_sharp", gap / 2},      {"dL_flat", gap / 2}, {"n_sharp", 1},   {"weight_norm", 9.0},
                  {"training", {{"epochs", epochs}, {"stop_reason", "stop_rule"}}}};
  test_util::write_solution(dir, s.dump(), directions, noise);
}

const char* kNoiseHeader =
    "step,epoch,train_loss,eta_sq,eta_layer_sq,lambda_1,lambda_2,eta_top_sq_1,eta_top_sq_2\n";

/// Two algorithms x 3 repeats: ssgd rep2 diverged, dpsgd rep1 and rep2 without noise.csv.
struct Fixture {
  test_util::TempDir dir;
  experiments::SweepSpec spec;
  Fixture() {
    RunConfig base;
    base.learners.count = 4;
    base.train.batch_size = 5;
    base.learners.noise_every = 10;
    spec = experiments::compare_spec(base, 3);
    io::write_atomic((dir / "sweep.json").string(), experiments::to_json(spec).dump());
    auto at = [&](size_t v, int64_t r) { return experiments::solution_dir(dir.str(), spec, v, r); };
    // ssgd rep0: lambda_1 = 1, 2, 4, 8 and (v1.eta)^2 = 3 lambda_1^2, so slope 2, correlation 1.
    fake_solution(at(0, 0), 0.10, 0.3, 10,
                  "1,4,2.0,0.8,0.5,0,0,0.5,0.2,0.5,0.2\n"
                  "2,1,5.0,0.4,0.25,0,0,0.5,0.05,0.75,0.25\n"
                  "3,0,0.5,0.1,0.25,0,0,0.5,0.0125,1.0,0.2625\n",
                  std::string(kNoiseHeader) +
                      "0,0,2.0,0.5,0.05,1,0.5,3,1\n"
                      "10,1,1.0,0.7,0.07,2,1,12,1\n"
                      "20,2,0.5,0.9,0.09,4,2,48,1\n"
                      "30,3,0.25,1.1,0.11,8,4,192,1\n");
    // ssgd rep1: log lambda_1 = 0, 1, 2 and log (v1.eta)^2 = 0, 1, 3.
    fake_solution(at(0, 1), 0.14, 0.5, 20,
                  "1,0,3.0,0.6,0.5,0,0,0.5,0.2,0.5,0.2\n"
                  "2,1,1.0,0.3,1.0,0,0,0.5,0.05,1.5,0.25\n"
                  "3,2,0.1,0.1,0.5,0,0,0.5,0.0125,2.0,0.2625\n",
                  std::string(kNoiseHeader) +
                      "0,0,1.5,1,0.1,1,1,1,1\n"
                      "10,1,1.0,2,0.2,2.718281828459045,1,2.718281828459045,1\n"
                      "20,2,0.5,3,0.3,7.38905609893065,1,20.085536923187668,1\n");
    test_util::write_diverged_run(at(0, 2));
    // dpsgd rep0: two records, slope log(100)/log(10) = 2.
    fake_solution(at(1, 0), 0.08, 0.2, 30,
                  "1,0,4.0,1.0,0.5,0,0,0.5,0.2,0.5,0.2\n"
                  "2,1,1.0,0.5,0.5,0,0,0.5,0.05,1.0,0.25\n"
                  "3,2,0.1,0.1,0.5,0,0,0.5,0.0125,1.5,0.2625\n",
                  std::string(kNoiseHeader) +
                      "0,0,2.0,2,0.2,1,1,5,1\n"
                      "10,1,1.0,4,0.4,10,1,500,1\n");
    fake_solution(at(1, 1), 0.10, 0.6, 50,
                  "1,0,6.0,1.4,1.0,0,0,0.5,0.2,1.0,0.2\n"
                  "2,1,1.0,0.5,1.0,0,0,0.5,0.05,2.0,0.25\n"
                  "3,2,0.1,0.1,0.5,0,0,0.5,0.0125,2.5,0.2625\n");
    fake_solution(at(1, 2), 0.12, 0.4, 40,
                  "1,0,6.0,1.2,1.0,0,0,0.5,0.2,1.0,0.2\n"
                  "2,1,1.0,0.5,1.0,0,0,0.5,0.05,2.0,0.25\n"
                  "3,2,0.1,0.1,1.0,0,0,0.5,0.0125,3.0,0.2625\n");
  }
};

}  // namespace

TEST(CompareReport, NoiseSummaryOfOneRunByHand) {
  Fixture f;
  const auto run = experiments::solution_dir(f.dir.str(), f.spec, 0, 0);
  const auto m = report::noise_metrics(run + "/noise.csv");
  ASSERT_EQ(m.size(), report::kNoiseMetrics.size());
  EXPECT_EQ(m[N("records")], 4);
  EXPECT_NEAR(m[N("eta_sq_mean")], 0.8, 1e-15);         // (0.5 + 0.7 + 0.9 + 1.1) / 4
  EXPECT_NEAR(m[N("eta_sq_late")], 1.0, 1e-15);         // records 2 and 3: (0.9 + 1.1) / 2
  EXPECT_NEAR(m[N("eta_layer_sq_late")], 0.1, 1e-15);   // (0.09 + 0.11) / 2
  EXPECT_NEAR(m[N("eta_top_sq_1_late")], 120, 1e-12);   // (48 + 192) / 2
  EXPECT_NEAR(m[N("lambda_1_late")], 6, 1e-15);         // (4 + 8) / 2
  EXPECT_NEAR(m[N("train_loss_late")], 0.375, 1e-15);   // (0.5 + 0.25) / 2
  EXPECT_NEAR(m[N("slope_top1_vs_lambda1")], 2, 1e-12);  // (v1.eta)^2 = 3 lambda_1^2
  EXPECT_NEAR(m[N("corr_top1_vs_lambda1")], 1, 1e-12);
  // eta_sq against the loss: log loss = log 2 - k log 2, log eta_sq not linear in it: only the sign is clear.
  EXPECT_LT(m[N("corr_eta_vs_loss")], -0.9);

  // Three records (late = records 1 and 2): log-log points (0,0), (1,1), (2,3):
  // slope = cov/var = 1 / (2/3) = 1.5, correlation = 1 / sqrt(2/3 * 14/9) = sqrt(27/28).
  const auto m1 = report::noise_metrics(experiments::solution_dir(f.dir.str(), f.spec, 0, 1) + "/noise.csv");
  EXPECT_EQ(m1[N("records")], 3);
  EXPECT_NEAR(m1[N("eta_sq_late")], 2.5, 1e-15);
  EXPECT_NEAR(m1[N("slope_top1_vs_lambda1")], 1.5, 1e-12);
  EXPECT_NEAR(m1[N("corr_top1_vs_lambda1")], std::sqrt(27.0 / 28.0), 1e-12);
  // eta_sq = 1, 2, 3 against log lambda_1 = 0, 1, 2.
  EXPECT_NEAR(m1[N("slope_eta_vs_lambda1")], std::log(3.0) / 2, 1e-12);
}

TEST(CompareReport, NoiseCsvWithoutAColumnNamesFileAndColumn) {
  test_util::TempDir dir;
  const auto p = (dir / "noise.csv").string();
  std::ofstream(p) << "step,epoch,train_loss,eta_sq,eta_layer_sq,lambda_1\n0,0,1,1,1,1\n";
  try {
    report::noise_metrics(p);
    ADD_FAILURE() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), p + ": no column 'eta_top_sq_1'");
  }
}

TEST(CompareReport, AggregationPerAlgorithmAndPairedDifferencesByHand) {
  Fixture f;
  const auto st = report::aggregate_compare(f.dir.str());
  ASSERT_EQ(st.values, (std::vector<std::string>{"ssgd", "dpsgd"}));
  EXPECT_EQ(st.finished, (std::vector<int>{2, 3}));
  EXPECT_EQ(st.with_noise, (std::vector<int>{2, 1}));
  // test error: ssgd 0.10, 0.14 -> mean 0.12, sample std 0.02 sqrt(2);
  // dpsgd 0.08, 0.10, 0.12 -> 0.10, std 0.02.
  EXPECT_NEAR(st.metrics.mean[0][M("test_error")], 0.12, 1e-15);
  EXPECT_NEAR(st.metrics.std[0][M("test_error")], 0.02 * std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(st.metrics.mean[1][M("test_error")], 0.10, 1e-15);
  EXPECT_NEAR(st.metrics.std[1][M("test_error")], 0.02, 1e-15);
  // dL: ssgd 0.3, 0.5 -> 0.4; dpsgd 0.2, 0.6, 0.4 -> 0.4, std 0.2. dL_s is half of dL here.
  EXPECT_NEAR(st.metrics.mean[0][M("gap")], 0.4, 1e-15);
  EXPECT_NEAR(st.metrics.std[1][M("gap")], 0.2, 1e-15);
  EXPECT_NEAR(st.metrics.mean[1][M("dL_sharp")], 0.2, 1e-15);
  // From directions.csv: S_w at the last rank, sigma_g at rank 1, the largest lambda (rank 2 in rep0).
  EXPECT_NEAR(st.metrics.mean[0][M("S_w_N")], 1.5, 1e-15);   // (1.0 + 2.0) / 2
  EXPECT_NEAR(st.metrics.mean[1][M("S_w_N")], 7.0 / 3.0, 1e-15);  // (1.5 + 2.5 + 3.0) / 3
  EXPECT_NEAR(st.metrics.mean[0][M("sigma_g_1")], 0.7, 1e-15);  // (0.8 + 0.6) / 2
  EXPECT_NEAR(st.metrics.mean[1][M("sigma_g_1")], 1.2, 1e-15);  // (1.0 + 1.4 + 1.2) / 3
  EXPECT_NEAR(st.metrics.mean[0][M("lambda_max")], 4.0, 1e-15);  // (5 + 3) / 2
  EXPECT_NEAR(st.metrics.mean[0][M("sigma_w_1")], 0.5, 1e-15);
  EXPECT_NEAR(st.metrics.mean[1][M("epochs")], 40, 1e-15);  // (30 + 50 + 40) / 3
  // Paired (dpsgd - ssgd) over repeats 0 and 1 only (ssgd rep2 diverged):
  // test error -0.02, -0.04 -> mean -0.03, std 0.01 sqrt(2); S_w(N) 0.5, 0.5 -> 0.5, std 0.
  EXPECT_EQ(st.metrics.diff_pairs[M("test_error")], 2);
  EXPECT_NEAR(st.metrics.diff_mean[M("test_error")], -0.03, 1e-15);
  EXPECT_NEAR(st.metrics.diff_std[M("test_error")], 0.01 * std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(st.metrics.diff_mean[M("S_w_N")], 0.5, 1e-15);
  EXPECT_NEAR(st.metrics.diff_std[M("S_w_N")], 0.0, 1e-15);

  // Noise per algorithm: ssgd slopes 2 and 1.5 -> 1.75, std 0.25 sqrt(2);
  // eta_sq_late 1.0 and 2.5 -> 1.75. dpsgd: one run with noise, slope 2, eta_sq_late 4.
  EXPECT_NEAR(st.noise.mean[0][N("slope_top1_vs_lambda1")], 1.75, 1e-12);
  EXPECT_NEAR(st.noise.std[0][N("slope_top1_vs_lambda1")], 0.25 * std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(st.noise.mean[0][N("eta_sq_late")], 1.75, 1e-15);
  EXPECT_NEAR(st.noise.mean[1][N("slope_top1_vs_lambda1")], 2, 1e-12);
  EXPECT_NEAR(st.noise.std[1][N("slope_top1_vs_lambda1")], 0, 1e-12);
  EXPECT_NEAR(st.noise.mean[1][N("eta_sq_late")], 4, 1e-15);
  EXPECT_NEAR(st.noise.mean[1][N("eta_sq_mean")], 3, 1e-15);
  // Paired noise: repeat 0 only. eta_sq_late 4 - 1 = 3.
  EXPECT_EQ(st.noise.diff_pairs[N("eta_sq_late")], 1);
  EXPECT_NEAR(st.noise.diff_mean[N("eta_sq_late")], 3, 1e-15);
}

TEST(CompareReport, ReportFilesTableAndFigures) {
  Fixture f;
  const auto table = report::write_compare_report(f.dir.str());
  const fs::path r = f.dir / "report";
  // The side-by-side table: ssgd 2 of 3 finished, test error 0.12 ± 0.028; dpsgd 0.1 ± 0.02; paired -0.03.
  EXPECT_NE(table.find("ssgd (2/3)"), std::string::npos) << table;
  EXPECT_NE(table.find("dpsgd (3/3)"), std::string::npos) << table;
  EXPECT_NE(table.find("0.12 ± 0.028"), std::string::npos) << table;
  EXPECT_NE(table.find("0.1 ± 0.02"), std::string::npos) << table;
  EXPECT_NE(table.find("-0.03 ± 0.014"), std::string::npos) << table;
  EXPECT_NE(table.find("n = 4 learners x b = 5 (B = 20)"), std::string::npos) << table;

  const auto cmp = test_util::read_bytes((r / "compare.csv").string());
  EXPECT_EQ(cmp.substr(0, cmp.find('\n')),
            "metric,ssgd_mean,ssgd_std,dpsgd_mean,dpsgd_std,dpsgd-ssgd_mean,dpsgd-ssgd_std,pairs");
  EXPECT_EQ(std::count(cmp.begin(), cmp.end(), '\n'), 1 + static_cast<long>(report::kCompareMetrics.size()));
  EXPECT_NE(cmp.find("\nS_w_N,1.5,"), std::string::npos) << cmp;
  const auto noise = test_util::read_bytes((r / "noise_summary.csv").string());
  EXPECT_NE(noise.find("\nssgd,2,2,"), std::string::npos) << noise;
  EXPECT_NE(noise.find("\ndpsgd,3,1,"), std::string::npos) << noise;
  // Every record once; the series averages the repeats at each step: ssgd step 0 is
  // (0.5 + 1) / 2 for eta_sq, from 2 runs; step 30 only in rep0.
  const auto points = test_util::read_bytes((r / "noise_points.csv").string());
  EXPECT_EQ(std::count(points.begin(), points.end(), '\n'), 1 + 4 + 3 + 2);
  const auto series = test_util::read_bytes((r / "noise_series.csv").string());
  EXPECT_EQ(series.substr(0, series.find('\n')),
            "value,runs,step,epoch,train_loss,eta_sq,eta_layer_sq,lambda_1,eta_top_sq_1");
  EXPECT_NE(series.find("\nssgd,2,0.0,0.0,1.75,0.75,"), std::string::npos) << series;
  EXPECT_NE(series.find("\nssgd,1,30.0,3.0,0.25,1.1,0.11,8.0,192.0\n"), std::string::npos) << series;
  // The usual sweep report is there too, by algorithm.
  const auto summary = test_util::read_bytes((r / "summary.csv").string());
  EXPECT_NE(summary.find("\nssgd,3,2,1,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\ndpsgd,3,3,0,"), std::string::npos) << summary;
  EXPECT_TRUE(report::is_compare_dir(f.dir.str()));

  const auto html = test_util::read_bytes((r / "report.html").string());
  EXPECT_NE(html.find("ssgd vs dpsgd"), std::string::npos);
  EXPECT_NE(html.find("compare.csv"), std::string::npos);
  EXPECT_NE(html.find("noise_summary.csv"), std::string::npos);
  if (!test_util::have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed: figures not checked";
  for (const char* name : {"compare_sharpness", "compare_size", "noise_vs_sharpness", "noise_total_vs_sharpness",
                           "noise_vs_loss", "noise_over_time", "sharpness_over_time", "sharpness_spectrum"}) {
    const auto png = test_util::read_bytes((r / "figures" / (std::string(name) + ".png")).string());
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << name;
    EXPECT_NE(test_util::read_bytes((r / "figures" / (std::string(name) + ".svg")).string()).find("<svg"),
              std::string::npos)
        << name;
    EXPECT_NE(html.find("figures/" + std::string(name) + ".png"), std::string::npos) << name;
  }
  EXPECT_NE(html.find("Fig. 5A"), std::string::npos);
  EXPECT_NE(html.find("Fig. 6"), std::string::npos);
  // One curve per algorithm, named as in the paper's legend.
  const auto gp = test_util::read_bytes((r / "figures" / "noise_vs_sharpness.gp").string());
  EXPECT_NE(gp.find("'algo = ssgd'"), std::string::npos);
  EXPECT_NE(gp.find("'algo = dpsgd'"), std::string::npos);
}

TEST(CompareReport, ACompareDirectoryRefusesAnotherExperiment) {
  Fixture f;
  RunConfig other;
  other.learners.count = 8;
  auto spec = experiments::compare_spec(other, 3);
  try {
    experiments::SweepOptions options;
    options.dir = f.dir.str();
    options.kind = store::FolderKind::kCompare;
    options.executable = "/bin/false";
    options.progress = false;
    experiments::run_sweep(spec, options);
    ADD_FAILURE() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("holds a sweep of another experiment"), std::string::npos) << e.what();
  }
}
