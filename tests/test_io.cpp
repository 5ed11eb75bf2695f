// io/: files written atomically and the .npy layout.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "awd/io/npy.h"
#include "awd/io/text_file.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace awd;




TEST(Files, AtomicWriteLeavesOnlyTheFinishedFile) {
  test_util::TempDir dir;
  const auto p = (dir / "a.txt").string();
  io::write_atomic(p, "one");
  io::write_atomic(p, "two");
  EXPECT_EQ(test_util::read_bytes(p), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.str()), fs::directory_iterator{}), 1);
  EXPECT_THROW(io::write_atomic((dir / "missing" / "a.txt").string(), "x"), std::runtime_error);
}

TEST(Files, NpyLayout) {
  const auto t = torch::arange(6, torch::kFloat).reshape({2, 3});
  const auto b = io::npy_bytes(t);
  ASSERT_EQ(b.substr(0, 6), "\x93NUMPY");
  const size_t header_len = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  const auto header = b.substr(10, header_len);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(header.find("'shape': (2,3)"), std::string::npos);
  EXPECT_EQ(header.back(), '\n');
  ASSERT_EQ(b.size(), 10 + header_len + 6 * 4);
  float v[6];
  std::memcpy(v, b.data() + 10 + header_len, sizeof v);
  EXPECT_EQ(v[5], 5.0f);
  EXPECT_NE(io::npy_bytes(torch::zeros({4}, torch::kDouble)).find("'shape': (4,)"), std::string::npos);
}

