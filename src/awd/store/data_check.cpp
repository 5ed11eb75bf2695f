#include "awd/store/data_check.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "awd/io/text_file.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {
namespace {

/// The path as the records hold it.
std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

/// A record {path, bytes, crc32}; the CRC as 8 hex digits, or as the number
/// the import routes of earlier awd versions wrote (--model, --features).
io::FileRecord file_from_json(const json& f) {
  const auto& c = f.at("crc32");
  uint32_t value = 0;
  if (c.is_number_unsigned()) {
    if (c.get<uint64_t>() > 0xffffffffu) throw std::invalid_argument(c.dump());
    value = static_cast<uint32_t>(c.get<uint64_t>());
  } else {
    const auto crc = c.get<std::string>();
    size_t used = 0;
    const auto parsed = std::stoul(crc, &used, 16);
    if (used != crc.size() || crc.size() > 8) throw std::invalid_argument(crc);
    value = static_cast<uint32_t>(parsed);
  }
  return {absolute(f.at("path").get<std::string>()), f.at("bytes").get<int64_t>(), value};
}

/// What an imported analysis' summary.json records of the files it read:
/// config.model, config.data.files, config.features.files.
std::vector<io::FileRecord> imported_files(const json& config) {
  std::vector<io::FileRecord> out;
  if (config.contains("model")) out.push_back(file_from_json(config.at("model")));
  for (const char* section : {"data", "features"})
    if (config.contains(section) && config.at(section).contains("files"))
      for (const auto& f : config.at(section).at("files")) out.push_back(file_from_json(f));
  return out;
}

}  // namespace

json file_json(const io::FileRecord& file) {
  return {{"path", absolute(file.path)}, {"bytes", file.bytes}, {"crc32", io::crc32_hex(file.crc32)}};
}

json files_json(const std::vector<io::FileRecord>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back(file_json(f));
  return out;
}

std::vector<io::FileRecord> files_from_json(const json& j, const std::string& key, const std::string& path) {
  std::vector<io::FileRecord> out;
  try {
    if (!j.contains(key)) return out;
    for (const auto& f : j.at(key)) out.push_back(file_from_json(f));
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": unreadable " + key + " record (" + std::string(e.what()) + ")");
  } catch (const std::logic_error&) {
    throw std::runtime_error(path + ": a " + key + " crc32 is not 8 hex digits");
  }
  return out;
}

std::vector<io::FileRecord> recorded_files(const std::string& path, const std::string& key) {
  json j;
  try {
    j = json::parse(io::read_text(path));
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": unreadable " + key + " record (" + std::string(e.what()) + ")");
  }
  return files_from_json(j, key, path);
}

std::vector<io::FileRecord> recorded_data_files(const std::string& run_dir) {
  return recorded_files(config_file(run_dir), "data_files");
}

void DataFileCheck::know(const std::vector<io::FileRecord>& files) {
  for (const auto& f : files) now_[absolute(f.path)] = f;
}

io::FileRecord DataFileCheck::current(const std::string& path, const std::string& record) {
  const auto it = now_.find(path);
  if (it != now_.end()) return it->second;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw std::runtime_error(path + ": file recorded in " + record + " is missing");
  return now_[path] = io::record_file(path);
}

void DataFileCheck::verify(const std::vector<io::FileRecord>& recorded, const std::string& record,
                           const std::string& since) {
  for (const auto& was : recorded) {
    const auto is = current(was.path, record);
    if (is.bytes != was.bytes || is.crc32 != was.crc32)
      throw std::runtime_error(was.path + ": changed since " + since + " (now " + std::to_string(is.bytes) +
                               " bytes, CRC-32 " + io::crc32_hex(is.crc32) + "; " + record + " records " +
                               std::to_string(was.bytes) + " bytes, CRC-32 " + io::crc32_hex(was.crc32) + ")");
  }
}

void DataFileCheck::verify(const std::string& run_dir) {
  verify(recorded_data_files(run_dir), config_file(run_dir), "the run was trained");
}

void require_recorded(const std::vector<io::FileRecord>& recorded, const std::string& record,
                      const std::vector<io::FileRecord>& read) {
  if (recorded.empty()) return;  // nothing recorded to hold the data against
  for (const auto& f : read) {
    const auto path = absolute(f.path);
    const bool known = std::any_of(recorded.begin(), recorded.end(),
                                   [&](const io::FileRecord& r) { return r.path == path; });
    if (!known)
      throw std::runtime_error(path + ": read as the data now, but " + record +
                               " does not record it (the data folder changed)");
  }
}

void require_recorded(const std::string& run_dir, const std::vector<io::FileRecord>& read) {
  require_recorded(recorded_data_files(run_dir), config_file(run_dir), read);
}

void verify_run_inputs(const std::string& run_dir, const std::vector<io::FileRecord>& data_now) {
  const auto config = config_file(run_dir);
  require_recorded(run_dir, data_now);
  DataFileCheck check;
  check.know(data_now);
  check.verify(recorded_data_files(run_dir), config, "the run was trained");
  check.verify(recorded_files(config, "init_files"), config, "the run was trained");
}

void verify_analysis_inputs(const std::string& analysis_dir, DataFileCheck& check) {
  const fs::path dir = fs::weakly_canonical(analysis_dir);
  const auto summary = summary_file(analysis_dir);
  if (inspect_folder(dir.parent_path().string()).kind == FolderKind::kRun) {
    const auto run = dir.parent_path().string();
    if (!analysis_finished(run, dir.filename().string()))
      throw std::runtime_error(summary + ": belongs to another run than " + config_file(run) +
                               " (its run_id differs: an analysis of a replaced run)");
    check.verify(recorded_data_files(run), config_file(run), "the run was trained");
    return;
  }
  std::vector<io::FileRecord> files;
  try {
    const auto j = json::parse(io::read_text(summary));
    if (j.is_object() && j.contains("config") && j.at("config").is_object()) files = imported_files(j.at("config"));
  } catch (const json::exception& e) {
    throw std::runtime_error(summary + ": unreadable record of the files analysed (" + std::string(e.what()) + ")");
  } catch (const std::logic_error&) {
    throw std::runtime_error(summary + ": a crc32 of the files analysed is not a CRC-32");
  }
  check.verify(files, summary, "it was analysed");
}

void verify_sweep_inputs(const InputFiles& expected, const std::string& record,
                         const std::vector<io::FileRecord>& data_now) {
  require_recorded(expected.data, record, data_now);
  DataFileCheck check;
  check.know(data_now);
  check.verify(expected.data, record, "the sweep started");
  check.verify(expected.init, record, "the sweep started");
}

}  // namespace awd::store
