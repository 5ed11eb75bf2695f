// Sweep figures (gnuplot) and the report page (HTML): drawn from a hand-written report folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "awd/report/figures.h"
#include "awd/report/html.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;

namespace {

/// A report folder as `awd report` writes it: 2 values x 2 repeats, N = 6
/// ranks (so rank 10 and 100 are "nan"), values that are not integers.
void write_fake_report(const test_util::TempDir& dir) {
  std::ofstream(dir / "summary.csv")
      << "value,repeats,finished,diverged,lr,batch_size,test_error_mean,test_error_std,gap_mean,gap_std,"
         "pair_gap_mean,pair_gap_std,sum_dL_mean,sum_dL_std,dL_sharp_mean,dL_sharp_std,dL_flat_mean,dL_flat_std,"
         "weight_norm_mean,weight_norm_std,n_sharp_mean,n_sharp_std\n"
      << "0.005,2,2,0,0.005,25,0.1375,0.0125,0.4625,0.0375,0.455,0.035,0.4375,0.0325,0.3125,0.0225,0.125,0.01,"
         "5.25,0.25,2,0\n"
      << "0.05,2,2,0,0.05,25,0.1125,0.0075,0.3125,0.0125,0.305,0.015,0.2875,0.0175,0.1875,0.0125,0.1,0.005,"
         "5.75,0.15,2,0\n";
  std::ofstream ranks(dir / "ranks.csv");
  ranks << "value,rank,lambda,sigma_g,sigma_w,c,dL_i,S_w,S_L\n";
  for (const char* v : {"0.005", "0.05"}) {
    const double scale = std::string(v) == "0.005" ? 2.0 : 1.0;
    double s_w = 0, s_l = 0;
    for (int i = 1; i <= 6; ++i) {
      const double sigma_g = scale / (i * i), sigma_w = 0.1 + 0.01 * i, c = 0.5 / i, dl = c * sigma_g * sigma_w;
      s_w += sigma_w;
      s_l += dl;
      // The flattest direction has a negative eigenvalue: left out of the log-log plot.
      ranks << v << "," << i << "," << (i == 6 ? -1e-3 : scale * 3.0 / i) << "," << sigma_g << "," << sigma_w
            << "," << c << "," << dl << "," << s_w << "," << s_l << "\n";
    }
  }
  std::ofstream(dir / "solutions.csv")
      << "value,repeat,lr,batch_size,test_error,gap,pair_gap,sum_dL,dL_sharp,dL_flat,weight_norm,n_sharp,"
         "sigma_w_r1,sigma_w_r10,sigma_w_r100\n"
      << "0.005,0,0.005,25,0.125,0.425,0.42,0.405,0.29,0.115,5,2,0.11,nan,nan\n"
      << "0.005,1,0.005,25,0.15,0.5,0.49,0.47,0.335,0.135,5.5,2,0.12,nan,nan\n"
      << "0.05,0,0.05,25,0.105,0.3,0.29,0.27,0.175,0.095,5.6,2,0.115,nan,nan\n"
      << "0.05,1,0.05,25,0.12,0.325,0.32,0.305,0.2,0.105,5.9,2,0.125,nan,nan\n";
}

const std::vector<std::string> kFigureNames = {
    "sharpness_spectrum",   "size_spectrum",        "gap_split",
    "sharpness_vs_hessian", "size_vs_norm",         "correlation_spectrum",
    "estimated_gap_vs_test_error", "gap_vs_lr_over_batch"};

}  // namespace

