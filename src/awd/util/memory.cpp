#include "awd/util/memory.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace awd::util {

int64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t kib = 0;
    if (fields >> key >> kib && key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

int64_t parse_bytes(const std::string& text) {
  size_t used = 0;
  double value = NAN;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  std::string unit;
  for (char ch : text.substr(used)) unit += char(std::toupper(static_cast<unsigned char>(ch)));
  if (unit.size() > 1 && (unit.substr(1) == "B" || unit.substr(1) == "IB")) unit = unit.substr(0, 1);
  const std::string units = "KMGT";
  const bool bare = unit.empty() || unit == "B";
  const size_t at = bare || unit.size() != 1 ? std::string::npos : units.find(unit);
  if (!(value > 0) || !std::isfinite(value) || (!bare && at == std::string::npos))
    throw std::invalid_argument("'" + text + "' is not a size (bytes, or a number with K, M, G or T: 8G)");
  return static_cast<int64_t>(value * std::pow(1024.0, bare ? 0.0 : double(at + 1)));
}

int64_t default_memory_limit() { return static_cast<int64_t>(0.9 * double(available_memory_bytes())); }

std::string format_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.0f MB", bytes / 1e6);
  return buf;
}

}  // namespace awd::util
