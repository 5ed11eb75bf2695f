#include "awd/store/snapshots.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "awd/io/text_file.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "awd/store/weights_folder.h"

namespace fs = std::filesystem;

namespace awd::store {

std::string epoch_folder(int64_t epoch) {
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%04lld", static_cast<long long>(epoch));
  return name;
}

std::string snapshot_dir(const std::string& run_dir, int64_t epoch) {
  return (fs::path(run_dir) / "snapshots" / epoch_folder(epoch)).string();
}

std::string trajectory_dir(const std::string& run_dir) { return (fs::path(run_dir) / "trajectory").string(); }

std::string trajectory_analysis_dir(const std::string& run_dir, int64_t epoch) {
  return (fs::path(trajectory_dir(run_dir)) / epoch_folder(epoch)).string();
}

void save_snapshot(const std::string& run_dir, int64_t epoch, models::Classifier& model) {
  const fs::path dir = snapshot_dir(run_dir, epoch);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir.string() + ": cannot create snapshot folder (" + ec.message() + ")");
  io::write_atomic((dir / "model.pt").string(), models::checkpoint_bytes(model));
  write_weights_folder((dir / "weights").string(), model);
}

void load_snapshot(const std::string& run_dir, int64_t epoch, models::Classifier& model) {
  const auto path = (fs::path(snapshot_dir(run_dir, epoch)) / "model.pt").string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw std::runtime_error(path + ": no snapshot of epoch " + std::to_string(epoch) +
                             " (the run was trained without --analyze-every, or with another k)");
  models::load_checkpoint(model, path);
}

std::vector<int64_t> trajectory_epochs(const std::string& run_dir) {
  std::vector<int64_t> epochs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(trajectory_dir(run_dir), ec)) {
    const auto name = e.path().filename().string();
    long long epoch = -1;
    char rest = 0;
    if (e.is_directory() && std::sscanf(name.c_str(), "epoch-%lld%c", &epoch, &rest) == 1 && epoch >= 0 &&
        name == epoch_folder(epoch) && fs::is_regular_file(e.path() / "summary.json"))
      epochs.push_back(epoch);
  }
  std::sort(epochs.begin(), epochs.end());
  return epochs;
}

}  // namespace awd::store
