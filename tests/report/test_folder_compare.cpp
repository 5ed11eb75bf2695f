// `awd report --compare`: two hand-written analysis folders, the side-by-side
// table and ranks.csv against values worked out by hand, the files written,
// and the errors for a folder that is not an analysis.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/folder_compare.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;
using nlohmann::json;

namespace {

const char* kHeader = "rank,basis_index,lambda,sigma_g,sigma_w,mu_g,mu_w,c,dL_i,S_w,S_L\n";

/// An analysis folder: summary.json with the given scalars, directions.csv
/// with `rows`; `N` above the rows makes it a top-k analysis whose other
/// directions carry `rest` of sum_dL.
std::string analysis_folder(const fs::path& dir, double gap, double test_error, const std::string& rows, int n_sharp,
                            int N, double rest = 0) {
  fs::create_directories(dir);
  json s = {{"gap", gap},          {"pair_gap", gap + 0.01},  {"dL_sharp", 0.75 * gap}, {"dL_flat", 0.25 * gap},
            {"n_sharp", n_sharp},  {"weight_norm", 3.5},      {"test_error", test_error}, {"layer", "fc"},
            {"sum_dL", gap - 0.02}, {"N", N}, {"eq10_residual", 1.5e-17}, {"duality_max_residual", 2.5e-15}};
  if (rest != 0) s["top_k"] = {{"k", 2}, {"remainder", {{"dL", rest}}}};
  io::write_atomic((dir / "summary.json").string(), s.dump());
  io::write_atomic((dir / "directions.csv").string(), std::string(kHeader) + rows);
  return dir.string();
}

struct Folders {
  test_util::TempDir tmp;
  std::string a, b;
  Folders() {
    // lambda_max is the largest lambda, not the first row's: 7 for a, 0.5 for b.
    // a: all 3 directions, n_s 2; b: the top 2 of 8, n_s 1, the other 6 carrying 0.05.
    a = analysis_folder(tmp / "a", 0.2, 0.05,
                        "1,3,4,1.0,0.5,0,0,0.5,0.1,0.5,0.1\n"
                        "2,0,7,0.5,0.25,0,0,0.5,0.06,0.75,0.16\n"
                        "3,1,-1,0.1,0.125,0,0,0.5,0.04,0.875,0.2\n",
                        2, 3);
    b = analysis_folder(tmp / "b", 0.4, 0.1,
                        "1,0,0.5,2.0,1.0,0,0,0.5,0.3,1.0,0.3\n"
                        "2,1,0.25,0.2,0.5,0,0,0.5,0.1,1.5,0.4\n",
                        1, 8, 0.05);
    // Fig. S1's input: dL_p(f) and dL(f) over the first half and all of the pairs.
    io::write_atomic((tmp / "a" / "coverage.csv").string(),
                     "fraction,pairs,pair_gap,gap\n0.5,2,0.3,0.25\n1,4,0.21,0.2\n");
    io::write_atomic((tmp / "b" / "coverage.csv").string(),
                     "fraction,pairs,pair_gap,gap\n0.5,1,0.5,0.4\n1,2,0.41,0.4\n");
  }
};

double cell(const io::CsvTable& t, const std::string& metric, const std::string& column) {
  for (const auto& row : t.rows)
    if (row[0] == metric) return io::csv_field_number(row[t.column(column)]);
  ADD_FAILURE() << "no row " << metric;
  return NAN;
}

}  // namespace

