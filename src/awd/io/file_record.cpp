#include "awd/io/file_record.h"

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace awd::io {

FileRecord record_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open file");
  FileRecord rec{path, 0, 0};
  uLong crc = crc32(0L, Z_NULL, 0);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = in.gcount();
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buf.data()), static_cast<uInt>(got));
    rec.bytes += got;
  }
  if (in.bad()) throw std::runtime_error(path + ": read error");
  rec.crc32 = static_cast<uint32_t>(crc);
  return rec;
}

std::string crc32_hex(uint32_t crc) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", crc);
  return hex;
}

}  // namespace awd::io
