// The weights of a run along its training and their analyses
// (TrainConfig::analyze_every):
//
//   RUN_DIR/snapshots/epoch-EEEE/model.pt       the network after epoch E (0: as initialised)
//   RUN_DIR/snapshots/epoch-EEEE/weights/*.npy  the same as NAME.npy files (weights_folder.h)
//   RUN_DIR/trajectory/epoch-EEEE/              an analysis folder of that snapshot (analysis_files.h)
//   RUN_DIR/trajectory/trajectory.csv, ...      the report along training (report/trajectory_report.h)
//
// A snapshot is stored as the run stores its final network, so `awd analyze
// RUN_DIR --snapshot E` analyses it again, and its weights/ serve --init-from.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace awd::models {
class Classifier;
}

namespace awd::store {

/// "epoch-0005": the folder name of epoch `epoch` (at least four digits, so names sort by epoch).
std::string epoch_folder(int64_t epoch);
/// RUN_DIR/snapshots/epoch-EEEE.
std::string snapshot_dir(const std::string& run_dir, int64_t epoch);
/// RUN_DIR/trajectory.
std::string trajectory_dir(const std::string& run_dir);
/// RUN_DIR/trajectory/epoch-EEEE.
std::string trajectory_analysis_dir(const std::string& run_dir, int64_t epoch);

/// Writes model.pt and weights/ of `model` into snapshot_dir(run_dir, epoch), each atomically.
void save_snapshot(const std::string& run_dir, int64_t epoch, models::Classifier& model);

/// Loads the snapshot of epoch `epoch` into `model` (a network of the run's
/// configuration); std::runtime_error naming the folder when there is none.
void load_snapshot(const std::string& run_dir, int64_t epoch, models::Classifier& model);

/// The epochs whose analysis folders RUN_DIR/trajectory holds, ascending.
std::vector<int64_t> trajectory_epochs(const std::string& run_dir);

}  // namespace awd::store