TEST(FolderCompare, TableAndRanksByHand) {
  Folders f;
  const auto out = f.tmp / "out";
  testing::internal::CaptureStderr();
  const auto printed = report::write_folder_comparison({f.a, f.b}, {"small", "large"}, out.string(), "no-gnuplot-here");
  testing::internal::GetCapturedStderr();
  const auto t = io::read_csv((out / "compare.csv").string());
  ASSERT_EQ(t.header, (std::vector<std::string>{"metric", "small", "large"}));
  ASSERT_EQ(t.rows.size(), report::kFolderMetrics.size());
  // The paper's names, not summary.json's keys.
  EXPECT_DOUBLE_EQ(cell(t, "dL", "small"), 0.2);
  EXPECT_DOUBLE_EQ(cell(t, "dL", "large"), 0.4);
  EXPECT_DOUBLE_EQ(cell(t, "dL_p", "large"), 0.41);
  EXPECT_DOUBLE_EQ(cell(t, "sum_dL_i", "large"), 0.38);
  EXPECT_DOUBLE_EQ(cell(t, "dL_s", "small"), 0.15);
  EXPECT_DOUBLE_EQ(cell(t, "dL_f", "large"), 0.1);
  EXPECT_DOUBLE_EQ(cell(t, "n_s", "small"), 2);
  EXPECT_DOUBLE_EQ(cell(t, "||W||", "large"), 3.5);
  EXPECT_DOUBLE_EQ(cell(t, "lambda_max", "small"), 7);
  EXPECT_DOUBLE_EQ(cell(t, "lambda_max", "large"), 0.5);
  EXPECT_DOUBLE_EQ(cell(t, "test_error", "large"), 0.1);
  EXPECT_DOUBLE_EQ(cell(t, "N", "large"), 8);
  EXPECT_DOUBLE_EQ(cell(t, "directions", "small"), 3);
  EXPECT_DOUBLE_EQ(cell(t, "directions", "large"), 2);
  EXPECT_DOUBLE_EQ(cell(t, "dL_rest", "small"), 0);
  EXPECT_DOUBLE_EQ(cell(t, "dL_rest", "large"), 0.05);
  EXPECT_DOUBLE_EQ(cell(t, "eq10_residual", "small"), 1.5e-17);
  EXPECT_DOUBLE_EQ(cell(t, "duality_residual", "large"), 2.5e-15);
  for (const char* key : {"gap", "pair_gap", "dL_sharp", "dL_flat", "n_sharp", "weight_norm"})
    EXPECT_EQ(printed.find(std::string("\n") + key + " "), std::string::npos) << key << " in\n" << printed;
  EXPECT_NE(printed.find("3 of 3"), std::string::npos) << printed;
  EXPECT_NE(printed.find("2 of 8"), std::string::npos) << printed;
  EXPECT_NE(printed.find("1.50e-17"), std::string::npos) << printed;
  EXPECT_NE(printed.find("dL_p"), std::string::npos) << printed;
  EXPECT_NE(printed.find("large"), std::string::npos) << printed;

  // ranks.csv: 3 + 2 rows, the folder's label in "value".
  const auto r = io::read_csv((out / "ranks.csv").string());
  ASSERT_EQ(r.header, (std::vector<std::string>{"value", "rank", "sigma_g", "sigma_w", "S_w", "dL_i"}));
  ASSERT_EQ(r.rows.size(), 5u);
  EXPECT_EQ(r.rows[2], (std::vector<std::string>{"small", "3", "0.1", "0.125", "0.875", "0.04"}));
  EXPECT_EQ(r.rows[4], (std::vector<std::string>{"large", "2", "0.2", "0.5", "1.5", "0.1"}));
  EXPECT_TRUE(fs::exists(out / "report.html"));
  EXPECT_TRUE(fs::exists(out / "summary.csv"));
}

TEST(FolderCompare, LabelsDefaultToPaths) {
  Folders f;
  const auto out = f.tmp / "out";
  report::write_folder_comparison({f.a, f.b}, {}, out.string(), "no-gnuplot-here");
  const auto t = io::read_csv((out / "compare.csv").string());
  EXPECT_EQ(t.header, (std::vector<std::string>{"metric", f.a, f.b}));
  EXPECT_NE(test_util::message_of([&] { report::folder_labels({f.a, f.b}, {"x"}); }).find("1 labels for 2"),
            std::string::npos);
  EXPECT_NE(test_util::message_of([&] { report::folder_labels({f.a, f.b}, {"x", "x"}); }).find("twice"),
            std::string::npos);
}

TEST(FolderCompare, FiguresOverlayEveryFolder) {
  if (!test_util::have_gnuplot()) GTEST_SKIP() << "no gnuplot";
  Folders f;
  const auto out = f.tmp / "out";
  report::write_folder_comparison({f.a, f.b}, {"small", "large"}, out.string());
  for (const char* name : {"folders_sharpness", "folders_size", "folders_accumulated_size", "folders_gap_per_direction"}) {
    EXPECT_TRUE(fs::exists(out / "figures" / (std::string(name) + ".png"))) << name;
    EXPECT_TRUE(fs::exists(out / "figures" / (std::string(name) + ".svg"))) << name;
    const auto gp = test_util::read_bytes((out / "figures" / (std::string(name) + ".gp")).string());
    EXPECT_NE(gp.find("'model = small'"), std::string::npos) << gp;
    EXPECT_NE(gp.find("'model = large'"), std::string::npos) << gp;
  }
  // sigma_g is drawn on log y; dL_i (0.04 .. 0.3) is positive but spans less than a decade: linear y.
  const auto script = [&](const char* name) {
    return test_util::read_bytes((out / "figures" / (std::string(name) + ".gp")).string());
  };
  EXPECT_NE(script("folders_sharpness").find("set logscale y"), std::string::npos);
  EXPECT_EQ(script("folders_gap_per_direction").find("set logscale y"), std::string::npos);
  const auto html = test_util::read_bytes((out / "report.html").string());
  EXPECT_NE(html.find("figures/folders_sharpness.png"), std::string::npos);
  // Fig. S1: the pair gap over the true gap against the fraction of test samples, one curve per folder.
  EXPECT_TRUE(fs::exists(out / "figures" / "folders_coverage.png"));
  EXPECT_NE(script("folders_coverage").find("'model = large'"), std::string::npos);
  EXPECT_NE(html.find("figures/folders_coverage.png"), std::string::npos);
  EXPECT_NE(html.find("Fig. S1"), std::string::npos);
  const auto coverage = io::read_csv((out / "coverage.csv").string());
  ASSERT_EQ(coverage.rows.size(), 4u);
  const double ratios[] = {0.3 / 0.25, 0.21 / 0.2, 0.5 / 0.4, 0.41 / 0.4};  // by hand: 1.2, 1.05, 1.25, 1.025
  for (size_t r = 0; r < 4; ++r) {
    EXPECT_EQ(coverage.rows[r][0], r < 2 ? "small" : "large");
    EXPECT_NEAR(io::csv_field_number(coverage.rows[r][coverage.column("pair_gap_over_gap")]), ratios[r], 1e-15);
  }
}

