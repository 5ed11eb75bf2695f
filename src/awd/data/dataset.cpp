#include "awd/data/dataset.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <regex>
#include <stdexcept>

#include "awd/io/npy.h"

namespace fs = std::filesystem;

namespace awd::data {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

/// Reads a whole file, decompressing gzip transparently (zlib passes raw files through).
std::vector<uint8_t> read_all(const std::string& path) {
  if (!fs::is_regular_file(path)) fail(path, "no such file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) fail(path, "cannot open file");
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    const int got = gzread(f.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(f.get(), &err);
      fail(path, std::string("corrupt compressed data (") + (msg ? msg : "unknown") + ")");
    }
    if (got == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + got);
  }
  // A truncated gzip stream ends without error from gzread; gzerror reports it.
  int err = 0;
  gzerror(f.get(), &err);
  if (err != Z_OK && err != Z_STREAM_END) fail(path, "corrupt or truncated compressed data");
  return out;
}

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) |
         uint32_t(b[at + 3]);
}

}  // namespace

Dataset read_idx(const std::string& images_path, const std::string& labels_path,
                 int64_t num_classes) {
  const auto img = read_all(images_path);
  if (img.size() < 16) fail(images_path, "truncated IDX header");
  if (be32(img, 0) != 0x803)
    fail(images_path, "not an IDX image file (magic " + std::to_string(be32(img, 0)) +
                          ", expected 2051)");
  const int64_t n = be32(img, 4), rows = be32(img, 8), cols = be32(img, 12);
  if (rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096) fail(images_path, "implausible image size");
  const int64_t expected = 16 + n * rows * cols;
  // Longer is as wrong as shorter: a corrupted row or column count over intact
  // pixels would otherwise read garbled images.
  if (static_cast<int64_t>(img.size()) != expected)
    fail(images_path, std::string(static_cast<int64_t>(img.size()) < expected ? "truncated" : "longer than its header") +
                          ": header promises " + std::to_string(n) + " images of " + std::to_string(rows) + "x" +
                          std::to_string(cols) + " (" + std::to_string(expected) + " bytes), file has " +
                          std::to_string(img.size()));

  const auto lab = read_all(labels_path);
  if (lab.size() < 8) fail(labels_path, "truncated IDX header");
  if (be32(lab, 0) != 0x801)
    fail(labels_path, "not an IDX label file (magic " + std::to_string(be32(lab, 0)) +
                          ", expected 2049)");
  const int64_t nl = be32(lab, 4);
  if (static_cast<int64_t>(lab.size()) != 8 + nl)
    fail(labels_path, std::string(static_cast<int64_t>(lab.size()) < 8 + nl ? "truncated" : "longer than its header") +
                          ": header promises " + std::to_string(nl) + " labels, file has " +
                          std::to_string(lab.size() - 8));
  if (nl != n)
    fail(labels_path, std::to_string(nl) + " labels for " + std::to_string(n) + " images in " +
                          images_path);

  Dataset ds;
  ds.num_classes = num_classes;
  ds.images = torch::from_blob(const_cast<uint8_t*>(img.data()) + 16, {n, 1, rows, cols}, torch::kUInt8)
                  .to(torch::kFloat32)
                  .div_(255.0);
  ds.labels = torch::from_blob(const_cast<uint8_t*>(lab.data()) + 8, {n}, torch::kUInt8).to(torch::kInt64);
  for (int64_t i = 0; i < n; ++i)
    if (lab[8 + i] >= num_classes)
      fail(labels_path, "label " + std::to_string(lab[8 + i]) + " of sample " + std::to_string(i) +
                            " is out of range 0.." + std::to_string(num_classes - 1));
  ds.files = {record_file(images_path), record_file(labels_path)};
  return ds;
}

