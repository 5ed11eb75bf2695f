// Tensors in numpy's .npy format.
#pragma once
#include <torch/types.h>

#include <string>

namespace awd::io {

/// The bytes of a .npy file (format 1.0, little-endian, C order) holding `t`.
std::string npy_bytes(const torch::Tensor& t);

}  // namespace awd::io