TEST(FolderCompare, NotAnAnalysisFolder) {
  Folders f;
  fs::create_directories(f.tmp / "empty");
  const auto empty = (f.tmp / "empty").string();
  EXPECT_EQ(test_util::message_of([&] { report::read_analysis_folder(empty, "e"); }),
            empty + ": no summary.json (not an analysis folder)");
  io::write_atomic((f.tmp / "a" / "directions.csv").string(), "rank,lambda,sigma_g,sigma_w,S_w\n1,1,1,1,1\n");
  EXPECT_EQ(test_util::message_of([&] { report::read_analysis_folder(f.a, "a"); }),
            (fs::path(f.a) / "directions.csv").string() + ": no column 'dL_i'");
}

TEST(FolderCompare, ADifferingNsIsWarnedAboutWithTheCommandForACommonSplit) {
  Folders f;
  const auto out = (f.tmp / "out").string();
  testing::internal::CaptureStderr();
  report::write_folder_comparison({f.a, f.b}, {"small", "large"}, out, "no-gnuplot-here");
  const auto err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("awd: warning: n_s differs between the folders (small 2, large 1)"), std::string::npos) << err;
  EXPECT_NE(err.find("awd report --compare " + f.a + " " + f.b + " --labels small,large -o " + out + " --n-sharp 2"),
            std::string::npos)
      << err;
  EXPECT_NE(test_util::read_bytes(out + "/report.html").find("n_s differs"), std::string::npos);
}

TEST(FolderCompare, NSharpSplitsEveryFolderAtOneRankFromItsDirections) {
  Folders f;
  const auto out = f.tmp / "out";
  testing::internal::CaptureStderr();
  const auto printed = report::write_folder_comparison({f.a, f.b}, {"small", "large"}, out.string(), "no-gnuplot-here", 1);
  const auto err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("n_s differs"), std::string::npos) << err;
  const auto t = io::read_csv((out / "compare.csv").string());
  // dL_i of a: 0.1, 0.06, 0.04; of b: 0.3, 0.1 (its dL_f still the top 2 only).
  EXPECT_DOUBLE_EQ(cell(t, "n_s", "small"), 1);
  EXPECT_DOUBLE_EQ(cell(t, "n_s", "large"), 1);
  EXPECT_DOUBLE_EQ(cell(t, "dL_s", "small"), 0.1);
  EXPECT_DOUBLE_EQ(cell(t, "dL_f", "small"), 0.06 + 0.04);
  EXPECT_DOUBLE_EQ(cell(t, "dL_s", "large"), 0.3);
  EXPECT_DOUBLE_EQ(cell(t, "dL_f", "large"), 0.1);
  EXPECT_NE(printed.find("common n_s = 1 (--n-sharp)"), std::string::npos) << printed;
  EXPECT_EQ(test_util::message_of<std::invalid_argument>([&] {
              report::write_folder_comparison({f.a, f.b}, {}, (f.tmp / "o2").string(), "no-gnuplot-here", 3);
            }),
            "--n-sharp 3: " + f.b + " has only 2 directions in directions.csv");
}

TEST(FolderCompare, ATopKFolderSaysWhatItsDLfLeavesOut) {
  Folders f;
  testing::internal::CaptureStderr();
  const auto printed =
      report::write_folder_comparison({f.a, f.b}, {"small", "large"}, (f.tmp / "out").string(), "no-gnuplot-here");
  testing::internal::GetCapturedStderr();
  EXPECT_NE(printed.find("large: only the top 2 of 8 directions were computed: dL_f sums ranks n_s+1..2, and the other "
                         "6 directions carry dL_rest = 0.05 of sum_dL_i"),
            std::string::npos)
      << printed;
  EXPECT_EQ(printed.find("small: only the top"), std::string::npos) << printed;
}

TEST(FolderCompare, ACorruptSummaryIsOneLineNamingIt) {
  Folders f;
  io::write_atomic((fs::path(f.a) / "summary.json").string(), "{\"gap\": 0.2,");
  const auto msg = test_util::message_of([&] { report::read_analysis_folder(f.a, "a"); });
  EXPECT_EQ(msg.rfind((fs::path(f.a) / "summary.json").string() + ": not valid JSON (", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}
