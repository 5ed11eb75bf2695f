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
#include "awd/store/config_json.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_dir.h"
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

/// Every dense layer of the run's network, each with the reason it cannot be
/// analysed with these options (a basis rank or n_s beyond its N), checked on
/// an untrained copy so that nothing is written before a refusal.
std::vector<store::LayerCandidate> run_candidates(const RunConfig& cfg, const data::DataFolder& folder,
                                                  const AnalysisConfig& analysis) {
  auto shape = folder.test.images.sizes().vec();
  shape.erase(shape.begin());
  const auto model = models::make_classifier(cfg.model, shape, folder.train.num_classes, 0);
  std::vector<store::LayerCandidate> out;
  for (const auto& name : model->dense_layer_names()) {
    store::LayerCandidate c{name, ""};
    try {
      duality::effective_basis_rank(model->dense_layer(name)->weight.numel(), analysis);
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

LayersOutput analyze_solution_layers(const std::string& run_dir, const AnalysisConfig& analysis,
                                     const std::string& name, bool force) {
  store::check_analysis_name(name);
  LayersOutput out;
  out.dir = (fs::path(run_dir) / name).string();
  const auto cfg = store::load_run_config(run_dir);
  const auto selection = select_layers(analysis.layer, run_candidates(cfg, data::load_folder(cfg.data.path), analysis));
  store::require_folder_kind(out.dir, store::FolderKind::kAnalysis);
  if (!force && store::has_layers_record(out.dir))
    throw std::runtime_error(out.dir + ": already holds an analysis of several layers (layers.json); use --force to "
                             "replace it");
  if (!force && store::analysis_finished(run_dir, name))
    throw std::runtime_error(out.dir + ": already holds an analysis of this run (summary.json); use --force to replace it");
  store::prepare_output_dir(out.dir);
  store::own_folder(out.dir, store::FolderKind::kAnalysis);
  store::remove_awd_files(out.dir, store::FolderKind::kAnalysis);  // nothing of an earlier analysis stays
  out.record.request = analysis.layer;
  out.record.skipped = selection.skipped;
  for (size_t i = 0; i < selection.analysed.size(); ++i) {
    const auto& layer = selection.analysed[i];
    if (analysis.progress)
      analysis.progress("awd: layer " + layer + " (" + std::to_string(i + 1) + " of " +
                        std::to_string(selection.analysed.size()) + ")\n");
    auto one = analysis;
    one.layer = layer;
    const auto folder = name + "/" + layer;
    const auto start = std::chrono::steady_clock::now();
    try {
      analyze_solution_into(run_dir, one, folder, true);
    } catch (const std::runtime_error& e) {
      if (!store::analysis_finished(run_dir, folder)) throw;
      out.failures.push_back(e.what());  // a failed self-check: the layer's results are kept and marked
    }
    out.record.analysed.push_back({layer, layer, seconds_since(start)});
  }
  auto recorded = cfg;
  recorded.analysis = analysis;
  out.record.config = store::to_json(recorded);
  store::write_layers_record(out.dir, out.record);
  return out;
}

}  // namespace awd::experiments
