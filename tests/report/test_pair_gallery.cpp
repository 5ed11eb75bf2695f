// The pair gallery of a report (report/pair_gallery.h), checked against
// pairs.csv and the data files read here, not through awd's readers.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "awd/experiments/single_run.h"
#include "awd/io/npy.h"
#include "awd/io/text_file.h"
#include "awd/report/folder_compare.h"
#include "awd/report/pair_gallery.h"
#include "test_files.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace awd;
using test_util::TempDir;

namespace {

/// pairs.csv as a header and rows of numbers, split by hand.
struct PairsFile {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;
  double at(size_t row, const std::string& column) const {
    return rows[row][size_t(std::find(header.begin(), header.end(), column) - header.begin())];
  }
};

PairsFile read_pairs(const fs::path& path) {
  std::ifstream in(path);
  PairsFile f;
  std::string line;
  for (bool first = true; std::getline(in, line); first = false) {
    std::stringstream s(line);
    std::string field;
    std::vector<double> row;
    while (std::getline(s, field, ',')) {
      if (first) f.header.push_back(field);
      else row.push_back(std::stod(field));
    }
    if (!first) f.rows.push_back(row);
  }
  return f;
}

/// The rows of the kept pairs with the largest |l_k|, largest first, ties by k.
std::vector<size_t> expected_top(const PairsFile& f, size_t n) {
  std::vector<size_t> rows;
  for (size_t r = 0; r < f.rows.size(); ++r)
    if (f.at(r, "kept") != 0) rows.push_back(r);
  std::sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
    const double la = std::abs(f.at(a, "l_k")), lb = std::abs(f.at(b, "l_k"));
    return la != lb ? la > lb : f.at(a, "k") < f.at(b, "k");
  });
  rows.resize(std::min(rows.size(), n));
  return rows;
}

/// The value of attribute `name` in the tag starting at `from` of `html`.
std::string attribute(const std::string& html, size_t from, const std::string& name) {
  const auto at = html.find(name + "=\"", from);
  const auto start = at + name.size() + 2;
  return html.substr(start, html.find('"', start) - start);
}

/// Width and height from a PNG's IHDR chunk; {0, 0} when the file is not a PNG.
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  const auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | uint8_t(bytes[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

/// The 28 x 28 pixel bytes of image `index` of an IDX image file (gzip or raw).
std::string idx_image(const std::string& path, int64_t index) {
  gzFile f = gzopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  std::string bytes(784, '\0');
  gzseek(f, 16 + 784 * index, SEEK_SET);
  EXPECT_EQ(gzread(f, bytes.data(), 784), 784);
  gzclose(f);
  return bytes;
}

/// The red values of datablock `name` of a gallery script, in row order.
std::string datablock_pixels(const std::string& script, const std::string& name) {
  const auto start = script.find("$" + name + " << EOD\n");
  EXPECT_NE(start, std::string::npos) << name;
  std::stringstream s(script.substr(script.find('\n', start) + 1));
  std::string pixels;
  int x, y, r, g, b;
  while (s >> x >> y >> r >> g >> b) pixels += char(uint8_t(r));
  return pixels;
}

std::string idx_file(const std::string& dir, const std::string& prefix) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.find("images") != std::string::npos) return e.path().string();
  }
  return "";
}

}  // namespace

TEST(PairGallery, AReportShowsTheTopPairsOfEachAnalysisAsPngs) {
  if (!test_util::have_gnuplot()) GTEST_SKIP() << "no gnuplot";
  TempDir tmp;
  std::vector<std::string> analyses;
  for (uint64_t seed : {0, 1}) {
    auto cfg = test_util::small_mnist_config(10, 40);
    cfg.data.seed = cfg.train.seed = seed;
    const auto dir = tmp / ("run" + std::to_string(seed));
    experiments::OutputOptions options;
    options.dir = dir.string();
    options.progress = false;
    experiments::run_solution(cfg, options);
    analyses.push_back((dir / "analysis").string());
  }
  const auto out = tmp / "cmp";
  report::write_folder_comparison(analyses, {"a", "b"}, out.string());
  const std::string html = io::read_text((out / "report.html").string());

  const std::string test_file = idx_file(test_util::mnist_dir(), "t10k");
  const std::string train_file = idx_file(test_util::mnist_dir(), "train");
  for (size_t f = 0; f < analyses.size(); ++f) {
    const auto pairs = read_pairs(fs::path(analyses[f]) / "pairs.csv");
    const auto top = expected_top(pairs, report::kGalleryPairs);
    ASSERT_EQ(top.size(), size_t(report::kGalleryPairs));
    const std::string stem = "pairs_" + std::to_string(f + 1);
    const std::string script = io::read_text((out / "figures" / (stem + ".gp")).string());
    size_t from = 0;
    for (size_t i = 0; i < top.size(); ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "%s_r%02zu", stem.c_str(), i + 1);
      const std::string png = "figures/" + std::string(name) + ".png";
      EXPECT_EQ(png_size(test_util::read_bytes((out / png).string())),
                std::make_pair(uint32_t(report::kGalleryWidth), uint32_t(report::kGalleryHeight)))
          << png;
      EXPECT_NE(html.find("src=\"" + png + "\""), std::string::npos) << png;
      // The figures come in rank order, each naming the pair it shows.
      from = html.find("<figure class=\"pair\" id=\"" + std::string(name) + "\"", from);
      ASSERT_NE(from, std::string::npos) << name;
      const auto test_sample = int64_t(pairs.at(top[i], "test_sample"));
      const auto partner_sample = int64_t(pairs.at(top[i], "partner_sample"));
      EXPECT_EQ(attribute(html, from, "data-k"), std::to_string(int64_t(pairs.at(top[i], "k"))));
      EXPECT_EQ(attribute(html, from, "data-test-sample"), std::to_string(test_sample));
      EXPECT_EQ(attribute(html, from, "data-partner-sample"), std::to_string(partner_sample));
      // The pixels drawn are those of the samples in the data files.
      EXPECT_EQ(datablock_pixels(script, "test_" + std::string(name)), idx_image(test_file, test_sample)) << name;
      EXPECT_EQ(datablock_pixels(script, "partner_" + std::string(name)),
                idx_image(train_file.empty() ? test_file : train_file, partner_sample))
          << name;
    }
  }
}

