#include "awd/store/run_dir.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/models/training_view.h"
#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"
#include "awd/store/weights_folder.h"
#include "awd/util/threads.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {
namespace {

json training_json(const train::TrainResult& r) {
  json hist = json::array();
  auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  for (const auto& e : r.history) {
    hist.push_back({{"epoch", e.epoch}, {"train_loss", number(e.train_loss)}, {"train_accuracy", e.train_accuracy},
                    {"test_loss", number(e.test_loss)}, {"test_error", e.test_error}, {"seconds", e.seconds}});
    if (!std::isnan(e.minibatch_loss)) hist.back()["minibatch_loss"] = number(e.minibatch_loss);
  }
  return {{"stop_reason", to_string(r.stop_reason)},
          {"eval_every", r.eval_every},
          {"epochs", r.epochs},
          {"train_loss", std::isfinite(r.train_loss) ? json(r.train_loss) : json(nullptr)},
          {"train_accuracy", r.train_accuracy},
          {"seconds", r.seconds},
          {"seconds_per_epoch", r.epochs ? r.seconds / double(r.epochs) : 0.0},
          {"history", hist}};
}

train::TrainResult training_from_json(const json& j) {
  train::TrainResult r;
  r.stop_reason = parse_option<StopReason>(j.at("stop_reason").get<std::string>());
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
  const size_t k = noise.front().top_eigenvalues.size();
  csv << "step,epoch,train_loss,eta_sq,eta_layer_sq";
  for (size_t i = 1; i <= k; ++i) csv << ",lambda_" << i;
  for (size_t i = 1; i <= k; ++i) csv << ",eta_top_sq_" << i;
  csv << '\n';
  for (const auto& r : noise) {
    csv << r.step << ',' << r.epoch;
    for (double v : {r.train_loss, r.eta_sq, r.eta_layer_sq}) csv << ',' << io::csv_number(v);
    for (double v : r.top_eigenvalues) csv << ',' << io::csv_number(v);
    for (double v : r.eta_top_sq) csv << ',' << io::csv_number(v);
    csv << '\n';
  }
  return csv.str();
}

/// The sample indices and labels config.json records fit the data folder
/// (a hand-edited config must not reach LibTorch as an index out of range).
void check_samples(const std::string& cpath, const data::Subset& subset, const data::DataFolder& folder) {
  const int64_t src = subset.single_split ? folder.test.size() : folder.train.size();
  for (auto i : subset.train_indices)
    if (i < 0 || i >= src) throw std::runtime_error(cpath + ": training index " + std::to_string(i) + " is not in the data");
  for (auto i : subset.test_indices)
    if (i < 0 || i >= folder.test.size())
      throw std::runtime_error(cpath + ": test index " + std::to_string(i) + " is not in the data");
  if (subset.train_labels.size() != subset.train_indices.size())
    throw std::runtime_error(cpath + ": " + std::to_string(subset.train_labels.size()) + " training labels for " +
                             std::to_string(subset.train_indices.size()) + " training samples");
  const int64_t classes = folder.test.num_classes;
  for (auto y : subset.train_labels)
    if (y < 0 || y >= classes)
      throw std::runtime_error(cpath + ": training label " + std::to_string(y) + " is out of range 0.." +
                               std::to_string(classes - 1));
}

}  // namespace

std::string begin_run(const std::string& dir, const RunConfig& cfg, const data::DataFolder& folder,
                      const data::Subset& subset, const std::vector<data::FileRecord>& init_files,
                      const std::vector<std::string>& keep) {
  const auto run_id = new_run_id();
  json j = to_json(cfg);
  j["run_id"] = run_id;
  j["awd_version"] = AWD_VERSION;
  j["blas"] = util::blas_info().config;
  auto files = folder.train.files;
  files.insert(files.end(), folder.test.files.begin(), folder.test.files.end());
  j["data_files"] = files_json(files);
  if (!cfg.model.init_from.empty()) j["init_files"] = files_json(init_files);
  std::vector<int64_t> corrupted;
  for (size_t i = 0; i < subset.corrupted.size(); ++i)
    if (subset.corrupted[i]) corrupted.push_back(static_cast<int64_t>(i));
  j["samples"] = {{"single_split", subset.single_split},
                  {"train_indices", subset.train_indices},
                  {"train_labels", subset.train_labels},
                  {"corrupted", corrupted},
                  {"test_indices", subset.test_indices}};
  // The marker first: from here on the folder is a run's, whatever happens.
  // Then one rename turns the old run into this unfinished one (its results
  // no longer carry the id of config.json); what is left of it goes next.
  own_folder(dir, FolderKind::kRun, keep);
  io::write_atomic(config_file(dir), j.dump(1) + "\n");
  clear_run_dir(dir, keep);
  return run_id;
}

void save_trained(const std::string& dir, const std::string& run_id, models::Classifier& model,
                  const train::TrainResult& result) {
  io::write_atomic(join(dir, "model.pt"), models::checkpoint_bytes(model));
  write_weights_folder(join(dir, "weights"), model);
  if (!result.noise.empty()) io::write_atomic(join(dir, "noise.csv"), noise_csv(result.noise));
  auto t = training_json(result);
  t["run_id"] = run_id;
  io::write_atomic(training_file(dir), t.dump(1) + "\n");
}

RunRecord read_run_record(const std::string& dir) {
  const auto path = config_file(dir);
  if (!fs::exists(path)) throw std::runtime_error(dir + ": not a run directory (no config.json)");
  const json j = read_json(path);
  RunRecord run;
  run.dir = dir;
  update_from_json(run.config, j, path);
  run.data_files = files_from_json(j, "data_files", path);
  try {
    run.run_id = j.value("run_id", "");
    const auto& s = j.at("samples");
    run.subset.single_split = s.at("single_split").get<bool>();
    run.subset.train_indices = s.at("train_indices").get<std::vector<int64_t>>();
    run.subset.train_labels = s.at("train_labels").get<std::vector<int64_t>>();
    run.subset.test_indices = s.at("test_indices").get<std::vector<int64_t>>();
    run.subset.corrupted.assign(run.subset.train_indices.size(), false);
    for (auto i : s.at("corrupted").get<std::vector<int64_t>>()) run.subset.corrupted.at(i) = true;
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": incomplete run record (" + std::string(e.what()) + ")");
  } catch (const std::out_of_range&) {
    throw std::runtime_error(path + ": a corrupted sample index is out of range");
  }
  return run;
}

SavedRun load_run(RunRecord record, const data::DataFolder& folder) {
  const auto tpath = training_file(record.dir);
  const auto cpath = config_file(record.dir);
  if (!fs::exists(tpath)) throw std::runtime_error(record.dir + ": the run did not finish (no training.json)");
  if (recorded_run_id(json::parse(io::read_text(tpath), nullptr, /*allow_exceptions=*/false)) != record.run_id)
    throw std::runtime_error(tpath + ": belongs to another run than " + cpath +
                             " (an interrupted replacement); run the training again");
  SavedRun run;
  try {
    run.training = training_from_json(read_json(tpath));
  } catch (const json::exception& e) {
    throw std::runtime_error(tpath + ": incomplete training record (" + std::string(e.what()) + ")");
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(tpath + ": " + e.what());
  }
  check_samples(cpath, record.subset, folder);
  run.model = models::make_classifier(record.config.model, folder.test.sample_shape(), folder.test.num_classes,
                                      record.config.train.seed);
  models::load_checkpoint(*run.model, join(record.dir, "model.pt"));
  run.record = std::move(record);
  return run;
}

}  // namespace awd::store
