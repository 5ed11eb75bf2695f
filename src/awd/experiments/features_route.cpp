#include "awd/experiments/features_route.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>

#include "awd/data/dataset.h"
#include "awd/experiments/given_layer.h"
#include "awd/experiments/output_guard.h"
#include "awd/experiments/single_run.h"
#include "awd/io/npy.h"
#include "awd/store/analysis_files.h"
#include "awd/store/analysis_text.h"
#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "awd/store/run_status.h"
#include "awd/util/threads.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::experiments {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw std::runtime_error(path + ": " + what); }

/// The files of the features folder, each read recorded.
struct FeatureFiles {
  std::string dir;
  std::vector<std::string>* read;
  std::string path(const std::string& name) const { return (fs::path(dir) / name).string(); }
  bool has(const char* name) const { return fs::is_regular_file(path(name)); }
  torch::Tensor load(const char* name) const {
    const auto p = path(name);
    if (!fs::is_regular_file(p)) fail(p, "no such file (see awd analyze --help: the features route's files)");
    read->push_back(p);
    return io::read_npy(p);
  }
};

/// The folder's arrays as a given layer (head: the identity), the inputs aside.
GivenLayer read_arrays(const FeatureFiles& f) {
  if (!fs::is_directory(f.dir)) fail(f.dir, "features folder does not exist");
  GivenLayer g;
  g.a_train = f.load("a_train.npy");
  g.a_test = f.load("a_test.npy");
  g.W = f.load("W.npy");
  if (f.has("b.npy")) g.b = f.load("b.npy");
  g.y_train = f.load("y_train.npy");
  g.y_test = f.load("y_test.npy");
  return g;
}

/// partners.npy, else the inputs x_train.npy and x_test.npy (with the data
/// folder's rules) when both are there; given_partners says what is missing.
void read_partners_or_inputs(const FeatureFiles& f, GivenLayer& g) {
  if (f.has("partners.npy")) {
    g.partners = f.load("partners.npy");
  } else if (f.has("x_train.npy") && f.has("x_test.npy")) {
    const auto inputs = data::read_npy_folder(f.dir);
    f.read->push_back(f.path("x_train.npy"));
    f.read->push_back(f.path("x_test.npy"));
    g.x_train = inputs.train.images;
    g.x_test = inputs.test.images;
  }
}

json features_config(const std::vector<std::string>& files, const std::string& dir, const AnalysisConfig& analysis,
                     int threads) {
  json records = json::array();
  for (const auto& p : files) records.push_back(store::file_json(data::record_file(p)));
  RunConfig cfg;
  cfg.analysis = analysis;
  return {{"features", {{"path", dir}, {"files", records}}}, {"analysis", store::to_json(cfg)["analysis"]},
          {"threads", threads}};
}

}  // namespace

AnalysisOutput analyze_features(const std::string& dir, const std::string& out_dir, const AnalysisConfig& analysis,
                                int threads, bool force) {
  std::vector<std::string> files;
  const FeatureFiles f{dir, &files};
  const ArrayNames file_of = [&](const std::string& field) { return f.path(field + ".npy"); };
  auto layer = read_arrays(f);
  check_given_arrays(layer, file_of);  // the arrays first: the inputs are read only for a sound layer
  read_partners_or_inputs(f, layer);
  const auto partners = given_partners(layer, file_of);
  duality::effective_basis_rank(layer.W.numel(), analysis);  // --basis-rank, --n-sharp refused before OUT is made
  OutputGuard guard(out_dir);
  store::prepare_analysis_dir(out_dir, force);
  util::set_threads(threads);
  AnalysisOutput out;
  out.dir = out_dir;
  out.result = analyze_checked_layer(layer, partners, analysis);
  store::save_imported_analysis(out_dir, features_config(files, dir, analysis, threads), analysis,
                                whole_subset(layer.a_train.size(0), layer.a_test.size(0)), out.result);
  guard.dismiss();
  out.table = "features   " + dir + "\n" + store::analysis_table(out.result);
  require_self_checks(out);
  return out;
}

}  // namespace awd::experiments
