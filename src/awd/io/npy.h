// Tensors in numpy's .npy format.
#pragma once
#include <torch/types.h>

#include <string>

namespace awd::io {

/// The bytes of a .npy file (format 1.0, little-endian, C order) holding `t`.
std::string npy_bytes(const torch::Tensor& t);

/// Reads a .npy file (format 1.0 or 2.0, little-endian or byte-order-free,
/// C order) of dtype uint8, int32, int64, float32 or float64 into a tensor of
/// the same dtype and shape. Throws std::runtime_error, one line starting with
/// `path`, on a missing or unreadable file, a bad magic or header, Fortran
/// order, big-endian or another dtype, and a data size that does not match
/// the header's shape (a truncated file).
torch::Tensor read_npy(const std::string& path);

/// numpy's name of a dtype read_npy returns ("uint8", "int32", "int64",
/// "float32", "float64"; LibTorch's name for any other).
std::string numpy_dtype(torch::ScalarType t);

/// The index of the first NaN or infinite value of `t` in C order, written
/// "[i, j]", with the value ("nan", "inf", "-inf"), or "" when every value is
/// finite (integer tensors always are).
std::string first_non_finite(const torch::Tensor& t);

/// Throws std::runtime_error "PATH: nan at index [i, j]: every value must be
/// finite" for the first NaN or infinite value of `t` (read from `path`).
void require_finite(const std::string& path, const torch::Tensor& t);

}  // namespace awd::io
