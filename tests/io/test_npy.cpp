// io/npy: the .npy layout, format versions, and broken files named with the problem.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "awd/io/npy.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace awd;

namespace {

/// A .npy file of format 1.0 with this header dictionary (unpadded) and data.
std::string npy_v1(const std::string& dict, const std::string& data) {
  const std::string header = dict + "\n";
  return std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xff) + char(header.size() >> 8) + header + data;
}

/// Expects read_npy(path) to fail with one line naming the file and saying `what`.
void expect_npy_error(const fs::path& path, const std::string& what) {
  try {
    io::read_npy(path.string());
    ADD_FAILURE() << "no error for " << path << " (expected: " << what << ")";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path.string() + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace

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


TEST(Files, NpyReadsBackWhatItWrites) {
  test_util::TempDir dir;
  const std::vector<torch::Tensor> tensors = {
      torch::arange(24, torch::kDouble).reshape({2, 3, 4}) / 7, torch::arange(6, torch::kFloat).reshape({3, 2}),
      torch::arange(5, torch::kInt64) - 2, torch::arange(4, torch::kInt32), torch::arange(200, torch::kInt64).to(torch::kUInt8),
      torch::zeros({0, 3}, torch::kFloat)};
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto p = dir / ("t" + std::to_string(i) + ".npy");
    test_util::write_bytes(p, io::npy_bytes(tensors[i]));
    const auto back = io::read_npy(p.string());
    EXPECT_EQ(back.scalar_type(), tensors[i].scalar_type()) << i;
    EXPECT_EQ(back.sizes(), tensors[i].sizes()) << i;
    EXPECT_TRUE(back.equal(tensors[i])) << i;
  }
}

TEST(Files, NpyReadsFormat2AndSpacedHeaders) {
  test_util::TempDir dir;
  // numpy writes "(3, 2)" with spaces, and format 2.0 with a 4-byte header length.
  const std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }\n";
  std::string data(6 * 8, '\0');
  const double v = 2.5;
  std::memcpy(&data[5 * 8], &v, 8);
  std::string bytes("\x93NUMPY\x02\x00", 8);
  for (int i = 0; i < 4; ++i) bytes += char((header.size() >> (8 * i)) & 0xff);
  test_util::write_bytes(dir / "v2.npy", bytes + header + data);
  const auto t = io::read_npy((dir / "v2.npy").string());
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(t[2][1].item<double>(), 2.5);
}

TEST(Files, NpyBrokenFilesSayWhatIsWrong) {
  test_util::TempDir dir;
  const std::string four_floats(16, '\0');
  const auto good = npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four_floats);
  test_util::write_bytes(dir / "truncated.npy", good.substr(0, good.size() - 3));
  expect_npy_error(dir / "truncated.npy", "truncated");
  test_util::write_bytes(dir / "fortran.npy", npy_v1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four_floats));
  expect_npy_error(dir / "fortran.npy", "Fortran");
  test_util::write_bytes(dir / "big.npy", npy_v1("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", four_floats));
  expect_npy_error(dir / "big.npy", "big-endian");
  test_util::write_bytes(dir / "dtype.npy", npy_v1("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", four_floats));
  expect_npy_error(dir / "dtype.npy", "dtype '<c8' is not supported");
  test_util::write_bytes(dir / "magic.npy", "PK\x03\x04 not a numpy file at all");
  expect_npy_error(dir / "magic.npy", "not a .npy file");
  test_util::write_bytes(dir / "header.npy", npy_v1("{'shape': (4,), }", four_floats));
  expect_npy_error(dir / "header.npy", "bad .npy header");
  test_util::write_bytes(dir / "shape.npy", npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (two,), }", four_floats));
  expect_npy_error(dir / "shape.npy", "bad .npy header: shape");
  test_util::write_bytes(dir / "longheader.npy", std::string("\x93NUMPY\x01\x00\xff\x7f{'descr'", 18));
  expect_npy_error(dir / "longheader.npy", "truncated .npy header");
  test_util::write_bytes(dir / "version.npy", std::string("\x93NUMPY\x03\x00\x10\x00\x00\x00", 12));
  expect_npy_error(dir / "version.npy", "version 3");
  expect_npy_error(dir / "missing.npy", "cannot open");
}
