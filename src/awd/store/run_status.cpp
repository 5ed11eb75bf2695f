#include "awd/store/run_status.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "awd/io/text_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {

void prepare_output_dir(const std::string& dir, const std::string& marker, bool force) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw std::runtime_error(dir + ": cannot create output folder (" + ec.message() + ")");
  if (::access(dir.c_str(), W_OK) != 0) throw std::runtime_error(dir + ": output folder is not writable");
  if (!force && fs::exists(fs::path(dir) / marker))
    throw std::runtime_error(dir + ": already holds a finished run (" + marker + "); use --force to overwrite");
}

std::string summary_path(const std::string& run_dir) {
  return (fs::path(run_dir) / "analysis" / "summary.json").string();
}

bool analysis_finished(const std::string& run_dir) { return fs::exists(summary_path(run_dir)); }

bool training_diverged(const std::string& run_dir) {
  const auto t = fs::path(run_dir) / "training.json";
  if (!fs::exists(t)) return false;
  try {
    return json::parse(io::read_text(t.string())).value("stop_reason", "") == "diverged";
  } catch (const std::exception&) {
    return false;  // half-written or foreign: the solution is redone, not counted as diverged
  }
}

bool solution_finished(const std::string& run_dir) {
  return analysis_finished(run_dir) || training_diverged(run_dir);
}

namespace {

/// The numbers `keys` of the summary.json at `path`.
std::vector<double> summary_numbers(const std::string& path, const std::vector<std::string>& keys) {
  const auto j = json::parse(io::read_text(path));
  std::vector<double> out;
  for (const auto& key : keys) {
    if (!j.contains(key) || !j.at(key).is_number()) throw std::runtime_error(path + ": no number '" + key + "'");
    out.push_back(j.at(key).get<double>());
  }
  return out;
}

}  // namespace

std::vector<double> read_summary_metrics(const std::string& run_dir, const std::vector<std::string>& keys) {
  return summary_numbers(summary_path(run_dir), keys);
}

std::vector<double> read_analysis_metrics(const std::string& analysis_dir, const std::vector<std::string>& keys) {
  const auto path = (fs::path(analysis_dir) / "summary.json").string();
  if (!fs::is_regular_file(path))
    throw std::runtime_error(analysis_dir + ": no summary.json (not an analysis folder)");
  return summary_numbers(path, keys);
}

double read_summary_epochs(const std::string& run_dir) {
  const auto j = json::parse(io::read_text(summary_path(run_dir)));
  const auto t = j.value("training", json::object());
  return t.contains("epochs") && t.at("epochs").is_number() ? t.at("epochs").get<double>() : NAN;
}

}  // namespace awd::store
