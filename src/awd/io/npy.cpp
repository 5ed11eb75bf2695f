#include "awd/io/npy.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/io/text_file.h"

namespace awd::io {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

/// The value text of `'key': VALUE` in the header dictionary (up to the
/// closing quote, parenthesis, or the next comma), or "" when absent.
std::string header_value(const std::string& header, const std::string& key) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) return {};
  auto v = header.find(':', at);
  if (v == std::string::npos) return {};
  v = header.find_first_not_of(' ', v + 1);
  if (v == std::string::npos) return {};
  if (header[v] == '\'') {
    const auto end = header.find('\'', v + 1);
    return end == std::string::npos ? std::string() : header.substr(v + 1, end - v - 1);
  }
  if (header[v] == '(') {
    const auto end = header.find(')', v);
    return end == std::string::npos ? std::string() : header.substr(v, end - v + 1);
  }
  return header.substr(v, header.find_first_of(",}", v) - v);
}

/// "(2, 3)" -> {2, 3}; "()" -> {} (a scalar); "(4,)" -> {4}.
std::vector<int64_t> parse_shape(const std::string& path, const std::string& text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') fail(path, "bad .npy header: no shape tuple");
  std::vector<int64_t> shape;
  std::stringstream in(text.substr(1, text.size() - 2));
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    const auto digits = item.substr(b, item.find_last_not_of(' ') - b + 1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 15)
      fail(path, "bad .npy header: shape " + printable(text));
    shape.push_back(std::stoll(digits));
  }
  return shape;
}

/// The dtype of a descr such as '<f4'; big-endian and anything else refused.
torch::ScalarType parse_descr(const std::string& path, const std::string& descr) {
  if (descr.size() >= 2 && descr[0] == '>' && descr != ">u1" && descr != ">i1")
    fail(path, "big-endian data ('" + printable(descr) + "') is not supported; save it little-endian (numpy's default)");
  if (descr == "|u1" || descr == "<u1" || descr == ">u1") return torch::kUInt8;
  if (descr == "<i4") return torch::kInt32;
  if (descr == "<i8") return torch::kInt64;
  if (descr == "<f4") return torch::kFloat32;
  if (descr == "<f8") return torch::kFloat64;
  fail(path, "dtype '" + printable(descr) + "' is not supported (uint8, int32, int64, float32 or float64)");
}

/// The data bytes `shape` takes at `element_size` bytes an element, or
/// SIZE_MAX when the product of its dimensions overflows (no file holds that
/// much). A zero dimension does not excuse the others: LibTorch refuses
/// (0, 10^15, 10^15) too.
size_t shape_bytes(const std::vector<int64_t>& shape, size_t element_size) {
  size_t bytes = element_size;
  bool overflow = false, empty = false;
  for (const int64_t d : shape) {
    empty = empty || d == 0;
    overflow = overflow || (d != 0 && __builtin_mul_overflow(bytes, static_cast<size_t>(d), &bytes));
  }
  return overflow ? SIZE_MAX : empty ? 0 : bytes;
}

}  // namespace

std::string npy_bytes(const torch::Tensor& t_in) {
  const auto t = t_in.detach().cpu().contiguous();
  std::string descr;
  switch (t.scalar_type()) {
    case torch::kFloat32: descr = "<f4"; break;
    case torch::kFloat64: descr = "<f8"; break;
    case torch::kInt64: descr = "<i8"; break;
    case torch::kInt32: descr = "<i4"; break;
    case torch::kUInt8: descr = "|u1"; break;
    case torch::kBool: descr = "|b1"; break;
    default: throw std::invalid_argument("npy: unsupported tensor dtype");
  }
  std::string shape = "(";
  for (int64_t d = 0; d < t.dim(); ++d) shape += std::to_string(t.size(d)) + (t.dim() == 1 || d + 1 < t.dim() ? "," : "");
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + header length (2) + header, padded to 64 bytes, ending in '\n'.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  return out;
}

torch::Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail(path, "not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major != 1 && major != 2) fail(path, ".npy format version " + std::to_string(major) + " is not supported (1.0 or 2.0)");
  // Version 1 stores the header length in 2 bytes, version 2 in 4 (little-endian).
  const size_t len_bytes = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) fail(path, "truncated .npy header");
  size_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i) header_len |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  const size_t data_at = 8 + len_bytes + header_len;
  if (bytes.size() < data_at) fail(path, "truncated .npy header");
  const std::string header = bytes.substr(8 + len_bytes, header_len);
  const auto descr = header_value(header, "descr"), fortran = header_value(header, "fortran_order");
  if (descr.empty() || fortran.empty())
    fail(path, "bad .npy header (no descr or fortran_order): " + printable(header.substr(0, std::min<size_t>(80, header.find('\n')))));
  if (fortran.find("True") != std::string::npos)
    fail(path, "Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
  const auto dtype = parse_descr(path, descr);
  const auto shape = parse_shape(path, header_value(header, "shape"));
  // The file's size confirms the header's shape before anything is
  // allocated: a corrupted dimension would otherwise ask for terabytes.
  const size_t expected = shape_bytes(shape, c10::elementSize(dtype));
  if (bytes.size() - data_at != expected)
    fail(path, (bytes.size() - data_at < expected ? "truncated: " : "size mismatch: ") + std::string("the header's shape ") +
                   header_value(header, "shape") + " needs " +
                   (expected == SIZE_MAX ? std::string("more") : std::to_string(expected)) + " data bytes, the file has " +
                   std::to_string(bytes.size() - data_at));
  auto t = torch::empty(shape, torch::TensorOptions().dtype(dtype));
  if (expected > 0) std::memcpy(t.data_ptr(), bytes.data() + data_at, expected);
  return t;
}

}  // namespace awd::io

namespace awd::io {

std::string numpy_dtype(torch::ScalarType t) {
  switch (t) {
    case torch::kUInt8: return "uint8";
    case torch::kInt32: return "int32";
    case torch::kInt64: return "int64";
    case torch::kFloat32: return "float32";
    case torch::kFloat64: return "float64";
    default: return c10::toString(t);
  }
}

std::string first_non_finite(const torch::Tensor& t) {
  if (!t.defined() || !t.is_floating_point() || t.numel() == 0) return {};
  const auto bad = torch::logical_not(torch::isfinite(t)).reshape({-1}).nonzero();
  if (bad.numel() == 0) return {};
  int64_t flat = bad[0][0].item<int64_t>();
  const double value = t.reshape({-1})[flat].item<double>();
  std::vector<int64_t> index(t.dim());
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    index[d] = flat % t.size(d);
    flat /= t.size(d);
  }
  std::string at = "[";
  for (size_t d = 0; d < index.size(); ++d) at += (d ? ", " : "") + std::to_string(index[d]);
  return std::string(std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf") + " at index " + at + "]";
}

void require_finite(const std::string& path, const torch::Tensor& t) {
  const auto where = first_non_finite(t);
  if (!where.empty()) fail(path, where + ": every value must be finite");
}

}  // namespace awd::io
