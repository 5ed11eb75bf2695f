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

}  // namespace awd::io