TEST(PairGallery, TopPairsAreTheKeptOnesOfLargestAbsoluteLk) {
  TempDir tmp;
  // By hand: |l_k| = 0.5, 2 (skipped), 0.9, 0.9, 0.1; the tie goes to the lower k.
  io::write_atomic((tmp / "pairs.csv").string(),
                   "k,test_sample,partner,partner_sample,kept,l_k,norm_x,norm_dx,norm_dW,duality_residual,share,"
                   "sharp,flat\n"
                   "0,10,0,20,1,0.5,1,1.5,1,0,0.1,0.2,0.3\n"
                   "1,11,1,21,0,2,0,1,0,0,0,0,0\n"
                   "2,12,2,22,1,-0.9,1,2.5,1,0,-0.18,-1,0.1\n"
                   "3,13,3,23,1,0.9,1,3.5,1,0,0.18,0.4,0.5\n"
                   "4,14,4,24,1,0.1,1,4.5,1,0,0.02,0.05,0.05\n");
  const auto top = report::top_pairs((tmp / "pairs.csv").string(), 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].k, 2);
  EXPECT_EQ(top[1].k, 3);
  EXPECT_EQ(top[2].k, 0);
  EXPECT_EQ(top[0].test_sample, 12);
  EXPECT_EQ(top[0].partner_sample, 22);
  EXPECT_EQ(top[0].l_k, -0.9);
  EXPECT_EQ(top[0].norm_dx, 2.5);
  EXPECT_EQ(top[0].sharp, -1);
  EXPECT_EQ(top[0].flat, 0.1);
  EXPECT_EQ(report::top_pairs((tmp / "pairs.csv").string(), 12).size(), 4u);  // the kept ones only
}

TEST(PairGallery, DataThatAreNotImagesGetAOneLineNote) {
  TempDir tmp;
  const auto write_analysis = [&](const std::string& name, const std::string& config) {
    fs::create_directories(tmp / name);
    io::write_atomic((tmp / name / "summary.json").string(), "{\"config\": " + config + "}");
    io::write_atomic((tmp / name / "pairs.csv").string(),
                     "k,test_sample,partner,partner_sample,kept,l_k,norm_x,norm_dx,norm_dW,duality_residual,share,"
                     "sharp,flat\n0,0,0,0,1,0.5,1,1,1,0,0.5,0.25,0.25\n");
  };
  // Vectors of 6 values (a .npy folder) and an analysis of given features (no data folder).
  fs::create_directories(tmp / "vectors");
  const auto x = torch::rand({4, 6});
  const auto y = torch::tensor({0, 1, 0, 1}, torch::kInt64);
  for (const char* split : {"train", "test"}) {
    io::write_atomic((tmp / "vectors" / (std::string("x_") + split + ".npy")).string(), io::npy_bytes(x));
    io::write_atomic((tmp / "vectors" / (std::string("y_") + split + ".npy")).string(), io::npy_bytes(y));
  }
  write_analysis("npy", "{\"data\": {\"path\": \"" + (tmp / "vectors").string() + "\"}}");
  write_analysis("features", "{\"features\": \"somewhere\"}");
  const auto g = report::write_galleries({{(tmp / "npy").string(), "pairs_1", "npy"},
                                          {(tmp / "features").string(), "pairs_2", "features"}},
                                         (tmp / "report").string());
  EXPECT_TRUE(g.files.empty());
  EXPECT_TRUE(g.warnings.empty());
  if (test_util::have_gnuplot()) {
    EXPECT_NE(g.html.find("not images: inputs of shape [6] per sample"), std::string::npos) << g.html;
    EXPECT_NE(g.html.find("records no data folder"), std::string::npos) << g.html;
  }
}
