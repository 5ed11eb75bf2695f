// Readers and the subset builder (SPEC §7) on the test data (the real MNIST
// test split and CIFAR-10 when present, else the Fashion-MNIST test split and
// generated CIFAR-format batches: test_files.h test_data), on Fashion-MNIST's
// two splits, and on small hand-made files, good and broken.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <set>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/io/npy.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace awd;

namespace {

std::string be32(uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

std::string idx_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols, const std::string& pixels) {
  return be32(magic) + be32(n) + be32(rows) + be32(cols) + pixels;
}
std::string idx_labels(uint32_t magic, uint32_t n, const std::string& labels) { return be32(magic) + be32(n) + labels; }


void write_gz(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

/// Expects `fn` to throw a std::exception whose message names `path` and contains `what`.
template <typename Fn>
void expect_error(Fn fn, const std::string& path, const std::string& what) {
  try {
    fn();
    ADD_FAILURE() << "no error for " << path << " (expected: " << what << ")";
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

}  // namespace

TEST(Readers, MnistTestSplit) {
  const auto folder = data::load_folder(test_util::mnist_dir());
  EXPECT_EQ(folder.format, "idx");
  ASSERT_TRUE(folder.single_split());
  const auto& ds = folder.test;
  ASSERT_EQ(ds.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_GE(ds.images.min().item<float>(), 0.0f);
  EXPECT_LE(ds.images.max().item<float>(), 1.0f);
  const auto counts = torch::bincount(ds.labels);
  ASSERT_EQ(counts.numel(), 10);
  ASSERT_EQ(ds.files.size(), 2u);
  EXPECT_EQ(ds.files[0].bytes, int64_t(fs::file_size(ds.files[0].path)));
  if (test_util::test_data().real_mnist) {
    // Published MNIST t10k class counts: 892 (digit 5) to 1135 (digit 1).
    EXPECT_EQ(counts[5].item<int64_t>(), 892);
    EXPECT_EQ(counts.max().item<int64_t>(), 1135);
    EXPECT_EQ(ds.files[0].bytes, 1648877);
  } else {
    // Published Fashion-MNIST test split: 1000 images of each class.
    EXPECT_TRUE(counts.eq(1000).all().item<bool>()) << counts;
  }
}

TEST(Readers, FashionMnistBothSplits) {
  const std::string dir = DataConfig{}.path;  // what `awd run` reads with no --data
  if (!fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << dir << " not installed (apt-get install dataset-fashion-mnist)";
  const auto folder = data::load_folder(dir);
  EXPECT_EQ(folder.format, "idx");
  ASSERT_FALSE(folder.single_split());
  EXPECT_EQ(folder.train.images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(folder.test.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  // Published: 6000 training and 1000 test images of each of the 10 classes.
  EXPECT_TRUE(torch::bincount(folder.train.labels).eq(6000).all().item<bool>());
  EXPECT_TRUE(torch::bincount(folder.test.labels).eq(1000).all().item<bool>());
  EXPECT_EQ(folder.train.files.size(), 2u);
}

TEST(Readers, Cifar10Batches) {
  const auto folder = data::load_folder(test_util::cifar_dir());
  EXPECT_EQ(folder.format, "cifar10");
  EXPECT_FALSE(folder.single_split());
  // The record layout, against the file's own bytes: a label byte, then the
  // red, green and blue planes of 32 x 32 bytes, each row-major.
  const auto raw = test_util::read_bytes(test_util::cifar_dir() + "/test_batch.bin");
  ASSERT_EQ(raw.size() % 3073, 0u);
  ASSERT_EQ(folder.test.size(), int64_t(raw.size() / 3073));
  for (const int64_t k : {int64_t(0), int64_t(7), folder.test.size() - 1}) {
    const size_t r = size_t(k) * 3073;
    EXPECT_EQ(folder.test.labels[k].item<int64_t>(), uint8_t(raw[r])) << k;
    for (const auto [c, i, j] : {std::array<int, 3>{0, 0, 0}, {1, 5, 9}, {2, 31, 30}})
      EXPECT_FLOAT_EQ(folder.test.images[k][c][i][j].item<float>(), uint8_t(raw[r + 1 + c * 1024 + i * 32 + j]) / 255.0f)
          << k << " " << c << " " << i << " " << j;
  }
  EXPECT_EQ(torch::bincount(folder.test.labels).numel(), 10);
  if (!test_util::test_data().real_cifar) GTEST_SKIP() << test_util::needs_real("CIFAR-10") << " (counts of CIFAR-10)";
  EXPECT_EQ(folder.train.images.sizes(), (std::vector<int64_t>{10000, 3, 32, 32}));
  EXPECT_EQ(folder.test.size(), 10000);
  EXPECT_EQ(torch::bincount(folder.test.labels).eq(1000).all().item<bool>(), true);
}

TEST(Readers, HandMadeIdxRawAndGzip) {
  test_util::TempDir dir;
  // Two 2x3 images, pixels 0..11 and 255.
  std::string px;
  for (int i = 0; i < 11; ++i) px += char(i);
  px += char(255);
  const auto img = idx_images(0x803, 2, 2, 3, px), lab = idx_labels(0x801, 2, std::string{char(7), char(2)});
  test_util::write_bytes(dir / "train-images-idx3-ubyte", img);
  test_util::write_bytes(dir / "train-labels-idx1-ubyte", lab);
  write_gz(dir / "t10k-images-idx3-ubyte.gz", img);
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", lab);
  const auto folder = data::load_folder(dir.str());
  for (const auto* ds : {&folder.train, &folder.test}) {
    ASSERT_EQ(ds->images.sizes(), (std::vector<int64_t>{2, 1, 2, 3}));
    EXPECT_FLOAT_EQ(ds->images[0][0][1][2].item<float>(), 5.0f / 255.0f);
    EXPECT_FLOAT_EQ(ds->images[1][0][1][2].item<float>(), 1.0f);
    EXPECT_EQ(ds->labels[0].item<int64_t>(), 7);
    EXPECT_EQ(ds->labels[1].item<int64_t>(), 2);
  }
}

TEST(Readers, BrokenIdxFiles) {
  test_util::TempDir dir;
  const std::string px(8, char(1));
  const auto good_img = idx_images(0x803, 2, 2, 2, px);
  const auto good_lab = idx_labels(0x801, 2, std::string{char(1), char(2)});
  const auto img = (dir / "img").string(), lab = (dir / "lab").string();
  test_util::write_bytes(lab, good_lab);

  test_util::write_bytes(img, idx_images(0x801, 2, 2, 2, px));
  expect_error([&] { data::read_idx(img, lab); }, img, "not an IDX image file");
  test_util::write_bytes(img, good_img.substr(0, good_img.size() - 3));
  expect_error([&] { data::read_idx(img, lab); }, img, "truncated");
  test_util::write_bytes(img, good_img.substr(0, 10));
  expect_error([&] { data::read_idx(img, lab); }, img, "truncated");
  // A column count corrupted downwards over intact pixels: 2 x 1 images
  // would read the 2 x 2 pixels garbled; the file is longer than its header says.
  test_util::write_bytes(img, idx_images(0x803, 2, 2, 1, px));
  expect_error([&] { data::read_idx(img, lab); }, img, "longer than its header");
  test_util::write_bytes(img, good_img + "x");
  expect_error([&] { data::read_idx(img, lab); }, img, "longer than its header");
  test_util::write_bytes(img, good_img);
  test_util::write_bytes(lab, good_lab + "x");
  expect_error([&] { data::read_idx(img, lab); }, lab, "longer than its header");
  test_util::write_bytes(lab, idx_labels(0x801, 3, std::string{char(1), char(2), char(3)}));
  expect_error([&] { data::read_idx(img, lab); }, lab, "3 labels for 2 images");
  test_util::write_bytes(lab, idx_labels(0x801, 2, std::string{char(1), char(10)}));
  expect_error([&] { data::read_idx(img, lab); }, lab, "out of range");
  test_util::write_bytes(lab, idx_labels(0x803, 2, std::string{char(1), char(2)}));
  expect_error([&] { data::read_idx(img, lab); }, lab, "not an IDX label file");
  test_util::write_bytes(lab, idx_labels(0x801, 5, std::string{char(1), char(2)}));
  expect_error([&] { data::read_idx(img, lab); }, lab, "truncated");
  // A gzip stream cut short.
  const auto gz = (dir / "cut.gz").string();
  write_gz(gz, good_img);
  const auto whole = test_util::read_bytes(gz);
  test_util::write_bytes(gz, whole.substr(0, whole.size() / 2));
  expect_error([&] { data::read_idx(gz, lab); }, gz, "");
  expect_error([&] { data::read_idx((dir / "missing").string(), lab); }, (dir / "missing").string(), "no such file");
}

TEST(Readers, BrokenCifarFiles) {
  test_util::TempDir dir;
  const auto p = (dir / "data_batch_1.bin").string();
  std::string rec(3073, char(0));
  rec[0] = char(3);
  test_util::write_bytes(p, rec + rec);
  const auto ds = data::read_cifar10({p});
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.labels[1].item<int64_t>(), 3);
  test_util::write_bytes(p, rec + rec.substr(0, 100));
  expect_error([&] { data::read_cifar10({p}); }, p, "truncated");
  rec[0] = char(12);
  test_util::write_bytes(p, rec);
  expect_error([&] { data::read_cifar10({p}); }, p, "out of range");
}

TEST(Readers, FolderErrors) {
  test_util::TempDir dir;
  expect_error([&] { data::load_folder((dir / "nope").string()); }, (dir / "nope").string(), "does not exist");
  expect_error([&] { data::load_folder(dir.str()); }, dir.str(), "no data found");
  test_util::write_bytes(dir / "train-images-idx3-ubyte", idx_images(0x803, 1, 1, 1, "a"));
  expect_error([&] { data::load_folder(dir.str()); }, dir.str(), "pair");
}

DataConfig subset_config(int64_t per_class, int64_t n_test) {
  DataConfig cfg;
  cfg.per_class = per_class;
  cfg.n_test = n_test;
  return cfg;
}

TEST(Subset, SingleSplitIsDisjointBalancedAndSeeded) {
  const auto folder = data::load_folder(test_util::mnist_dir());
  auto cfg = subset_config(40, 105);
  cfg.seed = 3;
  const auto s = data::draw_subset(folder, cfg);
  ASSERT_EQ(s.train_indices.size(), 400u);
  ASSERT_EQ(s.test_indices.size(), 105u);
  std::set<int64_t> tr(s.train_indices.begin(), s.train_indices.end());
  std::set<int64_t> te(s.test_indices.begin(), s.test_indices.end());
  EXPECT_EQ(tr.size(), 400u);
  EXPECT_EQ(te.size(), 105u);
  for (auto i : te) EXPECT_EQ(tr.count(i), 0u) << "test sample " << i << " is also a training sample";
  const auto samples = data::materialize(folder, s);
  EXPECT_TRUE(torch::bincount(samples.train_labels).eq(40).all().item<bool>());
  const auto tc = torch::bincount(samples.test_labels);
  EXPECT_EQ(tc.max().item<int64_t>(), 11);
  EXPECT_EQ(tc.min().item<int64_t>(), 10);
  // Labels are the data's own.
  for (size_t k = 0; k < 20; ++k)
    EXPECT_EQ(samples.train_labels[k].item<int64_t>(), folder.test.labels[s.train_indices[k]].item<int64_t>());
  EXPECT_EQ(data::draw_subset(folder, cfg).train_indices, s.train_indices);
  cfg.seed = 4;
  EXPECT_NE(data::draw_subset(folder, cfg).train_indices, s.train_indices);
}

TEST(Subset, LabelNoiseKeepsMCorrectPerClass) {
  const auto folder = data::load_folder(test_util::mnist_dir());
  auto cfg = subset_config(30, 50);
  cfg.label_noise = 0.2;
  const auto s = data::draw_subset(folder, cfg);
  ASSERT_EQ(s.train_indices.size(), 375u);  // 300 / (1 - 0.2)
  int64_t wrong = 0;
  for (size_t i = 0; i < s.train_indices.size(); ++i) {
    const auto truth = folder.test.labels[s.train_indices[i]].item<int64_t>();
    if (s.corrupted[i]) {
      EXPECT_NE(s.train_labels[i], truth);
      ++wrong;
    } else {
      EXPECT_EQ(s.train_labels[i], truth);
    }
  }
  EXPECT_EQ(wrong, 75);
}

TEST(Subset, AskingForTooManySaysHowManyExist) {
  const auto folder = data::load_folder(test_util::mnist_dir());
  DataConfig cfg;
  cfg.per_class = 1000;
  cfg.n_test = 10;
  // One split: asking for all of class 0 leaves no test sample of it.
  const auto zeros = torch::bincount(folder.test.labels)[0].item<int64_t>();
  if (test_util::test_data().real_mnist) {
    EXPECT_EQ(zeros, 980);
  }
  cfg.per_class = zeros;
  expect_error([&] { data::draw_subset(folder, cfg); }, "t10k-images", "class 0 has " + std::to_string(zeros) + " samples");
  // ... while the smallest class less one test sample is drawn.
  cfg.per_class = torch::bincount(folder.test.labels).min().item<int64_t>() - 1;
  EXPECT_EQ(data::draw_subset(folder, cfg).train_indices.size(), size_t(10 * cfg.per_class));
}

namespace {

/// A .npy data folder with 6 training and 4 test samples of shape [2, 3] (uint8), 3 classes.
void write_npy_folder(const fs::path& dir) {
  test_util::write_bytes(dir / "x_train.npy", io::npy_bytes(torch::arange(36, torch::kInt64).reshape({6, 2, 3}).to(torch::kUInt8) * 7));
  test_util::write_bytes(dir / "y_train.npy", io::npy_bytes(torch::tensor({0, 1, 2, 0, 1, 2}, torch::kInt64)));
  test_util::write_bytes(dir / "x_test.npy", io::npy_bytes(torch::ones({4, 2, 3}, torch::kUInt8) * 255));
  test_util::write_bytes(dir / "y_test.npy", io::npy_bytes(torch::tensor({2, 1, 0, 0}, torch::kInt32)));
}

}  // namespace

TEST(Readers, NpyFolder) {
  test_util::TempDir dir;
  write_npy_folder(fs::path(dir.str()));
  const auto folder = data::load_folder(dir.str());
  EXPECT_EQ(folder.format, "npy");
  EXPECT_FALSE(folder.single_split());
  ASSERT_EQ(folder.train.images.sizes(), (std::vector<int64_t>{6, 2, 3}));
  EXPECT_EQ(folder.train.images.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(folder.train.images[1][0][0].item<float>(), 42.0f / 255.0f);  // uint8 scaled to [0, 1]
  EXPECT_FLOAT_EQ(folder.test.images.max().item<float>(), 1.0f);
  EXPECT_EQ(folder.test.labels.scalar_type(), torch::kInt64);
  EXPECT_EQ(folder.test.labels[0].item<int64_t>(), 2);
  EXPECT_EQ(folder.train.num_classes, 3);
  EXPECT_EQ(folder.train.files.size(), 2u);
  // float32 inputs are taken as given.
  test_util::write_bytes(dir / "x_test.npy", io::npy_bytes(torch::full({4, 2, 3}, 3.5, torch::kFloat)));
  EXPECT_FLOAT_EQ(data::load_folder(dir.str()).test.images.max().item<float>(), 3.5f);
}

TEST(Readers, BrokenNpyFolders) {
  test_util::TempDir dir;
  const auto reset = [&] { write_npy_folder(fs::path(dir.str())); };
  const auto load = [&] { data::load_folder(dir.str()); };
  const auto p = [&](const char* name) { return (dir / name).string(); };
  reset();
  test_util::write_bytes(dir / "y_test.npy", io::npy_bytes(torch::tensor({0, 1, 2}, torch::kInt64)));
  expect_error(load, p("y_test.npy"), "3 labels for 4 inputs in " + p("x_test.npy"));
  reset();
  test_util::write_bytes(dir / "y_test.npy", io::npy_bytes(torch::tensor({0, 1, 3, 0}, torch::kInt64)));
  expect_error(load, p("y_test.npy"), "label 3 of sample 2 is out of range 0..2");
  reset();
  test_util::write_bytes(dir / "y_train.npy", io::npy_bytes(torch::tensor({0, 1, -1, 0, 1, 2}, torch::kInt64)));
  expect_error(load, p("y_train.npy"), "label -1 of sample 2 is out of range");
  reset();
  test_util::write_bytes(dir / "y_train.npy", io::npy_bytes(torch::zeros({6}, torch::kFloat)));
  expect_error(load, p("y_train.npy"), "labels must be integers");
  reset();
  test_util::write_bytes(dir / "x_train.npy", io::npy_bytes(torch::zeros({6, 2, 3}, torch::kInt64)));
  expect_error(load, p("x_train.npy"), "inputs must be uint8 or float32");
  reset();
  test_util::write_bytes(dir / "x_test.npy", io::npy_bytes(torch::zeros({4, 3, 2}, torch::kUInt8)));
  expect_error(load, p("x_test.npy"), "do not match the training inputs");
  reset();
  const auto bytes = io::npy_bytes(torch::zeros({6, 2, 3}, torch::kUInt8));
  test_util::write_bytes(dir / "x_train.npy", bytes.substr(0, bytes.size() - 1));
  expect_error(load, p("x_train.npy"), "truncated");
  reset();
  fs::remove(dir / "y_test.npy");
  expect_error(load, p("y_test.npy"), "no such file");
  // Non-finite inputs are refused at load, at their first index (C order).
  reset();
  auto x = torch::zeros({4, 2, 3}, torch::kFloat);
  x[1][1][2] = NAN;
  x[3][0][0] = INFINITY;
  test_util::write_bytes(dir / "x_test.npy", io::npy_bytes(x));
  expect_error(load, p("x_test.npy"), "nan at index [1, 1, 2]: every value must be finite");
  // An empty test split, and samples without values, are refused before any model sees them.
  reset();
  test_util::write_bytes(dir / "x_test.npy", io::npy_bytes(torch::zeros({0, 2, 3}, torch::kFloat)));
  test_util::write_bytes(dir / "y_test.npy", io::npy_bytes(torch::zeros({0}, torch::kInt64)));
  expect_error(load, p("x_test.npy"), "no test samples");
  reset();
  test_util::write_bytes(dir / "x_train.npy", io::npy_bytes(torch::zeros({6, 0}, torch::kFloat)));
  test_util::write_bytes(dir / "x_test.npy", io::npy_bytes(torch::zeros({4, 0}, torch::kFloat)));
  expect_error(load, p("x_train.npy"), "inputs [6, 0] hold no values per sample");
}
