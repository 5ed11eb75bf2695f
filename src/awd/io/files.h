// Files written atomically, and tensors in numpy's .npy format.
#pragma once
#include <torch/types.h>

#include <string>

namespace awd::io {

/// Writes `content` to a temporary file beside `path` and renames it over
/// `path`, so a reader (or an interrupted run) never sees half a file.
/// Throws std::runtime_error naming the path on failure.
void write_atomic(const std::string& path, const std::string& content);

/// The bytes of a .npy file (format 1.0, little-endian, C order) holding `t`.
std::string npy_bytes(const torch::Tensor& t);

/// Reads a whole file; throws std::runtime_error naming it if it cannot.
std::string read_text(const std::string& path);

}  // namespace awd::io
