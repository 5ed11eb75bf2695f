// The torch-free test helpers (see test_util.h): the data the tests read,
// temporary folders, whole files, and run directories written by hand the way
// awd writes them.
#pragma once
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>

#include "awd/config.h"
#include "awd/io/text_file.h"

namespace test_util {


/// A fresh folder, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/awd-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// The image data the tests read, decided here alone for every C++ test
/// (tests/lib.sh test_data is the same rule for the shell tests):
///  - AWD_DATA when set, else the repository's ../shared/data when it exists:
///    its mnist/ (the MNIST test split, IDX) and cifar10/ (CIFAR-10 binary
///    batches), each where present; the paper's numbers are about these;
///  - otherwise, for MNIST, the test split alone of the Fashion-MNIST that
///    scripts/setup-deps.sh installs (the folder `awd run` reads with no
///    --data): 10000 images 28x28 of 10 classes in one split, as the MNIST
///    test split; for CIFAR-10, small batches written here (write_tiny_cifar).
/// A user's clone has no ../shared, so every test runs on the fallback too,
/// and keeps only its data-specific assertions for the real data.
struct TestData {
  std::string mnist;  ///< a folder of IDX files holding one split: both sets are drawn from it
  std::string cifar;  ///< a folder of CIFAR-10 binary batches: data_batch_1.bin and test_batch.bin
  bool real_mnist = false;  ///< the MNIST test split itself
  bool real_cifar = false;  ///< CIFAR-10 itself
};

/// The synthetic CIFAR-10-format batch `file`: `n` records of 1 label byte and
/// 3072 pixel bytes, labels cycling through 0..9. Each class is a striped
/// pattern of its own orientation and frequency plus pseudo-random noise, so a
/// network can learn it and the classes overlap a little. The byte formula is
/// that of lib.sh's tiny_cifar, so shell and C++ tests read the same files.
inline void write_tiny_cifar_batch(const std::filesystem::path& file, uint32_t stream, int64_t n) {
  static const int a[10] = {1, 0, 1, 2, 1, 3, 2, 1, 0, 3}, b[10] = {0, 1, 1, 1, 2, 1, 3, 3, 2, 2};
  std::string bytes;
  bytes.reserve(size_t(n) * 3073);
  for (int64_t k = 0; k < n; ++k) {
    const int c = int(k % 10);
    bytes += char(c);
    for (uint32_t p = 0; p < 3072; ++p) {
      const uint32_t ch = p / 1024, i = (p % 1024) / 32, j = p % 32;
      const int stripe = int((a[c] * i + b[c] * j + 4 * ch) / 4 % 2) * 96 - 48;
      const uint32_t h = (stream * 1000003u + uint32_t(k) * 3072u + p) * 2654435761u;
      const int noise = int(h >> 24) * 80 / 256 - 40;
      bytes += char(uint8_t(128 + stripe + noise));
    }
  }
  std::ofstream(file, std::ios::binary) << bytes;
}

/// A CIFAR-10-format folder in `dir`: 50 training and 20 test images per class.
inline void write_tiny_cifar(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  write_tiny_cifar_batch(dir / "data_batch_1.bin", 1, 500);
  write_tiny_cifar_batch(dir / "test_batch.bin", 2, 200);
}

/// The data of this process (see TestData), resolved at the first call, which
/// prints what it chose (ctest -V shows it).
inline const TestData& test_data() {
  namespace fs = std::filesystem;
  static const TempDir fallback_root;  // removed when the process ends
  static const TestData data = [] {
    TestData d;
    const char* env = std::getenv("AWD_DATA");
    const bool from_env = env != nullptr && *env != '\0';
    const fs::path root = fs::absolute(from_env ? fs::path(env) : fs::path(AWD_SHARED_DATA)).lexically_normal();
    if (from_env && !fs::is_directory(root)) {
      // A mistyped AWD_DATA must not pass silently on the fallback: the tests fail naming it.
      std::cout << "test data: AWD_DATA=" << root.string() << " is not a folder" << std::endl;
      return TestData{(root / "mnist").string(), (root / "cifar10").string(), true, true};
    }
    std::string note;
    if (fs::is_directory(root / "mnist")) {
      d.mnist = (root / "mnist").string();
      d.real_mnist = true;
      note += "MNIST test split from " + d.mnist;
    } else {
      // The Fashion-MNIST test split alone, through links: one split like the MNIST test split.
      const fs::path fashion = awd::DataConfig{}.path;
      const fs::path view = fallback_root / "fashion-mnist-t10k";
      fs::create_directories(view);
      std::error_code ec;
      for (const char* f : {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
        fs::create_symlink(fashion / f, view / f, ec);
      d.mnist = view.string();
      note += fs::exists(fashion / "t10k-images-idx3-ubyte.gz")
                  ? "Fashion-MNIST test split from " + fashion.string() + " (no real MNIST: AWD_DATA or " + root.string() + "/mnist)"
                  : "NO DATA: neither MNIST (AWD_DATA, " + root.string() + "/mnist) nor Fashion-MNIST (" + fashion.string() +
                        "; apt-get install dataset-fashion-mnist)";
    }
    if (fs::is_directory(root / "cifar10")) {
      d.cifar = (root / "cifar10").string();
      d.real_cifar = true;
      note += "; CIFAR-10 from " + d.cifar;
    } else {
      d.cifar = (fallback_root / "tiny-cifar10").string();
      write_tiny_cifar(d.cifar);
      note += "; no CIFAR-10, generated CIFAR-format batches (500 + 200 images)";
    }
    std::cout << "test data: " << note << std::endl;
    return d;
  }();
  return data;
}

/// A folder of MNIST-format IDX files: the real MNIST test split or the fallback (test_data).
inline std::string mnist_dir() { return test_data().mnist; }
/// A folder of CIFAR-10 binary batches: CIFAR-10 itself or generated ones (test_data).
inline std::string cifar_dir() { return test_data().cifar; }

/// The reason a test skips its part about the real data set when it runs on a fallback.
inline std::string needs_real(const char* what) {
  return std::string("this part needs the real ") + what + " (../shared/data or AWD_DATA); ran on the fallback: " +
         (std::string(what) == "MNIST" ? mnist_dir() : cifar_dir());
}

/// Writes `bytes` as the whole file at `path`.
inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The message of the exception of type E that `f` throws, or "" when it throws none.
template <class E = std::exception, class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

/// Whether gnuplot is on PATH (figure tests skip without it).
inline bool have_gnuplot() { return std::system("gnuplot --version > /dev/null 2>&1") == 0; }

/// A finished solution in `dir`, written the way an awd before run ids wrote
/// it (config.json and the summary carry none): analysis/summary.json holding `summary_json`,
/// analysis/directions.csv with the analysis' header and the rows
/// `directions`, and noise.csv when `noise` is not empty.
inline void write_solution(const std::string& dir, const std::string& summary_json, const std::string& directions,
                           const std::string& noise = "") {
  std::filesystem::create_directories(dir + "/analysis");
  if (!std::filesystem::exists(dir + "/config.json")) awd::io::write_atomic(dir + "/config.json", "{}");
  awd::io::write_atomic(dir + "/analysis/summary.json", summary_json);
  awd::io::write_atomic(dir + "/analysis/directions.csv",
                        "rank,basis_index,lambda,sigma_g,sigma_w,mu_g,mu_w,c,dL_i,S_w,S_L\n" + directions);
  if (!noise.empty()) awd::io::write_atomic(dir + "/noise.csv", noise);
}

/// A run whose training diverged: only its training.json, recording so.
inline void write_diverged_run(const std::string& dir) {
  std::filesystem::create_directories(dir);
  awd::io::write_atomic(dir + "/config.json", "{}");
  awd::io::write_atomic(dir + "/training.json", R"({"stop_reason": "diverged"})");
}

}  // namespace test_util
