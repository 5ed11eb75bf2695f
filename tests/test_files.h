// The torch-free test helpers (see test_util.h): temporary folders, whole
// files, and run directories written by hand the way awd writes them.
#pragma once
#include <stdlib.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include "awd/io/text_file.h"

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
