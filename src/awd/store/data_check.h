// Data is the data the run used: config.json records the size and CRC-32 of
// every data file a run read (and of the weights it started from), a sweep's
// sweep.json and each solution's request.json those the sweep reads, and the
// commands that resume work or read results back (run, solve, sweep, analyze,
// report) check them before trusting a number. Torch-free.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>
#include <vector>

#include "awd/io/file_record.h"

namespace awd::store {

/// The files a run or a sweep reads: the data files and the weights it starts from (--init-from).
struct InputFiles {
  std::vector<io::FileRecord> data, init;
};

/// A file's record as every awd file holds it (config.json, sweep.json,
/// request.json, an imported analysis' summary.json): absolute path, bytes,
/// CRC-32 as 8 hex digits.
nlohmann::json file_json(const io::FileRecord& file);
/// file_json of each.
nlohmann::json files_json(const std::vector<io::FileRecord>& files);
/// The records `key` ("data_files", "init_files") of `j`, read from the file
/// `path` (none when it records none); an error naming the file when unreadable.
std::vector<io::FileRecord> files_from_json(const nlohmann::json& j, const std::string& key, const std::string& path);
/// The records `key` ("data_files", "init_files") of the JSON file `path`
/// (none when it records none); an error naming the file when unreadable.
std::vector<io::FileRecord> recorded_files(const std::string& path, const std::string& key);

/// Checks recorded files against the files as they are now, computing each
/// file's CRC once however many records name it (a sweep's solutions all read
/// the same files).
class DataFileCheck {
 public:
  /// Files already read and recorded in this process (their CRC is not computed again).
  void know(const std::vector<io::FileRecord>& files);

  /// Throws std::runtime_error, one line naming the file, when a data file
  /// RUN_DIR/config.json records is missing, or its size or CRC-32 differs now.
  void verify(const std::string& run_dir);

  /// The same for any `recorded` files, listed in `record` (a JSON file):
  /// "PATH: changed since SINCE (now N bytes, CRC-32 X; RECORD records M
  /// bytes, CRC-32 Y)" or "PATH: file recorded in RECORD is missing".
  void verify(const std::vector<io::FileRecord>& recorded, const std::string& record, const std::string& since);

 private:
  io::FileRecord current(const std::string& path, const std::string& record);
  std::map<std::string, io::FileRecord> now_;
};

/// The data files RUN_DIR/config.json records (none for a config without data_files).
std::vector<io::FileRecord> recorded_data_files(const std::string& run_dir);

/// Throws when `read` (the files a command has just read as the run's data)
/// holds one RUN_DIR/config.json does not record: the data folder changed.
void require_recorded(const std::string& run_dir, const std::vector<io::FileRecord>& read);
/// The same against any `recorded` files, listed in `record`.
void require_recorded(const std::vector<io::FileRecord>& recorded, const std::string& record,
                      const std::vector<io::FileRecord>& read);

/// The inputs of the run in RUN_DIR are still those it was trained on: the
/// data files read now (`data_now`) are the ones config.json records, each
/// unchanged, and so is every file of init_files. std::runtime_error naming
/// the first file that differs.
void verify_run_inputs(const std::string& run_dir, const std::vector<io::FileRecord>& data_now);

/// The inputs of the analysis folder ANALYSIS_DIR are still those it was made
/// from: inside a run directory, its summary.json carries the run's id and the
/// run's recorded data files are unchanged; otherwise (an imported analysis,
/// --model or --features), every file its summary.json records (the model, the
/// data or the features files; relative paths against the working directory).
/// std::runtime_error naming the first file that differs.
void verify_analysis_inputs(const std::string& analysis_dir, DataFileCheck& check);

/// The inputs a sweep recorded in `record` (sweep.json, or a solution's
/// request.json) are the files now: `expected` against the data files read
/// now and the init files as they are. std::runtime_error naming the first
/// file that differs ("... changed since the sweep started ...").
void verify_sweep_inputs(const InputFiles& expected, const std::string& record,
                         const std::vector<io::FileRecord>& data_now);

}  // namespace awd::store
