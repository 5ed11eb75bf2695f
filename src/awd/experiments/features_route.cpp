#include "awd/experiments/features_route.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "awd/data/dataset.h"
#include "awd/experiments/output_guard.h"
#include "awd/experiments/single_run.h"
#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/duality/given_activities.h"
#include "awd/duality/partners.h"
#include "awd/io/npy.h"
#include "awd/store/analysis_files.h"
#include "awd/store/config_json.h"
#include "awd/store/run_status.h"
#include "awd/util/threads.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::experiments {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw std::runtime_error(path + ": " + what); }

/// The arrays of the features folder, checked against each other.
struct Features {
  torch::Tensor a_train, a_test, y_train, y_test, W, b, partners;
  std::vector<std::string> files;  ///< every file read, for the record
};

struct FeatureFiles {
  std::string dir;
  std::vector<std::string>* read;
  std::string path(const char* name) const { return (fs::path(dir) / name).string(); }
  bool has(const char* name) const { return fs::is_regular_file(path(name)); }
  torch::Tensor load(const char* name, bool floating, int64_t dims) const {
    const auto p = path(name);
    if (!fs::is_regular_file(p)) fail(p, "no such file (see awd analyze --help: the features route's files)");
    const auto t = io::read_npy(p);
    read->push_back(p);
    if (floating != c10::isFloatingType(t.scalar_type()))
      fail(p, std::string(floating ? "must be float32 or float64" : "must hold integers") + ", not " +
                  io::numpy_dtype(t.scalar_type()));
    if (t.dim() != dims) fail(p, "must be " + std::to_string(dims) + "-dimensional, not " + c10::str(t.sizes()));
    if (t.numel() == 0) fail(p, "holds no values (shape " + c10::str(t.sizes()) + ")");
    io::require_finite(p, t);
    return floating ? t : t.to(torch::kInt64);
  }
};

void check_rows(const FeatureFiles& f, const char* name, const torch::Tensor& t, int64_t rows, const char* of) {
  if (t.size(0) != rows)
    fail(f.path(name), std::to_string(t.size(0)) + " rows for the " + std::to_string(rows) + " rows of " + f.path(of));
}

void check_labels(const FeatureFiles& f, const char* name, const torch::Tensor& y, int64_t classes) {
  const auto out = ((y < 0) | (y >= classes)).nonzero();
  if (out.numel() == 0) return;
  const int64_t at = out[0][0].item<int64_t>();
  fail(f.path(name), "label " + std::to_string(y[at].item<int64_t>()) + " of sample " + std::to_string(at) +
                         " is out of range 0.." + std::to_string(classes - 1) + " (the rows of W.npy)");
}

/// The partner search needs both x files; without partners.npy, a missing one is named.
void require_inputs(const FeatureFiles& f) {
  const bool train = f.has("x_train.npy"), test = f.has("x_test.npy");
  if (!train && !test)
    fail(f.dir, "holds neither x_train.npy and x_test.npy (the inputs as fed to the network, for the partner "
                "search) nor partners.npy (for each test sample its partner's row in a_train.npy)");
  if (!train || !test)
    fail(f.path(train ? "x_test.npy" : "x_train.npy"),
         "no such file: the partner search needs x_train.npy and x_test.npy, or give partners.npy instead");
}

/// partners.npy, or the search of SPEC §2 over x_train.npy and x_test.npy.
torch::Tensor feature_partners(const FeatureFiles& f, const Features& a) {
  if (!f.has("partners.npy")) {
    require_inputs(f);
    const auto inputs = data::read_npy_folder(f.dir);  // x_*, y_* with the data folder's rules
    f.read->push_back(f.path("x_train.npy"));
    f.read->push_back(f.path("x_test.npy"));
    check_rows(f, "x_train.npy", inputs.train.images, a.a_train.size(0), "a_train.npy");
    check_rows(f, "x_test.npy", inputs.test.images, a.a_test.size(0), "a_test.npy");
    return duality::partner_set(inputs.test.images, a.y_test, inputs.train.images, a.y_train);
  }
  const auto p = f.load("partners.npy", false, 1);
  check_rows(f, "partners.npy", p, a.a_test.size(0), "a_test.npy");
  const auto out = ((p < 0) | (p >= a.a_train.size(0))).nonzero();
  if (out.numel() > 0)
    fail(f.path("partners.npy"), "partner " + std::to_string(p[out[0][0]].item<int64_t>()) + " of test sample " +
                                     std::to_string(out[0][0].item<int64_t>()) + " is not a row of a_train.npy");
  const auto other = a.y_train.index_select(0, p).ne(a.y_test).nonzero();
  if (other.numel() > 0)
    fail(f.path("partners.npy"), "the partner of test sample " + std::to_string(other[0][0].item<int64_t>()) +
                                     " has another label (SPEC §2: same class)");
  return p;
}

