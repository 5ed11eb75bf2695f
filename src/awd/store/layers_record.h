// What an analysis of several layers (`awd analyze --layer all` or
// `--layer fc1,fc3`, `awd run --layer all` into RUN_DIR/analysis, `awd analyze
// --model --layer all` into OUT) records in its folder. Torch-free.
//
//   NAME/.awd.json      an analysis folder (folder_kind.h)
//   NAME/LAYER/         one analysis folder per analysed layer (analysis_files.h)
//   NAME/layers.json    this record: the request, the layers analysed (in
//                       order) and those left out with the reason, the
//                       configuration, seed and version; written after the
//                       last layer
//   NAME/layers.csv, NAME/figures/, NAME/report.html   the per-layer table (report/layers_report.h)
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace awd::store {

/// A layer of the network and, when it is not analysed, why.
struct LayerCandidate {
  std::string name;
  std::string reason;  ///< "" = it can be analysed
};

/// One analysed layer: its folder (relative to the record's folder) and its wall time.
struct AnalysedLayer {
  std::string name, folder;
  double seconds = 0;
};

struct LayersRecord {
  std::string request;                  ///< --layer as given ("all", "fc1,fc3")
  std::vector<AnalysedLayer> analysed;  ///< in the order of the request (all: the network's)
  std::vector<LayerCandidate> skipped;  ///< with their reasons
  nlohmann::json config;                ///< what was analysed (the run's configuration, or the model's record)
};

inline constexpr const char* kLayersRecord = "layers.json";

/// Writes DIR/layers.json atomically (with awd_version).
void write_layers_record(const std::string& dir, const LayersRecord& record);

/// Reads DIR/layers.json; std::runtime_error naming the file when it is
/// missing or lacks a key.
LayersRecord read_layers_record(const std::string& dir);

/// Whether DIR holds a finished analysis of several layers (its layers.json).
bool has_layers_record(const std::string& dir);

}  // namespace awd::store
