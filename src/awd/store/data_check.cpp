#include "awd/store/data_check.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "awd/io/text_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {
namespace {

std::string config_path_of(const std::string& run_dir) { return (fs::path(run_dir) / "config.json").string(); }

/// The path as config.json records it.
std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

}  // namespace

std::vector<io::FileRecord> recorded_data_files(const std::string& run_dir) {
  const auto path = config_path_of(run_dir);
  std::vector<io::FileRecord> out;
  try {
    const auto j = json::parse(io::read_text(path));
    if (!j.contains("data_files")) return out;
    for (const auto& f : j.at("data_files")) {
      const auto crc = f.at("crc32").get<std::string>();
      size_t used = 0;
      const auto value = std::stoul(crc, &used, 16);
      if (used != crc.size() || crc.size() > 8) throw std::invalid_argument(crc);
      out.push_back({f.at("path").get<std::string>(), f.at("bytes").get<int64_t>(), static_cast<uint32_t>(value)});
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": unreadable data_files record (" + std::string(e.what()) + ")");
  } catch (const std::logic_error&) {
    throw std::runtime_error(path + ": a data_files crc32 is not 8 hex digits");
  }
  return out;
}

void DataFileCheck::know(const std::vector<io::FileRecord>& files) {
  for (const auto& f : files) now_[absolute(f.path)] = f;
}

io::FileRecord DataFileCheck::current(const std::string& path, const std::string& config_path) {
  const auto it = now_.find(path);
  if (it != now_.end()) return it->second;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw std::runtime_error(path + ": data file recorded in " + config_path + " is missing");
  return now_[path] = io::record_file(path);
}

void DataFileCheck::verify(const std::string& run_dir) {
  const auto config_path = config_path_of(run_dir);
  for (const auto& was : recorded_data_files(run_dir)) {
    const auto is = current(was.path, config_path);
    if (is.bytes != was.bytes || is.crc32 != was.crc32)
      throw std::runtime_error(was.path + ": changed since the run was trained (now " + std::to_string(is.bytes) +
                               " bytes, CRC-32 " + io::crc32_hex(is.crc32) + "; " + config_path + " records " +
                               std::to_string(was.bytes) + " bytes, CRC-32 " + io::crc32_hex(was.crc32) + ")");
  }
}

void require_recorded(const std::string& run_dir, const std::vector<io::FileRecord>& read) {
  const auto recorded = recorded_data_files(run_dir);
  if (recorded.empty()) return;  // nothing recorded to hold the data against
  for (const auto& f : read) {
    const auto path = absolute(f.path);
    const bool known = std::any_of(recorded.begin(), recorded.end(),
                                   [&](const io::FileRecord& r) { return r.path == path; });
    if (!known)
      throw std::runtime_error(path + ": read as the run's data now, but " + config_path_of(run_dir) +
                               " does not record it (the data folder changed)");
  }
}

}  // namespace awd::store