Dataset read_cifar10(const std::vector<std::string>& batch_paths) {
  constexpr int64_t kRecord = 1 + 3 * 32 * 32;
  std::vector<torch::Tensor> images, labels;
  Dataset ds;
  for (const auto& path : batch_paths) {
    const auto bytes = read_all(path);
    if (bytes.empty()) fail(path, "empty CIFAR-10 batch");
    if (bytes.size() % kRecord != 0)
      fail(path, "truncated or not a CIFAR-10 binary batch (" + std::to_string(bytes.size()) +
                     " bytes is not a multiple of the 3073-byte record)");
    const int64_t n = static_cast<int64_t>(bytes.size()) / kRecord;
    auto raw = torch::from_blob(const_cast<uint8_t*>(bytes.data()), {n, kRecord}, torch::kUInt8);
    auto lab = raw.select(1, 0).to(torch::kInt64);
    const int64_t max_label = lab.max().item<int64_t>();
    if (max_label >= 10) {
      const int64_t at = (lab >= 10).nonzero()[0][0].item<int64_t>();
      fail(path, "label " + std::to_string(max_label) + " of record " + std::to_string(at) +
                     " is out of range 0..9");
    }
    images.push_back(raw.slice(1, 1).reshape({n, 3, 32, 32}).to(torch::kFloat32).div_(255.0));
    labels.push_back(lab);
    ds.files.push_back(record_file(path));
  }
  ds.images = torch::cat(images);
  ds.labels = torch::cat(labels);
  ds.num_classes = 10;
  return ds;
}

namespace {

/// More classes than any labelled data set has (ImageNet-21k: ~21,000).
constexpr int64_t kMaxNpyClasses = int64_t(1) << 20;

/// The inputs of one split: uint8 scaled to [0, 1], float32 as given.
torch::Tensor npy_inputs(const std::string& path) {
  const auto x = io::read_npy(path);
  if (x.dim() < 2) fail(path, "inputs must be [N, ...] with at least 2 dimensions, not " + std::to_string(x.dim()));
  if (x.scalar_type() == torch::kUInt8) return x.to(torch::kFloat32).div_(255.0);
  if (x.scalar_type() != torch::kFloat32)
    fail(path, "inputs must be uint8 or float32, not " + io::numpy_dtype(x.scalar_type()));
  io::require_finite(path, x);
  return x;
}

/// The labels of one split, int64 [N] for the N inputs of `x_path`.
torch::Tensor npy_labels(const std::string& path, int64_t n, const std::string& x_path) {
  const auto y = io::read_npy(path);
  if (!c10::isIntegralType(y.scalar_type(), false))
    fail(path, "labels must be integers (uint8, int32, int64), not " + io::numpy_dtype(y.scalar_type()));
  if (y.dim() != 1) fail(path, "labels must be one-dimensional [N], not " + std::to_string(y.dim()) + "-dimensional");
  if (y.size(0) != n)
    fail(path, std::to_string(y.size(0)) + " labels for " + std::to_string(n) + " inputs in " + x_path);
  return y.to(torch::kInt64);
}

/// The first label outside 0..num_classes-1, named with its sample.
void check_label_range(const std::string& path, const torch::Tensor& y, int64_t num_classes, const std::string& why) {
  const auto out = ((y < 0) | (y >= num_classes)).nonzero();
  if (out.numel() == 0) return;
  const int64_t at = out[0][0].item<int64_t>();
  fail(path, "label " + std::to_string(y[at].item<int64_t>()) + " of sample " + std::to_string(at) +
                 " is out of range 0.." + std::to_string(num_classes - 1) + why);
}

}  // namespace

DataFolder read_npy_folder(const std::string& dir) {
  const auto file = [&](const char* name) {
    const auto p = (fs::path(dir) / name).string();
    if (!fs::is_regular_file(p)) fail(p, "no such file (a .npy data folder needs x_train, y_train, x_test, y_test)");
    return p;
  };
  const auto xtr = file("x_train.npy"), ytr = file("y_train.npy"), xte = file("x_test.npy"), yte = file("y_test.npy");
  DataFolder folder;
  folder.format = "npy";
  folder.train.images = npy_inputs(xtr);
  folder.test.images = npy_inputs(xte);
  if (folder.train.images.sizes().slice(1) != folder.test.images.sizes().slice(1))
    fail(xte, "test inputs " + c10::str(folder.test.images.sizes()) + " do not match the training inputs " +
                  c10::str(folder.train.images.sizes()) + " of " + xtr);
  if (folder.train.images.size(0) == 0) fail(xtr, "no training samples");
  if (folder.test.images.size(0) == 0) fail(xte, "no test samples");
  if (folder.train.images[0].numel() == 0)
    fail(xtr, "inputs " + c10::str(folder.train.images.sizes()) + " hold no values per sample");
  folder.train.labels = npy_labels(ytr, folder.train.images.size(0), xtr);
  folder.test.labels = npy_labels(yte, folder.test.images.size(0), xte);
  // The classes are those the training labels name: 0 .. the largest (at
  // least class 0, so that a negative label is refused as out of range). A
  // network has an output per class, so a label of 2^63 - 1 (whose + 1
  // overflowed) or of 10^15 is a corrupted file, not a class count.
  const int64_t max_label = folder.train.labels.max().item<int64_t>();
  if (max_label >= kMaxNpyClasses)
    fail(ytr, "label " + std::to_string(max_label) + " is not a class index (at most " +
                  std::to_string(kMaxNpyClasses) + " classes)");
  const int64_t classes = std::max<int64_t>(max_label, 0) + 1;
  check_label_range(ytr, folder.train.labels, classes, "");
  check_label_range(yte, folder.test.labels, classes, " (the classes of " + ytr + ")");
  folder.train.num_classes = folder.test.num_classes = classes;
  folder.train.files = {record_file(xtr), record_file(ytr)};
  folder.test.files = {record_file(xte), record_file(yte)};
  return folder;
}

