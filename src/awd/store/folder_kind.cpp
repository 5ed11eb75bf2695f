#include "awd/store/folder_kind.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "awd/io/text_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {
namespace {

constexpr FolderKind kKinds[] = {FolderKind::kRun, FolderKind::kAnalysis, FolderKind::kSweep, FolderKind::kCompare,
                                 FolderKind::kReport};

/// What awd writes into a run directory (run_dir.h), besides its analysis
/// folders: the run's own files and those a sweep keeps beside them.
const std::vector<std::string> kRunLayout = {"config.json", "model.pt",     "training.json", "noise.csv", "weights",
                                             "snapshots",   "trajectory",   "request.json",  "log.txt",   "claim.json"};
/// What awd writes into an analysis folder (analysis_files.h), and into one
/// of several layers (layers_record.h) besides the layers' own analysis folders.
const std::vector<std::string> kAnalysisLayout = {"summary.json", "directions.csv", "pairs.csv",  "coverage.csv",
                                                  "flatness.csv", "spectrum.csv",   "layers.json", "layers.csv",
                                                  "figures",      "report.html"};

/// What awd writes into a run's trajectory folder (snapshots.h) besides its analysis folders.
const std::vector<std::string> kTrajectoryLayout = {"trajectory.csv", "trajectory_ranks.csv", "report.html", "figures"};

/// The file that marked each kind before folders carried .awd.json.
std::string legacy_evidence(FolderKind kind) {
  switch (kind) {
    case FolderKind::kRun: return "config.json";
    case FolderKind::kAnalysis: return "summary.json";
    case FolderKind::kSweep:
    case FolderKind::kCompare: return "sweep.json";
    case FolderKind::kReport: return "report.html";
  }
  return "";
}

std::string with_article(FolderKind kind) {
  const auto name = kind_name(kind);
  return (kind == FolderKind::kAnalysis ? "an " : "a ") + name;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// What io::write_atomic leaves when killed: NAME.tmp.HOST.PID.
bool is_temporary(const std::string& name) { return name.find(".tmp.") != std::string::npos; }

/// NAME.tmp.* of a name in `names`.
bool is_temporary_of(const std::string& entry, const std::vector<std::string>& names) {
  const auto at = entry.find(".tmp.");
  return at != std::string::npos && contains(names, entry.substr(0, at));
}

/// The JSON object in `path`, or null when it is missing or not a JSON object.
json json_object(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return nullptr;
  try {
    auto j = json::parse(io::read_text(path.string()));
    return j.is_object() ? j : json(nullptr);
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::optional<FolderKind> marked_kind(const fs::path& dir) {
  const auto j = json_object(dir / kFolderMarker);
  if (j.is_null() || !j.contains("kind") || !j.at("kind").is_string()) return std::nullopt;
  for (auto k : kKinds)
    if (kind_name(k) == j.at("kind").get<std::string>()) return k;
  return std::nullopt;
}

/// The kind of a folder an awd before markers wrote, by the file that always marked it.
std::optional<FolderKind> legacy_kind(const fs::path& dir) {
  const auto config = json_object(dir / "config.json");
  if (!config.is_null() && (config.contains("samples") || config.contains("run_id"))) return FolderKind::kRun;
  const auto summary = json_object(dir / "summary.json");
  if (!summary.is_null() && (summary.contains("pair_gap") || summary.contains("eq10_sum") || summary.contains("run_id")))
    return FolderKind::kAnalysis;
  const auto sweep = json_object(dir / "sweep.json");
  if (!sweep.is_null() && sweep.contains("parameter")) {
    // What `awd compare` records (experiments/compare.h: its name, parameter algo).
    const bool compare = sweep.value("name", json()) == "compare" && sweep.value("parameter", json()) == "algo";
    return compare ? FolderKind::kCompare : FolderKind::kSweep;
  }
  std::error_code ec;
  if (fs::is_regular_file(dir / "report.html", ec) &&
      (fs::is_regular_file(dir / "summary.csv", ec) || fs::is_regular_file(dir / "compare.csv", ec)))
    return FolderKind::kReport;
  return std::nullopt;
}

void remove_entry(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw std::runtime_error(p.string() + ": cannot remove (" + ec.message() + ")");
}

bool is_real_directory(const fs::directory_entry& e) {
  std::error_code ec;
  return e.symlink_status(ec).type() == fs::file_type::directory;
}

std::vector<fs::directory_entry> entries(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::directory_entry> out;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e);
  if (ec) throw std::runtime_error(dir.string() + ": cannot read folder (" + ec.message() + ")");
  std::sort(out.begin(), out.end());  // messages name the same entry every time
  return out;
}

/// Removes `dir` when nothing is left in it.
void remove_if_empty(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_empty(dir, ec)) fs::remove(dir, ec);
}

/// Removes `dir` when nothing but its marker is left in it (a folder that
/// still holds the user's files keeps its marker, and so stays awd's).
void remove_if_only_marker(const fs::path& dir) {
  const auto left = entries(dir);
  if (left.size() == 1 && left.front().path().filename() == kFolderMarker) remove_entry(left.front().path());
  remove_if_empty(dir);
}

/// The NAME.npy files of a run's weights folder (and their temporaries).
void remove_weights(const fs::path& dir) {
  for (const auto& e : entries(dir)) {
    const auto name = e.path().filename().string();
    const auto base = is_temporary(name) ? name.substr(0, name.find(".tmp.")) : name;
    if (!is_real_directory(e) && base.size() > 4 && base.compare(base.size() - 4, 4, ".npy") == 0) remove_entry(e.path());
  }
  remove_if_empty(dir);
}

/// A run's snapshots (snapshots.h): each epoch's model.pt and weights/.
void remove_snapshots(const fs::path& dir) {
  for (const auto& e : entries(dir)) {
    if (!is_real_directory(e)) continue;
    for (const auto& f : entries(e.path())) {
      const auto name = f.path().filename().string();
      if (name == "weights" && is_real_directory(f)) remove_weights(f.path());
      else if (name == "model.pt" || is_temporary_of(name, {"model.pt"})) remove_entry(f.path());
    }
    remove_if_empty(e.path());
  }
  remove_if_empty(dir);
}

/// An analysis folder inside a run: what awd wrote there, then the folder when nothing else is left.
void remove_analysis_folder(const fs::path& dir) {
  remove_awd_files(dir.string(), FolderKind::kAnalysis);
  remove_if_only_marker(dir);
}

/// A run's trajectory folder: its analysis folders and its report files.
void remove_trajectory(const fs::path& dir) {
  for (const auto& e : entries(dir)) {
    const auto name = e.path().filename().string();
    if (contains(kTrajectoryLayout, name) || is_temporary_of(name, kTrajectoryLayout)) remove_entry(e.path());
    else if (is_real_directory(e) && inspect_folder(e.path().string()).kind == FolderKind::kAnalysis)
      remove_analysis_folder(e.path());
  }
  remove_if_empty(dir);
}

}  // namespace

std::string kind_name(FolderKind kind) {
  switch (kind) {
    case FolderKind::kRun: return "run";
    case FolderKind::kAnalysis: return "analysis";
    case FolderKind::kSweep: return "sweep";
    case FolderKind::kCompare: return "compare";
    case FolderKind::kReport: return "report";
  }
  return "?";
}

FolderInfo inspect_folder(const std::string& dir, const std::vector<std::string>& keep) {
  FolderInfo info;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return info;
  if ((info.kind = marked_kind(dir))) {
    info.evidence = kFolderMarker;
    return info;
  }
  if ((info.kind = legacy_kind(dir))) {
    info.evidence = legacy_evidence(*info.kind);
    return info;
  }
  for (const auto& e : entries(dir)) {
    const auto name = e.path().filename().string();
    if (contains(keep, name) || is_temporary(name)) continue;
    // Another process may have marked the folder since marked_kind looked.
    if (name == kFolderMarker && (info.kind = marked_kind(dir))) {
      info.evidence = kFolderMarker;
      return info;
    }
    info.foreign = name;
    break;
  }
  return info;
}

void require_folder_kind(const std::string& dir, FolderKind kind, const std::vector<std::string>& keep,
                         bool allow_foreign) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw std::runtime_error(dir + ": not a folder");
  const auto info = inspect_folder(dir, keep);
  if (info.kind && *info.kind != kind)
    throw std::runtime_error(dir + ": holds " + with_article(*info.kind) + " (" + info.evidence + "), not " +
                             with_article(kind) + "; use a new or empty folder");
  if (info.kind || info.foreign.empty() || allow_foreign) return;
  const auto noun = kind == FolderKind::kRun ? std::string("a run directory") : with_article(kind) + " folder";
  throw std::runtime_error(dir + ": not " + noun + " (holds '" + io::printable(info.foreign) + "' and no " +
                           legacy_evidence(kind) + "); use a new or empty folder" +
                           (kind == FolderKind::kReport ? ", or --force to write beside its files" : ""));
}

