// Whole files in and out, written atomically. Torch-free, so that the report
// and the run-status readers need no LibTorch.
#pragma once
#include <string>

namespace awd::io {

/// Writes `content` to a temporary file beside `path` and renames it over
/// `path`, so a reader (or an interrupted run) never sees half a file.
/// Throws std::runtime_error naming the path on failure.
void write_atomic(const std::string& path, const std::string& content);

/// Reads a whole file; throws std::runtime_error naming it if it cannot.
std::string read_text(const std::string& path);

}  // namespace awd::io
