#include "awd/store/run_status.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>

#include "awd/io/text_file.h"
#include "awd/store/folder_kind.h"
#include "awd/store/layers_record.h"
#include "awd/store/run_layout.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {

void prepare_output_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw std::runtime_error(dir + ": cannot create output folder (" + ec.message() + ")");
  if (::access(dir.c_str(), W_OK) != 0) throw std::runtime_error(dir + ": output folder is not writable");
  io::remove_stale_temporaries(dir);
}

void prepare_analysis_dir(const std::string& dir, bool force) {
  require_folder_kind(dir, FolderKind::kAnalysis);
  if (!force && fs::exists(summary_file(dir)))
    throw std::runtime_error(dir + ": already holds a finished analysis (summary.json); use --force to overwrite");
  prepare_output_dir(dir);
  own_folder(dir, FolderKind::kAnalysis);
  remove_awd_files(dir, FolderKind::kAnalysis);
}

namespace {

/// The run id a JSON file records: nullopt when the file is missing or not a
/// readable JSON object (half-written, foreign), "" when it records none.
std::optional<std::string> run_id_in_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  try {
    return recorded_run_id(json::parse(io::read_text(path.string()), nullptr, /*allow_exceptions=*/false));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// `file` exists and carries the run id of RUN_DIR/config.json.
bool belongs_to_run(const fs::path& run_dir, const fs::path& file) {
  const auto run = run_id_in_file(config_file(run_dir.string()));
  const auto own = run_id_in_file(file);
  return run && own && *run == *own;
}

}  // namespace

std::optional<std::string> recorded_run_id(const json& j) {
  if (!j.is_object()) return std::nullopt;  // also a document that did not parse
  const auto id = j.find("run_id");
  if (id == j.end()) return std::string();
  if (!id->is_string()) return std::nullopt;
  return id->get<std::string>();
}

std::string new_run_id() {
  std::random_device rd;
  const uint64_t id = (uint64_t(rd()) << 32) ^ uint64_t(rd());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(id));
  return hex;
}

bool training_finished(const std::string& run_dir) {
  return belongs_to_run(run_dir, training_file(run_dir));
}

bool analysis_of_run(const std::string& analysis_dir, const std::string& run_id) {
  return run_id_in_file(summary_file(analysis_dir)) == run_id;
}

bool analysis_finished(const std::string& run_dir, const std::string& name) {
  return belongs_to_run(run_dir, summary_file(analysis_dir(run_dir, name)));
}

bool layers_finished(const std::string& run_dir, const std::string& name) {
  const auto dir = fs::path(run_dir) / name;
  if (!has_layers_record(dir.string())) return false;
  try {
    const auto record = read_layers_record(dir.string());
    for (const auto& l : record.analysed)
      if (!belongs_to_run(run_dir, summary_file((dir / l.folder).string()))) return false;
    return !record.analysed.empty();
  } catch (const std::exception&) {
    return false;  // an unreadable record is not a finished analysis
  }
}

bool analysis_passed(const std::string& run_dir, const std::string& name) {
  return analysis_finished(run_dir, name) && recorded_self_check_failure((fs::path(run_dir) / name).string()).empty();
}

std::string recorded_self_check_failure(const std::string& analysis_dir) {
  try {
    const auto j = json::parse(io::read_text(summary_file(analysis_dir)));
    const auto check = j.value("self_check", json::object());
    if (!check.is_object() || check.value("passed", true) != false) return "";
    const auto failure = check.value("failure", std::string());
    return failure.empty() ? "failed" : failure;
  } catch (const std::exception&) {
    return "";
  }
}

bool training_diverged(const std::string& run_dir) {
  if (!training_finished(run_dir)) return false;
  try {
    return json::parse(io::read_text(training_file(run_dir))).value("stop_reason", "") ==
           "diverged";
  } catch (const std::exception&) {
    return false;
  }
}

bool solution_finished(const std::string& run_dir) {
  return analysis_passed(run_dir) || training_diverged(run_dir);
}

RunState run_state(const std::string& dir, const std::vector<std::string>& keep) {
  require_folder_kind(dir, FolderKind::kRun, keep);
  if (!fs::exists(config_file(dir))) return RunState::kEmpty;
  if (!training_finished(dir)) return RunState::kUnfinished;
  if (training_diverged(dir)) return RunState::kDiverged;
  return analysis_finished(dir) || layers_finished(dir) ? RunState::kAnalysed : RunState::kTrained;
}

void clear_run_dir(const std::string& dir, const std::vector<std::string>& keep) {
  auto kept = keep;
  kept.push_back(kConfigFile);
  remove_awd_files(dir, FolderKind::kRun, kept);
}

namespace {

/// The JSON object of a summary.json; "PATH: not valid JSON (...)" for a corrupt one.
json read_summary(const std::string& path) {
  json j;
  try {
    j = json::parse(io::read_text(path));
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw std::runtime_error(path + ": not a JSON object");
  return j;
}

/// The numbers `keys` of the summary.json at `path`.
std::vector<double> summary_numbers(const std::string& path, const std::vector<std::string>& keys) {
  const auto j = read_summary(path);
  std::vector<double> out;
  for (const auto& key : keys) {
    if (!j.contains(key) || !j.at(key).is_number()) throw std::runtime_error(path + ": no number '" + key + "'");
    out.push_back(j.at(key).get<double>());
  }
  return out;
}

}  // namespace

std::vector<double> read_summary_metrics(const std::string& run_dir, const std::vector<std::string>& keys) {
  return summary_numbers(summary_file(analysis_dir(run_dir)), keys);
}

std::vector<double> read_analysis_metrics(const std::string& analysis_dir, const std::vector<std::string>& keys) {
  const auto path = summary_file(analysis_dir);
  if (!fs::is_regular_file(path))
    throw std::runtime_error(analysis_dir + ": no summary.json (not an analysis folder)");
  return summary_numbers(path, keys);
}

double read_analysis_number_or(const std::string& analysis_dir, const std::string& pointer, double fallback) {
  read_analysis_metrics(analysis_dir, {});  // a missing folder or file: the usual errors
  const auto path = summary_file(analysis_dir);
  const auto j = read_summary(path);
  const json::json_pointer at(pointer);
  if (!j.contains(at)) return fallback;
  if (!j.at(at).is_number()) throw std::runtime_error(path + ": " + pointer + " is not a number");
  return j.at(at).get<double>();
}

double read_summary_epochs(const std::string& run_dir) {
  const auto j = read_summary(summary_file(analysis_dir(run_dir)));
  const auto t = j.value("training", json::object());
  return t.contains("epochs") && t.at("epochs").is_number() ? t.at("epochs").get<double>() : NAN;
}

}  // namespace awd::store
