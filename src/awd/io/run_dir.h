// The run directory: what a run writes and what `awd analyze` reads back.
//
//   RUN_DIR/config.json     full configuration, seeds, version, data files, sample indices
//   RUN_DIR/model.pt        LibTorch checkpoint of the trained network
//   RUN_DIR/weights/*.npy   every parameter, readable by numpy alone
//   RUN_DIR/noise.csv       the noise eta(t) of SPEC §8 every learners.noise_every steps (when on)
//   RUN_DIR/training.json   stop reason, epochs, loss history; written last: marks a finished run
//   RUN_DIR/<analysis>/     summary.json, directions.csv, pairs.csv
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

#include "awd/config.h"
#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"

namespace awd::io {

nlohmann::json to_json(const RunConfig& cfg);
/// Fills `cfg` from `j`, keeping the fields `j` does not name; an unknown key
/// or a value of the wrong type is an error naming `source`.
void update_from_json(RunConfig& cfg, const nlohmann::json& j, const std::string& source);
/// Reads a JSON config file over `base` (the defaults unless given).
RunConfig read_config_file(const std::string& path, RunConfig base = {});

/// Creates `dir`; refuses a folder holding a finished run (its `marker` file)
/// unless `force`, and a folder that is not writable.
void prepare_output_dir(const std::string& dir, const std::string& marker, bool force);

/// Everything `awd train` writes, training.json last.
void save_run(const std::string& dir, const RunConfig& cfg, const data::DataFolder& folder,
              const data::Subset& subset, models::Classifier& model, const train::TrainResult& result);

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

/// Writes summary.json, directions.csv, pairs.csv, coverage.csv and (when
/// computed) flatness.csv into `dir`.
void save_analysis(const std::string& dir, const RunConfig& cfg, const data::Subset& subset,
                   const train::TrainResult& training, const duality::AnalysisResult& result);

/// A short table a person reads at a glance.
std::string summary_table(const train::TrainResult& training, const duality::AnalysisResult& result);

}  // namespace awd::io
