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

/// An analysis folder: summary.json with the given scalars, directions.csv with `rows`.
std::string analysis_folder(const fs::path& dir, double gap, double test_error, const std::string& rows) {
  fs::create_directories(dir);
  const json s = {{"gap", gap},        {"pair_gap", gap + 0.01}, {"dL_sharp", 0.75 * gap}, {"dL_flat", 0.25 * gap},
                  {"n_sharp", 2},      {"weight_norm", 3.5},     {"test_error", test_error}, {"layer", "fc"}};
  io::write_atomic((dir / "summary.json").string(), s.dump());
  io::write_atomic((dir / "directions.csv").string(), std::string(kHeader) + rows);
  return dir.string();
}

struct Folders {
  test_util::TempDir tmp;
  std::string a, b;
  Folders() {
    // lambda_max is the largest lambda, not the first row's: 7 for a, 0.5 for b.
    a = analysis_folder(tmp / "a", 0.2, 0.05,
                        "1,3,4,1.0,0.5,0,0,0.5,0.1,0.5,0.1\n"
                        "2,0,7,0.5,0.25,0,0,0.5,0.06,0.75,0.16\n"
                        "3,1,-1,0.1,0.125,0,0,0.5,0.04,0.875,0.2\n");
    b = analysis_folder(tmp / "b", 0.4, 0.1,
                        "1,0,0.5,2.0,1.0,0,0,0.5,0.3,1.0,0.3\n"
                        "2,1,0.25,0.2,0.5,0,0,0.5,0.1,1.5,0.4\n");
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
  const auto printed = report::write_folder_comparison({f.a, f.b}, {"small", "large"}, out.string(), "no-gnuplot-here");
  const auto t = io::read_csv((out / "compare.csv").string());
  ASSERT_EQ(t.header, (std::vector<std::string>{"metric", "small", "large"}));
  ASSERT_EQ(t.rows.size(), report::kFolderMetrics.size());
  EXPECT_DOUBLE_EQ(cell(t, "gap", "small"), 0.2);
  EXPECT_DOUBLE_EQ(cell(t, "gap", "large"), 0.4);
  EXPECT_DOUBLE_EQ(cell(t, "pair_gap", "large"), 0.41);
  EXPECT_DOUBLE_EQ(cell(t, "dL_sharp", "small"), 0.15);
  EXPECT_DOUBLE_EQ(cell(t, "dL_flat", "large"), 0.1);
  EXPECT_DOUBLE_EQ(cell(t, "n_sharp", "small"), 2);
  EXPECT_DOUBLE_EQ(cell(t, "weight_norm", "large"), 3.5);
  EXPECT_DOUBLE_EQ(cell(t, "lambda_max", "small"), 7);
  EXPECT_DOUBLE_EQ(cell(t, "lambda_max", "large"), 0.5);
  EXPECT_DOUBLE_EQ(cell(t, "test_error", "large"), 0.1);
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
