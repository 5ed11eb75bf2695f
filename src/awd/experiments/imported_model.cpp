#include "awd/experiments/imported_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/data/transforms.h"
#include "awd/duality/analysis.h"
#include "awd/duality/memory_estimate.h"
#include "awd/duality/torchscript_split.h"
#include "awd/experiments/output_guard.h"
#include "awd/experiments/single_run.h"
#include "awd/store/analysis_files.h"
#include "awd/store/analysis_text.h"
#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"
#include "awd/util/memory.h"
#include "awd/util/threads.h"

using nlohmann::json;

namespace awd::experiments {
namespace {

/// Forward checks need only a few samples; the activities of all are computed once later.
constexpr int64_t kCheckBatch = 64;

/// Every training sample (none corrupted) and the seeded test subset.
data::Subset imported_subset(const data::DataFolder& folder, const ImportedModel& m) {
  data::Subset s;
  s.train_indices.resize(folder.train.size());
  std::iota(s.train_indices.begin(), s.train_indices.end(), 0);
  s.train_labels.assign(folder.train.labels.data_ptr<int64_t>(),
                        folder.train.labels.data_ptr<int64_t>() + folder.train.size());
  s.corrupted.assign(folder.train.size(), false);
  const int64_t n = folder.test.size();
  if (m.n_test > n)
    throw std::invalid_argument("--n-test " + std::to_string(m.n_test) + " exceeds the " + std::to_string(n) +
                                " test samples of " + m.data_dir);
  if (m.n_test <= 0 || m.n_test == n) {
    s.test_indices.resize(n);
    std::iota(s.test_indices.begin(), s.test_indices.end(), 0);
  } else {  // the shuffled order: a prefix (--max-test) is a random subset too
    torch::manual_seed(m.seed);
    const auto perm = torch::randperm(n, torch::kInt64).slice(0, 0, m.n_test).contiguous();
    s.test_indices.assign(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + m.n_test);
  }
  return s;
}

data::Samples imported_samples(const data::DataFolder& folder, const data::Subset& s, const ImportedModel& m) {
  data::Samples out;
  out.train_inputs = data::normalized(folder.train.images, m.mean, m.std);
  out.train_labels = folder.train.labels;
  out.clean_mask = torch::ones({folder.train.size()}, torch::kBool);
  const auto test = torch::tensor(s.test_indices, torch::kInt64);
  out.test_inputs = data::normalized(folder.test.images.index_select(0, test), m.mean, m.std);
  out.test_labels = folder.test.labels.index_select(0, test);
  out.num_classes = folder.train.num_classes;
  return out;
}

json imported_config(const ImportedModel& m, const data::DataFolder& folder, const AnalysisConfig& analysis, int threads) {
  json files = json::array();
  for (const auto* ds : {&folder.train, &folder.test})
    for (const auto& f : ds->files) files.push_back(store::file_json(f));
  RunConfig cfg;
  cfg.analysis = analysis;
  return {{"model", store::file_json(data::record_file(m.model_path))},
          {"data", {{"path", m.data_dir}, {"format", folder.format}, {"files", files}, {"n_test", m.n_test},
                    {"seed", m.seed}, {"normalize", {{"mean", m.mean}, {"std", m.std}}}}},
          {"analysis", store::to_json(cfg)["analysis"]},
          {"threads", threads}};
}

/// The sizes the analysis of `split` on the samples chooses its basis by.
duality::BasisSizes basis_sizes(const data::Samples& s, const duality::LayerSplit& split, const AnalysisConfig& analysis) {
  const int64_t T = s.test_inputs.size(0);
  return {split.weight().numel(), s.train_inputs.size(0), analysis.max_test > 0 ? std::min(analysis.max_test, T) : T};
}

/// The estimated peak of the analysis (bytes): the inputs as read (float32) and
/// their float64 copy, the float64 activities entering the layer and the
/// logits of every sample, and the analysis proper (analysis_memory_bytes).
double peak_memory_bytes(const data::Samples& s, const duality::LayerSplit& split, const AnalysisConfig& analysis) {
  const double samples = double(s.train_inputs.size(0) + s.test_inputs.size(0));
  const double inputs = samples * double(s.train_inputs.numel() / std::max<int64_t>(1, s.train_inputs.size(0)));
  const auto W = split.weight();
  const auto sizes = basis_sizes(s, split, analysis);
  return 12.0 * inputs + 8.0 * samples * double(W.size(1) + 2 * W.size(0)) +
         duality::analysis_memory_bytes(sizes.weights, sizes.pairs, duality::effective_basis_rank(sizes, analysis));
}

/// Refuses an analysis whose estimate exceeds the limit, with both.
void check_peak_memory(const ImportedModel& m, double bytes) {
  const int64_t limit = m.max_memory > 0 ? m.max_memory : util::default_memory_limit();
  if (limit > 0 && bytes > double(limit))
    throw std::runtime_error(m.model_path + ": the analysis needs about " + util::format_bytes(bytes) +
                             ", more than the limit of " + util::format_bytes(double(limit)) +
                             (m.max_memory > 0 ? " (--max-memory)" : " (90% of the available memory; --max-memory)") +
                             "; fewer samples (--n-test), --max-test or --basis-rank lower it");
}

/// The file a split's labels were read from (a CIFAR-10 batch holds its own: the folder).
std::string labels_file(const data::DataFolder& folder, const data::Dataset& ds, const std::string& dir) {
  return folder.format == "cifar10" || ds.files.empty() ? dir : ds.files.back().path;
}

/// Every label must name one of the model's logits: cross-entropy has no loss for another.
void check_labels_fit(const data::DataFolder& folder, const ImportedModel& m, duality::LayerSplit& split) {
  torch::NoGradGuard no_grad;
  const int64_t logits = split.head(torch::zeros({2, split.weight().size(0)}, torch::kDouble)).size(1);
  for (const auto* ds : {&folder.train, &folder.test}) {
    const auto out = (ds->labels >= logits).nonzero();
    if (out.numel() == 0) continue;
    const int64_t at = out[0][0].item<int64_t>();
    throw std::runtime_error(labels_file(folder, *ds, m.data_dir) + ": label " +
                             std::to_string(ds->labels[at].item<int64_t>()) + " of sample " + std::to_string(at) +
                             " is out of range 0.." + std::to_string(logits - 1) + " (" + m.model_path + " gives " +
                             std::to_string(logits) + " logits)");
  }
}

/// The reason of a refusal without the model's path, which layers.json names once.
std::string reason_of(const std::string& error, const std::string& model_path) {
  const auto prefix = model_path + ": ";
  return error.rfind(prefix, 0) == 0 ? error.substr(prefix.size()) : error;
}

/// Every Linear submodule of the model, with the reason it cannot be analysed:
/// the model cannot be cut there (torchscript_split's checks: a file
/// exported at one layer holds the cut of that layer only), or the options
/// do not fit its size.
std::vector<store::LayerCandidate> imported_candidates(const ImportedModel& m, const data::Samples& samples,
                                                       const AnalysisConfig& analysis) {
  const auto check = samples.train_inputs.slice(0, 0, kCheckBatch);
  duality::ActivityPass pass;
  pass.progress = false;
  std::vector<store::LayerCandidate> out;
  for (const auto& name : duality::torchscript_linear_layers(m.model_path)) {
    store::LayerCandidate c{name, ""};
    try {
      const auto split = duality::torchscript_split(m.model_path, name, check, pass);
      duality::effective_basis_rank(basis_sizes(samples, *split, analysis), analysis);
    } catch (const std::runtime_error& e) {
      c.reason = reason_of(e.what(), m.model_path);
    } catch (const std::invalid_argument& e) {
      c.reason = e.what();
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

LayersOutput analyze_imported_layers(const ImportedModel& m, const AnalysisConfig& analysis, int threads) {
  if (m.mean.size() != m.std.size()) throw std::invalid_argument("--normalize takes as many means as standard deviations");
  const auto folder = data::load_folder(m.data_dir);
  if (folder.single_split())
    throw std::invalid_argument(m.data_dir + ": needs a training and a test split (found one split only)");
  const auto subset = imported_subset(folder, m);
  util::set_threads(threads);
  const auto selection = select_layers(analysis.layer, imported_candidates(m, imported_samples(folder, subset, m), analysis));
  const auto analyse_one = [&](const std::string& layer, const std::string& dir) {
    auto one = m;
    one.out_dir = dir;
    one.force = true;  // the folder was cleared: nothing of an earlier analysis is in it
    auto a = analysis;
    a.layer = layer;
    analyze_imported_model(one, a, threads);
  };
  OutputGuard guard(m.out_dir);
  auto out = analyze_layers_into(m.out_dir, selection, analysis, imported_config(m, folder, analysis, threads),
                                 std::filesystem::is_regular_file(store::summary_file(m.out_dir)),
                                 m.force, analyse_one);
  guard.dismiss();
  return out;
}

AnalysisOutput analyze_imported_model(const ImportedModel& m, const AnalysisConfig& requested, int threads) {
  if (m.mean.size() != m.std.size()) throw std::invalid_argument("--normalize takes as many means as standard deviations");
  AnalysisOutput out;
  out.dir = m.out_dir;
  const auto folder = data::load_folder(m.data_dir);
  if (folder.single_split())
    throw std::invalid_argument(m.data_dir + ": needs a training and a test split (found one split only)");
  const auto subset = imported_subset(folder, m);
  const auto samples = imported_samples(folder, subset, m);
  util::set_threads(threads);
  const auto check = samples.train_inputs.slice(0, 0, kCheckBatch);
  duality::ActivityPass pass;
  pass.float32 = !m.float64_activities;
  pass.progress = m.progress;
  const auto split = duality::torchscript_split(m.model_path, requested.layer, check, pass);
  AnalysisConfig analysis = requested;
  analysis.layer = split->name();  // the model's only Linear when none was named
  check_labels_fit(folder, m, *split);
  check_peak_memory(m, peak_memory_bytes(samples, *split, analysis));
  // After every input was checked, so that a refused model leaves no folder behind.
  OutputGuard guard(out.dir);
  store::prepare_analysis_dir(out.dir, m.force);
  out.result = duality::analyze(*split, samples, analysis);
  store::save_imported_analysis(out.dir, imported_config(m, folder, analysis, threads), analysis, subset, out.result);
  guard.dismiss();
  out.table = "model      " + m.model_path + "\n" + store::analysis_table(out.result);
  require_self_checks(out);
  return out;
}

}  // namespace awd::experiments
