// Files written atomically, and tensors in numpy's .npy format.
#pragma once
#include <torch/types.h>

#include <string>

// write_atomic and read_text, torch-free, for the files that need only them.
#include "awd/io/text_file.h"

namespace awd::io {

/// The bytes of a .npy file (format 1.0, little-endian, C order) holding `t`.
std::string npy_bytes(const torch::Tensor& t);

}  // namespace awd::io
