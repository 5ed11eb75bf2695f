// What a run records about a file it read (data, initial weights, a model):
// its path, size and CRC-32, so that a later command can tell whether the
// file is still the one the run used. Torch-free.
#pragma once
#include <cstdint>
#include <string>

namespace awd::io {

struct FileRecord {
  std::string path;
  int64_t bytes = 0;
  uint32_t crc32 = 0;  ///< of the file as stored (compressed if .gz)
};

/// The path, size and CRC-32 of the file at `path`; std::runtime_error naming it when unreadable.
FileRecord record_file(const std::string& path);

/// The CRC as config.json writes it: 8 lowercase hex digits.
std::string crc32_hex(uint32_t crc);

}  // namespace awd::io