/// W [m, n] takes activities of width n, both sets of activities have it, and m counts classes.
void check_shapes(const FeatureFiles& f, const Features& a) {
  const int64_t width = a.a_train.size(1), m = a.W.size(0), n = a.W.size(1);
  if (a.a_test.size(1) != width)
    fail(f.path("a_test.npy"), "activities of width " + std::to_string(a.a_test.size(1)) + ", but a_train.npy's have " +
                                   std::to_string(width));
  if (n != width)
    fail(f.path("W.npy"), "W is " + c10::str(a.W.sizes()) + " (outputs x inputs), but the activities have width " +
                              std::to_string(width) +
                              (m == width ? ": W looks transposed; save it as [outputs, inputs], as torch.nn.Linear "
                                            "holds its weight"
                                          : ""));
  if (m < 2)
    fail(f.path("W.npy"), "W is " + c10::str(a.W.sizes()) +
                              ": one output; the layer's outputs are the logits, one per class (at least 2)");
}

Features read_features(const std::string& dir, std::vector<std::string>& files) {
  const FeatureFiles f{dir, &files};
  if (!fs::is_directory(dir)) fail(dir, "features folder does not exist");
  Features a;
  a.a_train = f.load("a_train.npy", true, 2);
  a.a_test = f.load("a_test.npy", true, 2);
  a.W = f.load("W.npy", true, 2);
  if (f.has("b.npy")) a.b = f.load("b.npy", true, 1);
  a.y_train = f.load("y_train.npy", false, 1);
  a.y_test = f.load("y_test.npy", false, 1);
  check_shapes(f, a);
  if (a.b.defined() && a.b.size(0) != a.W.size(0))
    fail(f.path("b.npy"), "b " + c10::str(a.b.sizes()) + " does not fit W " + c10::str(a.W.sizes()));
  check_rows(f, "y_train.npy", a.y_train, a.a_train.size(0), "a_train.npy");
  check_rows(f, "y_test.npy", a.y_test, a.a_test.size(0), "a_test.npy");
  check_labels(f, "y_train.npy", a.y_train, a.W.size(0));
  check_labels(f, "y_test.npy", a.y_test, a.W.size(0));
  a.partners = feature_partners(f, a);
  return a;
}

json features_config(const std::vector<std::string>& files, const std::string& dir, const AnalysisConfig& analysis,
                     int threads) {
  json records = json::array();
  for (const auto& p : files) {
    const auto r = data::record_file(p);
    records.push_back({{"path", r.path}, {"bytes", r.bytes}, {"crc32", r.crc32}});
  }
  RunConfig cfg;
  cfg.analysis = analysis;
  return {{"features", {{"path", dir}, {"files", records}}}, {"analysis", store::to_json(cfg)["analysis"]},
          {"threads", threads}};
}

}  // namespace

AnalysisOutput analyze_features(const std::string& dir, const std::string& out_dir, const AnalysisConfig& analysis,
                                int threads, bool force) {
  std::vector<std::string> files;
  const auto a = read_features(dir, files);
  const int64_t S = a.a_train.size(0), T = a.a_test.size(0);
  data::Samples samples;
  samples.train_inputs = duality::sample_ids(0, S);
  samples.train_labels = a.y_train;
  samples.clean_mask = torch::ones({S}, torch::kBool);
  samples.test_inputs = duality::sample_ids(S, T);
  samples.test_labels = a.y_test;
  samples.num_classes = a.W.size(0);
  data::Subset subset;
  subset.train_indices.resize(S);
  std::iota(subset.train_indices.begin(), subset.train_indices.end(), 0);
  subset.corrupted.assign(S, false);
  subset.test_indices.resize(T);
  std::iota(subset.test_indices.begin(), subset.test_indices.end(), 0);
  const auto split = duality::given_activities("W", torch::cat({a.a_train.to(torch::kDouble), a.a_test.to(torch::kDouble)}),
                                               a.W, a.b);
  OutputGuard guard(out_dir);
  store::prepare_analysis_dir(out_dir, force);
  util::set_threads(threads);
  AnalysisOutput out;
  out.dir = out_dir;
  out.result = duality::analyze(*split, samples, analysis, a.partners);
  store::save_imported_analysis(out_dir, features_config(files, dir, analysis, threads), analysis, subset, out.result);
  guard.dismiss();
  out.table = "features   " + dir + "\n" + store::analysis_table(out.result);
  require_self_checks(out);
  return out;
}

}  // namespace awd::experiments
