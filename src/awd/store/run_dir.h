// The run directory: what a run writes and what `awd analyze` reads back.
//
//   RUN_DIR/.awd.json       the marker of a run folder (folder_kind.h), written before anything else
//   RUN_DIR/config.json     run id, full configuration, seeds, version, data files, sample indices;
//                           written first: a run without training.json of its id is unfinished
//   RUN_DIR/model.pt        LibTorch checkpoint of the trained network
//   RUN_DIR/weights/*.npy   every parameter and buffer, readable by numpy alone (weights_folder.h)
//   RUN_DIR/noise.csv       the noise eta(t) of SPEC §8 every learners.noise_every steps (when on)
//   RUN_DIR/training.json   run id, stop reason, epochs, loss history; written last: marks a trained run
//   RUN_DIR/snapshots/      the network along training, with --analyze-every (snapshots.h)
//   RUN_DIR/trajectory/     the analyses of the snapshots and their report (snapshots.h)
//   RUN_DIR/<analysis>/     analysis_files.h
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"

namespace awd::store {

/// Starts a run in `dir`: marks it a run folder, writes config.json (full
/// configuration, a fresh run id, version, data files, sample indices) over
/// whatever was there, then removes what awd wrote of the run it replaces,
/// except the `keep` entries (a sweep's request.json and log.txt); files awd
/// did not write stay (folder_kind.h). `init_files` are the files the
/// weights were started from (cfg.model.init_from), recorded as init_files
/// the way data_files are. Returns the run id.
std::string begin_run(const std::string& dir, const RunConfig& cfg, const data::DataFolder& folder,
                      const data::Subset& subset, const std::vector<data::FileRecord>& init_files,
                      const std::vector<std::string>& keep);

/// The trained network, its noise record and training.json, written last: it
/// carries `run_id` and marks the run trained.
void save_trained(const std::string& dir, const std::string& run_id, models::Classifier& model,
                  const train::TrainResult& result);

/// A run's config.json, parsed once: what was run, with which samples, from which files.
struct RunRecord {
  std::string dir;     ///< the run directory
  std::string run_id;  ///< "" for a run of an awd before run ids
  RunConfig config;
  data::Subset subset;
  std::vector<data::FileRecord> data_files;  ///< none for a run of an awd before they were recorded
};
/// Reads RUN_DIR/config.json; a one-line error naming it when it is missing,
/// unreadable or incomplete.
RunRecord read_run_record(const std::string& dir);

struct SavedRun {
  RunRecord record;
  std::shared_ptr<models::Classifier> model;
  train::TrainResult training;
};
/// The trained run of `record` read back (model included); refuses a run whose
/// training.json is missing or belongs to another run, and sample indices or
/// labels that do not fit `folder`.
SavedRun load_run(RunRecord record, const data::DataFolder& folder);

}  // namespace awd::store
