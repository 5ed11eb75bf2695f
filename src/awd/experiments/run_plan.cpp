#include "awd/experiments/run_plan.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "awd/store/layers_record.h"
#include "awd/store/run_layout.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;

namespace awd::experiments {
namespace {

/// Why the run in `dir` was trained on other inputs than `data_now` and the
/// recorded --init-from files are now ("" when it was not).
std::string changed_inputs(const std::string& dir, const std::vector<io::FileRecord>& data_now) {
  try {
    store::verify_run_inputs(dir, data_now);
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

/// The record of the run's analysis: its summary.json, or for an analysis
/// of several layers its layers.json (both keep the options under "config").
std::string analysis_record(const std::string& run_dir) {
  const auto dir = store::analysis_dir(run_dir);
  return store::analysis_finished(run_dir) ? store::summary_file(dir) : (fs::path(dir) / store::kLayersRecord).string();
}

/// The first key where the analysis options of `cfg` differ from those the
/// run's analysis recorded ("" when none).
std::string analysis_difference(const RunConfig& cfg, const std::string& run_dir) {
  const auto path = analysis_record(run_dir);
  const auto record = store::read_json(path);
  RunConfig analysed;
  try {
    store::update_from_json(analysed, record.at("config"), path);
  } catch (const std::exception&) {
    return "/analysis";  // an unreadable record is not the same options
  }
  const auto patch = nlohmann::json::diff(store::to_json(analysed)["analysis"], store::to_json(cfg)["analysis"]);
  return patch.empty() ? "" : "/analysis" + patch.front().value("path", "");
}

/// The self-check failure the run's analysis recorded ("" when it passed):
/// of an analysis of several layers, the first failed layer's.
std::string recorded_failure(const std::string& run_dir) {
  const auto dir = store::analysis_dir(run_dir);
  if (store::analysis_finished(run_dir)) return store::recorded_self_check_failure(dir);
  for (const auto& layer : store::read_layers_record(dir).analysed)
    if (const auto failure = store::recorded_self_check_failure(store::analysis_dir(dir, layer.folder)); !failure.empty())
      return "layer " + layer.name + ": " + failure;
  return "";
}

/// A finished run that has nothing left to do: refused when it was analysed
/// with other options or its analysis failed a self-check.
void require_same_analysis(const RunConfig& cfg, const std::string& dir) {
  const auto analysis = store::analysis_dir(dir);
  if (const auto key = analysis_difference(cfg, dir); !key.empty())
    throw std::runtime_error(dir + ": already holds a finished run, analysed with other options (" +
                             fs::path(analysis_record(dir)).filename().string() + " differs at " + key +
                             "); awd analyze " + dir + " --name NAME analyses it again, --force replaces it");
  if (const auto failure = recorded_failure(dir); !failure.empty())
    throw std::runtime_error(analysis + ": self-check failed: " + failure +
                             " (results kept, marked in summary.json); --force runs it again");
}

}  // namespace

std::string config_difference(const RunConfig& a, const RunConfig& b, const std::vector<std::string>& ignored) {
  RunConfig ca = a, cb = b;
  make_paths_absolute(ca);
  make_paths_absolute(cb);
  auto ja = store::to_json(ca), jb = store::to_json(cb);
  for (const auto& key : ignored) {
    ja.erase(key);
    jb.erase(key);
  }
  const auto patch = nlohmann::json::diff(ja, jb);
  return patch.empty() ? "" : patch.front().value("path", "");
}

Plan plan_run(const RunConfig& cfg, const OutputOptions& out, bool analyse, const std::vector<io::FileRecord>& data_now) {
  const auto state = store::run_state(out.dir, out.keep);
  if (state == store::RunState::kEmpty || state == store::RunState::kUnfinished) return Plan::kTrain;
  const auto recorded = store::read_config_file(store::config_file(out.dir));
  if (const auto key = config_difference(recorded, cfg, {"threads", "analysis"}); !key.empty()) {
    if (out.force) return Plan::kTrain;
    throw std::runtime_error(out.dir + ": holds a trained run of another configuration (config.json differs at " + key +
                             "); use --force to replace it");
  }
  if (const auto changed = changed_inputs(out.dir, data_now); !changed.empty()) {
    if (out.force) return Plan::kTrain;
    throw std::runtime_error(changed + "; use --force to train " + out.dir + " again");
  }
  if (analyse && state == store::RunState::kTrained) return Plan::kAnalyseOnly;
  if (out.force) return Plan::kTrain;
  if (state == store::RunState::kDiverged)
    throw std::runtime_error(out.dir + ": holds a run whose training diverged (training.json); use --force to replace it");
  if (!analyse)
    throw std::runtime_error(out.dir + ": already holds a trained run (training.json); use --force to replace it");
  require_same_analysis(cfg, out.dir);
  return Plan::kFinished;
}

}  // namespace awd::experiments
