#include "awd/io/run_dir.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "awd/io/files.h"
#include "awd/util/threads.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::io {
namespace {

/// Binds JSON keys of one section to config fields, both ways.
class Section {
 public:
  template <typename T>
  Section& field(const std::string& key, T& value) {
    write_[key] = [&value](json& j) { j = value; };
    read_[key] = [&value](const json& j) { value = j.get<T>(); };
    order_.push_back(key);
    return *this;
  }
  json dump() const {
    json j = json::object();
    for (const auto& k : order_) write_.at(k)(j[k]);
    return j;
  }
  void load(const json& j, const std::string& where) const {
    if (!j.is_object()) throw std::invalid_argument(where + ": expected an object");
    for (const auto& [k, v] : j.items()) {
      auto it = read_.find(k);
      if (it == read_.end()) throw std::invalid_argument(where + "." + k + ": unknown option");
      try {
        it->second(v);
      } catch (const json::exception&) {
        throw std::invalid_argument(where + "." + k + ": wrong type (" + v.dump() + ")");
      }
    }
  }

 private:
  std::map<std::string, std::function<void(json&)>> write_;
  std::map<std::string, std::function<void(const json&)>> read_;
  std::vector<std::string> order_;
};

std::map<std::string, Section> sections(RunConfig& c) {
  std::map<std::string, Section> s;
  s["data"].field("path", c.data.path).field("per_class", c.data.per_class).field("n_test", c.data.n_test)
      .field("label_noise", c.data.label_noise).field("seed", c.data.seed);
  s["model"].field("arch", c.model.arch).field("hidden", c.model.hidden).field("bias", c.model.bias)
      .field("dropout", c.model.dropout).field("init", c.model.init).field("init_scale", c.model.init_scale)
      .field("preset", c.model.preset);
  s["train"].field("lr", c.train.lr).field("batch_size", c.train.batch_size)
      .field("weight_decay", c.train.weight_decay).field("decay_stop", c.train.decay_stop)
      .field("decay_penalty", c.train.decay_penalty).field("stop_loss", c.train.stop_loss)
      .field("stop_accuracy", c.train.stop_accuracy).field("max_epoch", c.train.max_epoch)
      .field("seed", c.train.seed);
  s["learners"].field("count", c.learners.count).field("algo", c.learners.algo)
      .field("mixing", c.learners.mixing).field("backend", c.learners.backend)
      .field("noise_every", c.learners.noise_every).field("noise_top", c.learners.noise_top);
  s["analysis"].field("layer", c.analysis.layer).field("basis", c.analysis.basis)
      .field("delta_scale", c.analysis.delta_scale).field("max_test", c.analysis.max_test)
      .field("n_sharp", c.analysis.n_sharp).field("flatness_top", c.analysis.flatness_top);
  return s;
}

json parse_json(const std::string& path) {
  try {
    return json::parse(read_text(path));
  } catch (const json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

json files_json(const std::vector<data::FileRecord>& files) {
  json out = json::array();
  for (const auto& f : files) {
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", f.crc32);
    out.push_back({{"path", fs::absolute(f.path).lexically_normal().string()}, {"bytes", f.bytes}, {"crc32", crc}});
  }
  return out;
}

json training_json(const train::TrainResult& r) {
  json hist = json::array();
  for (const auto& e : r.history)
    hist.push_back({{"epoch", e.epoch}, {"train_loss", std::isfinite(e.train_loss) ? json(e.train_loss) : json(nullptr)},
                    {"train_accuracy", e.train_accuracy}, {"seconds", e.seconds}});
  return {{"stop_reason", r.stop_reason},
          {"epochs", r.epochs},
          {"train_loss", std::isfinite(r.train_loss) ? json(r.train_loss) : json(nullptr)},
          {"train_accuracy", r.train_accuracy},
          {"seconds", r.seconds},
          {"seconds_per_epoch", r.epochs ? r.seconds / double(r.epochs) : 0.0},
          {"history", hist}};
}

train::TrainResult training_from_json(const json& j) {
  train::TrainResult r;
  r.stop_reason = j.at("stop_reason").get<std::string>();
  r.epochs = j.at("epochs").get<int64_t>();
  r.train_loss = j.at("train_loss").is_null() ? NAN : j.at("train_loss").get<double>();
  r.train_accuracy = j.at("train_accuracy").get<double>();
  r.seconds = j.at("seconds").get<double>();
  return r;
}

std::string join(const fs::path& dir, const std::string& name) { return (dir / name).string(); }

/// The noise series of SPEC §8 (paper Fig. 6), one row per recorded step.
std::string noise_csv(const std::vector<train::NoiseRecord>& noise) {
  std::ostringstream csv;
  csv.precision(17);
  const size_t k = noise.front().top_eigenvalues.size();
  csv << "step,epoch,train_loss,eta_sq,eta_layer_sq";
  for (size_t i = 1; i <= k; ++i) csv << ",lambda_" << i;
  for (size_t i = 1; i <= k; ++i) csv << ",eta_top_sq_" << i;
  csv << '\n';
  for (const auto& r : noise) {
    csv << r.step << ',' << r.epoch << ',' << r.train_loss << ',' << r.eta_sq << ',' << r.eta_layer_sq;
    for (double v : r.top_eigenvalues) csv << ',' << v;
    for (double v : r.eta_top_sq) csv << ',' << v;
    csv << '\n';
  }
  return csv.str();
}

}  // namespace

json to_json(const RunConfig& cfg_in) {
  RunConfig cfg = cfg_in;
  json j;
  for (const auto& [name, sec] : sections(cfg)) j[name] = sec.dump();
  j["threads"] = cfg.threads;
  return j;
}

void update_from_json(RunConfig& cfg, const json& j, const std::string& source) {
  if (!j.is_object()) throw std::invalid_argument(source + ": a config must be a JSON object");
  auto secs = sections(cfg);
  for (const auto& [k, v] : j.items()) {
    if (k == "threads") {
      if (!v.is_number_integer()) throw std::invalid_argument(source + ": threads: wrong type");
      cfg.threads = v.get<int>();
    } else if (secs.count(k)) {
      secs.at(k).load(v, source + ": " + k);
    } else if (k != "awd_version" && k != "data_files" && k != "samples" && k != "blas") {
      throw std::invalid_argument(source + ": " + k + ": unknown section (data, model, train, learners, analysis, threads)");
    }
  }
}

RunConfig read_config_file(const std::string& path, RunConfig cfg) {
  update_from_json(cfg, parse_json(path), path);
  return cfg;
}

void prepare_output_dir(const std::string& dir, const std::string& marker, bool force) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw std::runtime_error(dir + ": cannot create output folder (" + ec.message() + ")");
  if (::access(dir.c_str(), W_OK) != 0) throw std::runtime_error(dir + ": output folder is not writable");
  if (!force && fs::exists(fs::path(dir) / marker))
    throw std::runtime_error(dir + ": already holds a finished run (" + marker + "); use --force to overwrite");
}

void save_run(const std::string& dir, const RunConfig& cfg, const data::DataFolder& folder,
              const data::Subset& subset, models::Classifier& model, const train::TrainResult& result) {
  json j = to_json(cfg);
  j["awd_version"] = AWD_VERSION;
  j["blas"] = util::blas_info().config;
  auto files = folder.train.files;
  files.insert(files.end(), folder.test.files.begin(), folder.test.files.end());
  j["data_files"] = files_json(files);
  std::vector<int64_t> corrupted;
  for (size_t i = 0; i < subset.corrupted.size(); ++i)
    if (subset.corrupted[i]) corrupted.push_back(static_cast<int64_t>(i));
  j["samples"] = {{"single_split", subset.single_split},
                  {"train_indices", subset.train_indices},
                  {"train_labels", subset.train_labels},
                  {"corrupted", corrupted},
                  {"test_indices", subset.test_indices}};
  write_atomic(join(dir, "config.json"), j.dump(1) + "\n");

  std::ostringstream checkpoint;
  torch::save(model.stages(), checkpoint);
  write_atomic(join(dir, "model.pt"), checkpoint.str());
  const fs::path wdir = fs::path(dir) / "weights";
  fs::create_directories(wdir);
  for (const auto& p : model.named_parameters()) {
    std::string name = p.key();
    if (name.rfind("stages.", 0) == 0) name = name.substr(7);
    write_atomic(join(wdir, name + ".npy"), npy_bytes(p.value()));
  }
  if (!result.noise.empty()) write_atomic(join(dir, "noise.csv"), noise_csv(result.noise));
  write_atomic(join(dir, "training.json"), training_json(result).dump(1) + "\n");
}

RunConfig load_run_config(const std::string& dir) {
  const auto path = join(dir, "config.json");
  if (!fs::exists(path)) throw std::runtime_error(dir + ": not a run directory (no config.json)");
  RunConfig cfg;
  update_from_json(cfg, parse_json(path), path);
  return cfg;
}

SavedRun load_run(const std::string& dir, const data::DataFolder& folder) {
  SavedRun run;
  run.config = load_run_config(dir);
  const auto tpath = join(dir, "training.json");
  if (!fs::exists(tpath)) throw std::runtime_error(dir + ": the run did not finish (no training.json)");
  const auto cpath = join(dir, "config.json");
  try {
    const json j = parse_json(cpath);
    const auto& s = j.at("samples");
    run.subset.single_split = s.at("single_split").get<bool>();
    run.subset.train_indices = s.at("train_indices").get<std::vector<int64_t>>();
    run.subset.train_labels = s.at("train_labels").get<std::vector<int64_t>>();
    run.subset.test_indices = s.at("test_indices").get<std::vector<int64_t>>();
    run.subset.corrupted.assign(run.subset.train_indices.size(), false);
    for (auto i : s.at("corrupted").get<std::vector<int64_t>>()) run.subset.corrupted.at(i) = true;
    run.training = training_from_json(parse_json(tpath));
  } catch (const json::exception& e) {
    throw std::runtime_error(cpath + ": incomplete run record (" + std::string(e.what()) + ")");
  } catch (const std::out_of_range&) {
    throw std::runtime_error(cpath + ": sample indices out of range");
  }
  const int64_t src = run.subset.single_split ? folder.test.size() : folder.train.size();
  for (auto i : run.subset.train_indices)
    if (i < 0 || i >= src) throw std::runtime_error(cpath + ": training index " + std::to_string(i) + " is not in the data");
  for (auto i : run.subset.test_indices)
    if (i < 0 || i >= folder.test.size()) throw std::runtime_error(cpath + ": test index " + std::to_string(i) + " is not in the data");
  auto shape = folder.test.images.sizes().vec();
  shape.erase(shape.begin());
  run.model = models::make_classifier(run.config.model, shape, folder.test.num_classes, run.config.train.seed);
  auto stages = run.model->stages();
  try {
    torch::load(stages, join(dir, "model.pt"));
  } catch (const c10::Error& e) {
    throw std::runtime_error(join(dir, "model.pt") + ": cannot load the checkpoint (corrupt, or another architecture)");
  }
  return run;
}

void save_analysis(const std::string& dir, const RunConfig& cfg, const data::Subset& subset,
                   const train::TrainResult& training, const duality::AnalysisResult& r) {
  const auto& d = r.decomposition;
  const auto& dir_ = d.directions;
  json drops = json::array();
  for (const auto& x : d.largest_drops)
    drops.push_back({{"rank", x.rank}, {"log_ratio", std::isfinite(x.log_ratio) ? json(x.log_ratio) : json("inf")}});
  // JSON has no infinity: null is a direction whose loss never doubled within the cap.
  json flat_F = json::array();
  if (r.flatness.F.defined())
    for (int64_t i = 0; i < r.flatness.F.numel(); ++i) {
      const double v = r.flatness.F[i].item<double>();
      flat_F.push_back(std::isfinite(v) ? json(v) : json(nullptr));
    }
  json summary = {
      {"awd_version", AWD_VERSION},
      {"config", to_json(cfg)},
      {"training", {{"stop_reason", training.stop_reason}, {"epochs", training.epochs},
                    {"train_loss", std::isfinite(training.train_loss) ? json(training.train_loss) : json(nullptr)},
                    {"train_accuracy", training.train_accuracy}, {"seconds", training.seconds}}},
      {"layer", r.layer}, {"m", r.rows}, {"n", r.cols}, {"N", r.rows * r.cols},
      {"basis", cfg.analysis.basis}, {"delta_scale", cfg.analysis.delta_scale},
      {"loss_train", r.loss_train}, {"loss_test", r.loss_test}, {"loss_partners", r.loss_partners},
      {"loss_test_pairs", r.test_loss_pairs},
      {"gap", r.gap}, {"pair_gap", r.pair_gap}, {"eq10_sum", d.eq10_sum}, {"eq10_residual", r.eq10_residual},
      {"sum_dL", d.sum_dL}, {"n_sharp", d.n_sharp}, {"n_sharp_fixed", d.n_sharp_fixed},
      {"dL_sharp", d.dL_sharp}, {"dL_flat", d.dL_flat}, {"largest_sharpness_drops", drops},
      {"duality_max_residual", r.duality_max_residual},
      {"weight_norm", r.weight_norm}, {"train_error", r.train_error}, {"test_error", r.test_error},
      {"pairs_kept", r.pairs_kept}, {"pairs_skipped", r.pairs_skipped},
      {"flatness_F", flat_F},
      {"seconds", r.seconds}};

  std::ostringstream csv;
  csv.precision(17);
  csv << "rank,basis_index,lambda,sigma_g,sigma_w,mu_g,mu_w,c,dL_i,S_w,S_L\n";
  const auto cols = torch::stack({dir_.lambda, dir_.sigma_g, dir_.sigma_w, dir_.mu_g, dir_.mu_w, dir_.c, dir_.dL,
                                  dir_.S_w, dir_.S_L}, 1).contiguous();
  const auto a = cols.accessor<double, 2>();
  const auto bi = dir_.basis_index.accessor<int64_t, 1>();
  for (int64_t i = 0; i < cols.size(0); ++i) {
    csv << i + 1 << ',' << bi[i];
    for (int64_t k = 0; k < cols.size(1); ++k) csv << ',' << a[i][k];
    csv << '\n';
  }
  write_atomic(join(dir, "directions.csv"), csv.str());

  std::ostringstream pcsv;
  pcsv.precision(17);
  pcsv << "k,test_sample,partner,partner_sample,kept,l_k,norm_x,norm_dx,norm_dW,duality_residual\n";
  const auto& p = r.pairs;
  const auto ti = p.test_index.accessor<int64_t, 1>();
  const auto pi = p.partner_index.accessor<int64_t, 1>();
  const auto kept = p.kept.accessor<bool, 1>();
  const auto num = torch::stack({p.pair_gap, p.norm_x, p.norm_dx, p.norm_dw, p.duality_residual}, 1).contiguous();
  const auto na = num.accessor<double, 2>();
  // The partner's index into the run's training set counts the clean samples only.
  std::vector<int64_t> clean;
  for (size_t i = 0; i < subset.corrupted.size(); ++i)
    if (!subset.corrupted[i]) clean.push_back(subset.train_indices[i]);
  for (int64_t k = 0; k < num.size(0); ++k) {
    pcsv << ti[k] << ',' << subset.test_indices.at(ti[k]) << ',' << pi[k] << ',' << clean.at(pi[k]) << ','
         << (kept[k] ? 1 : 0);
    for (int64_t c = 0; c < num.size(1); ++c) pcsv << ',' << na[k][c];
    pcsv << '\n';
  }
  write_atomic(join(dir, "pairs.csv"), pcsv.str());

  // std::ostream writes +inf as "inf": a direction whose loss never doubles (paper Fig. S6).
  const auto& f = r.flatness;
  if (f.F.defined() && f.F.numel() > 0) {
    std::ostringstream fcsv;
    fcsv.precision(17);
    fcsv << "rank,basis_index,lambda,sigma_g,t_plus,t_minus,F\n";
    const auto fb = f.basis_index.accessor<int64_t, 1>();
    const auto fv = torch::stack({f.lambda, f.sigma_g, f.t_plus, f.t_minus, f.F}, 1).contiguous();
    const auto fa = fv.accessor<double, 2>();
    for (int64_t i = 0; i < fv.size(0); ++i) {
      fcsv << i + 1 << ',' << fb[i];
      for (int64_t k = 0; k < fv.size(1); ++k) fcsv << ',' << fa[i][k];
      fcsv << '\n';
    }
    write_atomic(join(dir, "flatness.csv"), fcsv.str());
  }

  const auto& c = r.coverage;
  if (c.fraction.defined()) {
    std::ostringstream ccsv;
    ccsv.precision(17);
    ccsv << "fraction,pairs,pair_gap,gap\n";
    const auto cp = c.pairs.accessor<int64_t, 1>();
    const auto cv = torch::stack({c.fraction, c.pair_gap, c.gap}, 1).contiguous();
    const auto ca = cv.accessor<double, 2>();
    for (int64_t i = 0; i < cv.size(0); ++i)
      ccsv << ca[i][0] << ',' << cp[i] << ',' << ca[i][1] << ',' << ca[i][2] << '\n';
    write_atomic(join(dir, "coverage.csv"), ccsv.str());
  }

  // Last: summary.json marks a finished analysis.
  write_atomic(join(dir, "summary.json"), summary.dump(1) + "\n");
}

std::string summary_table(const train::TrainResult& t, const duality::AnalysisResult& r) {
  const auto& d = r.decomposition;
  char buf[4096];
  std::string drops;
  for (const auto& x : d.largest_drops) drops += (drops.empty() ? "" : ", ") + std::to_string(x.rank);
  // One line for paper Fig. S6: the sharpest direction and the last one measured.
  std::string flat;
  if (r.flatness.F.defined() && r.flatness.F.numel() > 0) {
    const auto& F = r.flatness.F;
    const int64_t k = F.numel();
    char line[160];
    std::snprintf(line, sizeof line, "flatness   F_1 = %.4g   F_%lld = %.4g   (distance to 2 L(S_train), +-v_i)\n",
                  F[0].item<double>(), static_cast<long long>(k), F[k - 1].item<double>());
    flat = line;
  }
  std::snprintf(
      buf, sizeof buf,
      "training   %s after %lld epochs (%.2f s), train loss %.3g, train acc %.4f\n"
      "layer      %s (%lld x %lld, N = %lld), ||W|| = %.4g\n"
      "errors     train %.4f  test %.4f\n"
      "losses     L(S_train) %.5f  L(S_test) %.5f  L(S_p) %.5f\n"
      "gap        dL = %.5f   dL_p = %.5f (%lld pairs, %lld skipped)\n"
      "Eq. 10     sum_i(mu_g mu_w + c sigma_g sigma_w) = %.10f   residual %.2e\n"
      "Eq. 11     sum_i dL_i = %.5f   dL_s = %.5f (n_s = %lld%s)   dL_f = %.5f\n"
      "           largest sigma_g drops after ranks %s\n"
      "duality    max |l(u_p; W*) - l(u'; W)| = %.2e\n"
      "%s"
      "analysis   %.3f s\n",
      t.stop_reason.c_str(), static_cast<long long>(t.epochs), t.seconds, t.train_loss, t.train_accuracy,
      r.layer.c_str(), static_cast<long long>(r.rows), static_cast<long long>(r.cols),
      static_cast<long long>(r.rows * r.cols), r.weight_norm, r.train_error, r.test_error, r.loss_train, r.loss_test,
      r.loss_partners, r.gap, r.pair_gap, static_cast<long long>(r.pairs_kept), static_cast<long long>(r.pairs_skipped),
      d.eq10_sum, r.eq10_residual, d.sum_dL, d.dL_sharp, static_cast<long long>(d.n_sharp),
      d.n_sharp_fixed ? ", fixed" : "", d.dL_flat, drops.c_str(), r.duality_max_residual, flat.c_str(),
      [&] { double s = 0; for (const auto& [k, v] : r.seconds) s += v; return s; }());
  return buf;
}

}  // namespace awd::io
