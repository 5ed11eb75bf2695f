// The run directory: what a run writes and what `awd analyze` reads back.
//
//   RUN_DIR/config.json     full configuration, seeds, version, data files, sample indices
//   RUN_DIR/model.pt        LibTorch checkpoint of the trained network
//   RUN_DIR/weights/*.npy   every parameter and buffer, readable by numpy alone (weights_folder.h)
//   RUN_DIR/noise.csv       the noise eta(t) of SPEC §8 every learners.noise_every steps (when on)
//   RUN_DIR/training.json   stop reason, epochs, loss history; written last: marks a finished run
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

/// Everything `awd train` writes, training.json last. `init_files` are the
/// files the weights were started from (cfg.model.init_from), recorded in
/// config.json as init_files the way data_files are.
void save_run(const std::string& dir, const RunConfig& cfg, const data::DataFolder& folder,
              const data::Subset& subset, models::Classifier& model, const train::TrainResult& result,
              const std::vector<data::FileRecord>& init_files = {});

struct SavedRun {
  RunConfig config;
  data::Subset subset;
  std::shared_ptr<models::Classifier> model;
  train::TrainResult training;
};
/// Reads a finished run directory back (model included).
SavedRun load_run(const std::string& dir, const data::DataFolder& folder);
/// The configuration of a run directory (config.json alone).
RunConfig load_run_config(const std::string& dir);

}  // namespace awd::store