void own_folder(const std::string& dir, FolderKind kind, const std::vector<std::string>& keep, bool allow_foreign) {
  require_folder_kind(dir, kind, keep, allow_foreign);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw std::runtime_error(dir + ": cannot create output folder (" + ec.message() + ")");
  if (marked_kind(dir) == kind) return;
  const json marker = {{"kind", kind_name(kind)}, {"awd_version", AWD_VERSION}};
  if (io::write_exclusive((fs::path(dir) / kFolderMarker).string(), marker.dump() + "\n")) return;
  require_folder_kind(dir, kind, keep, allow_foreign);  // another process marked it first: the same kind?
}

void remove_awd_files(const std::string& dir, FolderKind kind, const std::vector<std::string>& keep) {
  const auto& layout = kind == FolderKind::kRun ? kRunLayout : kAnalysisLayout;
  for (const auto& e : entries(dir)) {
    const auto name = e.path().filename().string();
    if (name == kFolderMarker || contains(keep, name) || is_temporary_of(name, keep)) continue;
    // The analysis folders of a run, and those of the layers in an analysis of several.
    if (is_real_directory(e) && name != "figures") {
      if (kind == FolderKind::kRun && name == "weights") {
        remove_weights(e.path());
      } else if (name == "snapshots") {
        remove_snapshots(e.path());
      } else if (name == "trajectory") {
        remove_trajectory(e.path());
      } else if (inspect_folder(e.path().string()).kind == FolderKind::kAnalysis) {
        remove_analysis_folder(e.path());
      }
      continue;
    }
    if (contains(layout, name) || is_temporary_of(name, layout)) remove_entry(e.path());
  }
}

void check_analysis_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw std::invalid_argument("--name must be a plain folder name inside the run directory, not '" + name + "'");
  if (contains(kRunLayout, name) || name == kFolderMarker)
    throw std::invalid_argument("--name " + name + ": names a file or folder of the run itself; choose another name");
}

}  // namespace awd::store