TEST(Figures, EveryFigureAsPngAndSvgAndTheReportLinksThem) {
  if (!test_util::have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  test_util::TempDir dir;
  write_fake_report(dir);
  const auto set = report::make_figures(dir.str(), "train.lr");
  EXPECT_EQ(set.warning, "");
  ASSERT_EQ(set.files.size(), 2 * kFigureNames.size());
  for (const auto& name : kFigureNames) {
    for (const char* ext : {".png", ".svg"}) {
      const std::string rel = "figures/" + name + ext;
      EXPECT_NE(std::find(set.files.begin(), set.files.end(), rel), set.files.end()) << rel;
      const auto bytes = test_util::read_bytes((dir / rel).string());
      ASSERT_FALSE(bytes.empty()) << rel;
      if (std::string(ext) == ".png")
        EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << rel;
      else
        EXPECT_NE(bytes.find("<svg"), std::string::npos) << rel;
    }
    EXPECT_TRUE(fs::exists(dir / ("figures/" + name + ".gp"))) << name;  // kept, so a user can restyle
  }
  // gnuplot draws into temporary files that are renamed when it is done: none is left.
  for (const auto& entry : fs::directory_iterator(dir / "figures"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  // Legends name the values by the paper's symbol, as written in the CSV.
  const auto script = test_util::read_bytes((dir / "figures/sharpness_spectrum.gp").string());
  EXPECT_NE(script.find("'alpha = 0.005'"), std::string::npos);
  EXPECT_NE(script.find("'alpha = 0.05'"), std::string::npos);

  // The swept values span a decade: a log x axis, ticked at the values run and at nothing else.
  const auto gap_split = test_util::read_bytes((dir / "figures/gap_split.gp").string());
  EXPECT_NE(gap_split.find("set logscale x"), std::string::npos);
  EXPECT_NE(gap_split.find("set xtics ('0.005' 0.005, '0.05' 0.05)\n"), std::string::npos) << gap_split;
  const auto gap_split_svg = test_util::read_bytes((dir / "figures/gap_split.svg").string());
  EXPECT_NE(gap_split_svg.find(">0.005<"), std::string::npos);
  EXPECT_EQ(gap_split_svg.find(">0.01<"), std::string::npos);  // gnuplot's own decade tick
  EXPECT_EQ(gap_split_svg.find(">0.02<"), std::string::npos);

  report::write_report_html(dir.str(), "Learning-rate sweep", "train.lr", set);
  const auto html = test_util::read_bytes((dir / "report.html").string());
  for (const auto& f : set.files) EXPECT_NE(html.find("\"" + f + "\""), std::string::npos) << f;
  for (const char* text : {"Learning-rate sweep", "train.lr", "alpha", "Fig. 2A", "Fig. 3A", "Fig. S4", "Fig. S10",
                           ">0.005<", ">0.05<", "0.1375", "0.4625", "0.3125", "5.75", "± 0.0125"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  // Self-contained: nothing fetched from the network.
  EXPECT_EQ(html.find("http"), std::string::npos);
}

TEST(Figures, WithoutGnuplotAWarningAndNoFiles) {
  test_util::TempDir dir;
  write_fake_report(dir);
  report::FigureSet set;
  ASSERT_NO_THROW(set = report::make_figures(dir.str(), "lr", (dir / "no-such-gnuplot").string()));
  EXPECT_TRUE(set.files.empty());
  EXPECT_NE(set.warning.find("gnuplot"), std::string::npos) << set.warning;
  EXPECT_EQ(set.warning.find('\n'), std::string::npos) << "one line";
  EXPECT_FALSE(fs::exists(dir / "figures"));
  // The page is still written, with the table and the warning.
  report::write_report_html(dir.str(), "t", "lr", set);
  const auto html = test_util::read_bytes((dir / "report.html").string());
  EXPECT_NE(html.find("gnuplot not found"), std::string::npos);
  EXPECT_NE(html.find("0.1375"), std::string::npos);
}

TEST(Figures, BrokenDataIsAnErrorNamingTheFile) {
  test_util::TempDir dir;
  write_fake_report(dir);
  const auto expect_error = [&](const std::string& what) {
    try {
      report::make_figures(dir.str(), "lr");
      FAIL() << "no error, expected one naming " << what;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  // A column the figures need is missing.
  std::ofstream(dir / "ranks.csv") << "value,rank,lambda\n0.005,1,2\n";
  expect_error("ranks.csv: no column 'sigma_g'");
  // A row with the wrong number of fields.
  std::ofstream(dir / "solutions.csv") << "value,repeat\n0.005,0,1\n";
  expect_error("solutions.csv:2");
  fs::remove(dir / "summary.csv");
  expect_error("summary.csv");
  EXPECT_THROW(report::write_report_html(dir.str(), "t", "lr", {}), std::runtime_error);
}

TEST(Figures, AFailingGnuplotIsAnErrorNamingTheScript) {
  test_util::TempDir dir;
  write_fake_report(dir);
  try {
    report::make_figures(dir.str(), "lr", "/bin/false");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("sharpness_spectrum.gp"), std::string::npos) << e.what();
  }
}
