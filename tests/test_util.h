// Helpers shared by the tests.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "awd/config.h"

namespace test_util {

inline std::string mnist_dir() { return std::string(AWD_SHARED_DATA) + "/mnist"; }
inline std::string cifar_dir() { return std::string(AWD_SHARED_DATA) + "/cifar10"; }

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

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A small MNIST run that trains in well under a second.
inline awd::RunConfig small_mnist_config(int64_t per_class = 20, int64_t n_test = 100) {
  awd::RunConfig cfg;
  cfg.data.path = mnist_dir();
  cfg.data.per_class = per_class;
  cfg.data.n_test = n_test;
  return cfg;
}

}  // namespace test_util
