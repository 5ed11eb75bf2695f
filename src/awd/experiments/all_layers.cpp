#include "awd/experiments/all_layers.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "awd/data/dataset.h"
#include "awd/duality/analysis.h"
#include "awd/experiments/single_run.h"
#include "awd/models/classifier.h"
#include "awd/store/analysis_text.h"
#include "awd/store/config_json.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_dir.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;

namespace awd::experiments {
namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::string joined_names(const std::vector<store::LayerCandidate>& candidates) {
  std::string s;
  for (const auto& c : candidates) s += (s.empty() ? "" : ", ") + c.name;
  return s;
}

/// Every dense layer of cfg's network, each with the reason it cannot be
/// analysed with cfg.analysis (a basis rank or n_s beyond its N), checked on
/// an untrained copy so that nothing is written before a refusal.
std::vector<store::LayerCandidate> network_candidates(const RunConfig& cfg, const std::vector<int64_t>& input_shape,
                                                      int64_t num_classes) {
  const auto model = models::make_classifier(cfg.model, input_shape, num_classes, 0);
  std::vector<store::LayerCandidate> out;
  for (const auto& name : model->dense_layer_names()) {
    store::LayerCandidate c{name, ""};
    try {
      duality::effective_basis_rank(model->dense_layer(name)->weight.numel(), cfg.analysis);
    } catch (const std::invalid_argument& e) {
      c.reason = e.what();
    }
    out.push_back(c);
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

bool names_several_layers(const std::string& layer) {
  return layer == "all" || layer.find(',') != std::string::npos;
}

LayerSelection select_layers(const std::string& request, const std::vector<store::LayerCandidate>& candidates) {
  LayerSelection s;
  if (request == "all") {
    for (const auto& c : candidates) {
      if (c.reason.empty()) s.analysed.push_back(c.name);
      else s.skipped.push_back(c);
    }
    if (s.analysed.empty())
      throw std::invalid_argument("--layer all: no layer can be analysed (" +
                                  (candidates.empty() ? std::string("the network has no dense layer")
                                                      : candidates.front().name + ": " + candidates.front().reason) +
                                  ")");
    return s;
  }
  std::set<std::string> seen;
  for (const auto& name : split_list(request)) {
    if (name.empty()) throw std::invalid_argument("--layer " + request + ": an empty layer name in the list");
    if (!seen.insert(name).second) throw std::invalid_argument("--layer " + request + ": " + name + " given twice");
    const auto c = std::find_if(candidates.begin(), candidates.end(), [&](const auto& x) { return x.name == name; });
    if (c == candidates.end())
      throw std::invalid_argument("--layer: no layer '" + name + "' to analyse (layers: " + joined_names(candidates) + ")");
    if (!c->reason.empty()) throw std::invalid_argument("--layer " + name + ": " + c->reason);
    s.analysed.push_back(name);
  }
  return s;
}

LayerSelection select_network_layers(const RunConfig& cfg, const std::vector<int64_t>& input_shape,
                                     int64_t num_classes) {
  return select_layers(cfg.analysis.layer, network_candidates(cfg, input_shape, num_classes));
}

LayersOutput analyze_solution_layers(const std::string& run_dir, const AnalysisConfig& analysis,
                                     const std::string& name, bool force) {
  store::check_analysis_name(name);
  return analyze_run_layers(open_run(run_dir), analysis, name, force);
}

LayersOutput analyze_run_layers(const OpenedRun& run, const AnalysisConfig& analysis, const std::string& name,
                                bool force) {
  auto cfg = run.config;
  cfg.analysis = analysis;
  const auto selection = select_network_layers(cfg, run.folder.test.sample_shape(), run.folder.test.num_classes);
  const auto analyse_one = [&](const std::string& layer, const std::string&) {
    auto one = analysis;
    one.layer = layer;
    analyze_layer(run, one, name + "/" + layer, true);
  };
  const auto& run_dir = run.saved.record.dir;
  auto out = analyze_layers_into((fs::path(run_dir) / name).string(), selection, analysis, store::to_json(cfg),
                                 store::analysis_of_run(store::analysis_dir(run_dir, name), run.saved.record.run_id),
                                 force, analyse_one);
  out.training = store::training_line(run.saved.training);
  return out;
}

LayersOutput analyze_layers_into(const std::string& dir, const LayerSelection& selection, const AnalysisConfig& analysis,
                                 const nlohmann::json& config, bool holds_analysis, bool force,
                                 const AnalyseLayer& analyse_one) {
  LayersOutput out;
  out.dir = dir;
  store::require_folder_kind(dir, store::FolderKind::kAnalysis);
  if (!force && store::has_layers_record(dir))
    throw std::runtime_error(dir + ": already holds an analysis of several layers (layers.json); use --force to "
                             "replace it");
  if (!force && holds_analysis)
    throw std::runtime_error(dir + ": already holds an analysis (summary.json); use --force to replace it");
  store::prepare_output_dir(dir);
  store::own_folder(dir, store::FolderKind::kAnalysis);
  store::remove_awd_files(dir, store::FolderKind::kAnalysis);  // nothing of an earlier analysis stays
  out.record.request = analysis.layer;
  out.record.skipped = selection.skipped;
  for (size_t i = 0; i < selection.analysed.size(); ++i) {
    const auto& layer = selection.analysed[i];
    if (analysis.progress)
      analysis.progress("awd: layer " + layer + " (" + std::to_string(i + 1) + " of " +
                        std::to_string(selection.analysed.size()) + ")\n");
    const auto folder = (fs::path(dir) / layer).string();
    const auto start = std::chrono::steady_clock::now();
    try {
      analyse_one(layer, folder);
    } catch (const std::runtime_error& e) {
      // A failed self-check leaves the layer's results, marked; any other error left none.
      if (!fs::is_regular_file(store::summary_file(folder))) throw;
      out.failures.push_back(e.what());
    }
    out.record.analysed.push_back({layer, layer, seconds_since(start)});
  }
  out.record.config = config;
  store::write_layers_record(dir, out.record);
  return out;
}

}  // namespace awd::experiments
