// Data is the data the run used: config.json records the size and CRC-32 of
// every data file a run read, and the commands that read results back (analyze,
// report) check them before trusting a number. Torch-free.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "awd/io/file_record.h"

namespace awd::store {

/// Checks runs' recorded data files against the files as they are now,
/// computing each file's CRC once however many runs record it (a sweep's
/// solutions all read the same files).
class DataFileCheck {
 public:
  /// Files already read and recorded in this process (their CRC is not computed again).
  void know(const std::vector<io::FileRecord>& files);

  /// Throws std::runtime_error, one line naming the file, when a data file
  /// RUN_DIR/config.json records is missing, or its size or CRC-32 differs now.
  void verify(const std::string& run_dir);

 private:
  io::FileRecord current(const std::string& path, const std::string& config_path);
  std::map<std::string, io::FileRecord> now_;
};

/// The data files RUN_DIR/config.json records (none for a config without data_files).
std::vector<io::FileRecord> recorded_data_files(const std::string& run_dir);

/// Throws when `read` (the files a command has just read as the run's data)
/// holds one RUN_DIR/config.json does not record: the data folder changed.
void require_recorded(const std::string& run_dir, const std::vector<io::FileRecord>& read);

}  // namespace awd::store