DataFolder load_folder(const std::string& dir) {
  if (!fs::exists(dir)) throw std::runtime_error(dir + ": data folder does not exist");
  if (!fs::is_directory(dir)) throw std::runtime_error(dir + ": not a folder");
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  if (ec) throw std::runtime_error(dir + ": cannot read folder (" + ec.message() + ")");
  std::sort(names.begin(), names.end());

  auto find = [&](const std::regex& re) -> std::string {
    for (const auto& n : names)
      if (std::regex_match(n, re)) return (fs::path(dir) / n).string();
    return {};
  };
  // .npy files: any labelled data (any shape, uint8 or float32 inputs).
  if (find(std::regex(R"((x|y)_(train|test)\.npy)")) != "") return read_npy_folder(dir);
  DataFolder folder;
  // MNIST-style IDX: train-images-idx3-ubyte[.gz], t10k-labels.idx1-ubyte, ...
  const std::regex tr_img(R"((train)-images[-.]idx3-ubyte(\.gz)?)");
  const std::regex tr_lab(R"((train)-labels[-.]idx1-ubyte(\.gz)?)");
  const std::regex te_img(R"((t10k|test)-images[-.]idx3-ubyte(\.gz)?)");
  const std::regex te_lab(R"((t10k|test)-labels[-.]idx1-ubyte(\.gz)?)");
  const auto ti = find(tr_img), tl = find(tr_lab), si = find(te_img), sl = find(te_lab);
  if (!ti.empty() || !si.empty()) {
    folder.format = "idx";
    if (!ti.empty() != !tl.empty())
      throw std::runtime_error(dir + ": training images and labels must come as a pair");
    if (!si.empty() != !sl.empty())
      throw std::runtime_error(dir + ": test images and labels must come as a pair");
    if (!ti.empty()) folder.train = read_idx(ti, tl);
    if (!si.empty()) folder.test = read_idx(si, sl);
    else std::swap(folder.train, folder.test);  // a lone split is the one both sets come from
    if (!folder.single_split() && folder.train.images.sizes().slice(1) != folder.test.images.sizes().slice(1))
      fail(si, "test images of " + std::to_string(folder.test.images.size(2)) + "x" +
                   std::to_string(folder.test.images.size(3)) + " do not match the training images of " +
                   std::to_string(folder.train.images.size(2)) + "x" + std::to_string(folder.train.images.size(3)) +
                   " in " + ti);
    return folder;
  }
  std::vector<std::string> batches;
  for (const auto& n : names)
    if (std::regex_match(n, std::regex(R"(data_batch_\d+\.bin)"))) batches.push_back((fs::path(dir) / n).string());
  const auto test_batch = find(std::regex("test_batch\\.bin"));
  if (!batches.empty() || !test_batch.empty()) {
    folder.format = "cifar10";
    if (!batches.empty()) folder.train = read_cifar10(batches);
    if (!test_batch.empty()) folder.test = read_cifar10({test_batch});
    else std::swap(folder.train, folder.test);
    return folder;
  }
  throw std::runtime_error(dir + ": no data found (expected MNIST-format IDX files such as "
                           "train-images-idx3-ubyte.gz, CIFAR-10 data_batch_*.bin/test_batch.bin, or "
                           "x_train.npy, y_train.npy, x_test.npy, y_test.npy)");
}

}  // namespace awd::data
