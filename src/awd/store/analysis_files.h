// What an analysis writes into RUN_DIR/<name>/:
//
//   .awd.json       the marker of an analysis folder (folder_kind.h)
//   summary.json    every scalar of the analysis, the configuration and the training; written last
//   directions.csv  per direction, in rank order: lambda, sigma_g, sigma_w, mu_g, mu_w, c, dL_i, S_w, S_L
//   pairs.csv       per test sample: its partner, l_k, norms, the duality residual, and l_k/K with its sharp and flat parts
//   coverage.csv    dL_p and dL over growing fractions of the pairs (paper Fig. S1)
//   flatness.csv    F_i of the sharpest directions (paper Fig. S6), when computed
//   spectrum.csv    the spectral density of the basis matrix, with --spectrum
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <torch/types.h>

#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/train/trainer.h"

namespace awd::store {

/// Writes the files above into `dir` (refusing a folder that is not an
/// analysis', folder_kind.h), summary.json last; summary.json carries
/// `run_id`, the id of the run analysed (run_status.h).
void save_analysis(const std::string& dir, const std::string& run_id, const RunConfig& cfg,
                   const data::Subset& subset, const train::TrainResult& training,
                   const duality::AnalysisResult& result);

/// A table of an analysis (directions, pairs, coverage, flatness, spectrum):
/// named, equally long 1-D columns, int64 or bool (integers) or float64.
struct AnalysisTable {
  std::string name;                  ///< the file is NAME.csv
  std::vector<std::string> columns;  ///< the header
  std::vector<torch::Tensor> values;
};

/// The tables of `result` that it has (flatness and spectrum only when computed).
std::vector<AnalysisTable> analysis_tables(const data::Subset& subset, const duality::AnalysisResult& result);

/// A table as awd writes it: the header, then one line per row; integers as
/// integers, float64 with 17 significant digits (they read back to the same
/// double; "inf" for a direction whose loss never doubles).
std::string table_csv(const AnalysisTable& table);

/// One file of an analysis folder.
struct AnalysisFile {
  std::string name;  ///< directions.csv, ..., summary.json
  std::string text;
};

/// Writes `files` into `dir` in their order, each atomically (summary.json,
/// which marks a finished analysis, comes last). Refuses a folder that is not
/// an analysis' (folder_kind.h) and marks it one; prepare_analysis_dir
/// (run_status.h) first also removes the files of an analysis it replaces.
void write_analysis_files(const std::string& dir, const std::vector<AnalysisFile>& files);

/// The files of an analysis of a model awd did not train (awd analyze --model
/// or --features, the Python package): `config` (what was analysed: the model
/// or feature files, the data, the options) is the summary's config, and there
/// is no training section. summary.json is last.
std::vector<AnalysisFile> imported_analysis_files(const nlohmann::json& config, const AnalysisConfig& analysis,
                                                  const data::Subset& subset, const duality::AnalysisResult& result);

/// Just summary.json of imported_analysis_files.
std::string imported_summary_json(const nlohmann::json& config, const AnalysisConfig& analysis,
                                  const duality::AnalysisResult& result);

/// Writes imported_analysis_files into `dir`.
void save_imported_analysis(const std::string& dir, const nlohmann::json& config, const AnalysisConfig& analysis,
                            const data::Subset& subset, const duality::AnalysisResult& result);

}  // namespace awd::store
