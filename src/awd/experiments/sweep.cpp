#include "awd/experiments/sweep.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/io/text_file.h"
#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::experiments {

std::vector<std::string> solve_command(const std::string& executable, const std::string& solution_dir,
                                       int threads) {
  return {executable, "solve", solution_dir, "--threads", std::to_string(threads)};
}

json to_json(const SweepSpec& spec) {
  // Numbers stay JSON numbers, so sweep.json of a numeric sweep is what it always was.
  json values = json::array();
  for (const auto& v : spec.values) values.push_back(v.is_number() ? json(v.number()) : json(v.str()));
  return {{"name", spec.name}, {"parameter", spec.parameter}, {"values", values},
          {"repeats", spec.repeats}, {"config", store::to_json(spec.base)}};
}

namespace {

/// A string field of an experiment.
std::string text(const json& v, const std::string& key) {
  if (!v.is_string()) throw std::invalid_argument(key + ": must be a string, not " + v.dump());
  return v.get<std::string>();
}

}  // namespace

SweepSpec sweep_spec_from_json(const json& j, const std::string& source) {
  SweepSpec spec;
  try {
    if (!j.is_object()) throw std::invalid_argument("an experiment must be a JSON object");
    for (const auto& [k, v] : j.items())
      if (k != "name" && k != "parameter" && k != "values" && k != "repeats" && k != "config" && k != "description")
        throw std::invalid_argument(io::printable(k) + ": unknown key (name, description, parameter, values, repeats, config)");
    spec.name = j.contains("name") ? text(j.at("name"), "name") : fs::path(source).stem().string();
    if (j.contains("description")) text(j.at("description"), "description");
    if (!j.contains("parameter")) throw std::invalid_argument("no \"parameter\"");
    spec.parameter = canonical_parameter(text(j.at("parameter"), "parameter"));
    const auto& values = j.value("values", json::array());
    const auto& param = find_parameter(spec.parameter);
    if (!values.is_array() || values.empty())
      throw std::invalid_argument(param.categorical() ? "\"values\" must be a non-empty list of names (" +
                                                            param.choice_list() + ")"
                                                      : "\"values\" must be a non-empty list of numbers");
    for (const auto& v : values) {
      if (param.categorical()) {
        if (!v.is_string())
          throw std::invalid_argument("\"values\" of " + spec.parameter + " must be names (" + param.choice_list() +
                                      "), not " + v.dump());
        spec.values.emplace_back(v.get<std::string>());
      } else {
        if (!v.is_number()) throw std::invalid_argument("\"values\" holds a non-number: " + v.dump());
        spec.values.emplace_back(v.get<double>());
      }
    }
    for (size_t a = 0; a < spec.values.size(); ++a)
      for (size_t b = a + 1; b < spec.values.size(); ++b)
        if (spec.values[a].str() == spec.values[b].str())
          throw std::invalid_argument("\"values\" lists " + spec.values[a].str() + " twice");
    // Integers as config files take them (store/config_json.h): 2.0 is 2, 2.9 is refused.
    if (j.contains("repeats")) spec.repeats = store::integer_value(j.at("repeats"), "repeats");
    if (spec.repeats < 1) throw std::invalid_argument("\"repeats\" must be at least 1");
    if (j.contains("config")) store::update_from_json(spec.base, j.at("config"), "config");
    // Repeat r uses seed + r: the last one must not wrap around.
    const uint64_t last = static_cast<uint64_t>(spec.repeats - 1);
    for (const auto seed : {spec.base.train.seed, spec.base.data.seed})
      if (seed > std::numeric_limits<uint64_t>::max() - last)
        throw std::invalid_argument("seed " + std::to_string(seed) + " + " + std::to_string(last) +
                                    " (the last repeat's) exceeds 18446744073709551615");
    for (const auto& v : spec.values) {
      RunConfig probe = spec.base;
      set_parameter(probe, spec.parameter, v);
    }
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(source + ": " + e.what());
  } catch (const json::exception& e) {
    throw std::runtime_error(source + ": " + e.what());
  }
  return spec;
}

SweepSpec read_sweep_spec(const std::string& path) {
  try {
    return sweep_spec_from_json(json::parse(io::read_text(path)), path);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

std::string sweep_record_path(const std::string& sweep_dir) { return (fs::path(sweep_dir) / "sweep.json").string(); }

SweepSpec load_sweep(const std::string& sweep_dir) {
  const auto path = sweep_record_path(sweep_dir);
  if (!fs::exists(path)) throw std::runtime_error(sweep_dir + ": not a sweep directory (no sweep.json)");
  auto j = store::read_json(path);
  if (j.is_object()) {  // the inputs are the record's, not the experiment's
    j.erase("data_files");
    j.erase("init_files");
  }
  return sweep_spec_from_json(j, path);
}

store::InputFiles recorded_inputs(const std::string& sweep_dir) {
  const auto path = sweep_record_path(sweep_dir);
  return {store::recorded_files(path, "data_files"), store::recorded_files(path, "init_files")};
}

RunConfig solution_config(const SweepSpec& spec, size_t value_index, int64_t repeat) {
  RunConfig cfg = spec.base;
  set_parameter(cfg, spec.parameter, spec.values.at(value_index));
  // The same repeat uses the same seeds for every value: paired comparisons.
  cfg.train.seed = spec.base.train.seed + static_cast<uint64_t>(repeat);
  cfg.data.seed = spec.base.data.seed + static_cast<uint64_t>(repeat);
  return cfg;
}

std::string solution_dir(const std::string& sweep_dir, const SweepSpec& spec, size_t value_index, int64_t repeat) {
  return (fs::path(sweep_dir) / "runs" / (spec.parameter + "=" + spec.values.at(value_index).str()) /
          ("rep" + std::to_string(repeat)))
      .string();
}

namespace {

/// The experiment a sweep directory belongs to, without the repeat count
/// (a sweep may be extended with more repeats) and the thread count. Paths are
/// absolute (a sweep.json of an awd before absolute paths recorded them as
/// given, relative to the working directory of its commands), and the layer
/// is the one the solutions analyse (a compare of an earlier awd recorded the
/// MLP's default fc2 for a ResNet, whose solutions analysed fc).
json sweep_identity(SweepSpec spec) {
  make_paths_absolute(spec.base);
  default_layer_of_arch(spec.base);
  auto j = to_json(spec);
  j.erase("repeats");
  j["config"].erase("threads");
  return j;
}

/// sweep.json: the experiment and the files it reads.
std::string sweep_record(const SweepSpec& spec, const store::InputFiles& inputs) {
  auto j = to_json(spec);
  if (!inputs.data.empty()) j["data_files"] = store::files_json(inputs.data);
  if (!inputs.init.empty()) j["init_files"] = store::files_json(inputs.init);
  return j.dump(1) + "\n";
}

/// Refuses a sweep folder whose sweep.json records another experiment, naming where they differ.
void require_same_experiment(const SweepSpec& spec, const SweepSpec& recorded, const std::string& dir) {
  const auto patch = json::diff(sweep_identity(recorded), sweep_identity(spec));
  if (!patch.empty())
    throw std::runtime_error(dir + ": holds a sweep of another experiment (" + sweep_record_path(dir) + " differs at " +
                             patch.front().value("path", "") + "); use a new folder");
}

/// The inputs of the sweep are the files now (`inputs`): those sweep.json
/// records, or for a sweep of an awd before it recorded them, those its
/// trained solutions record in their config.json.
void check_recorded_inputs(const SweepSpec& spec, const std::string& sweep_dir, const store::InputFiles& inputs) {
  const auto recorded = recorded_inputs(sweep_dir);
  if (!recorded.data.empty()) return store::verify_sweep_inputs(recorded, sweep_record_path(sweep_dir), inputs.data);
  store::DataFileCheck check;
  check.know(inputs.data);
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (int64_t r = 0; r < spec.repeats; ++r) {
      const auto dir = solution_dir(sweep_dir, spec, v, r);
      if (!store::training_finished(dir)) continue;
      store::require_recorded(dir, inputs.data);
      check.verify(dir);
    }
}

}  // namespace

void record_repeats(const SweepSpec& spec, const std::string& dir, const store::InputFiles& inputs) {
  const auto path = sweep_record_path(dir);
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto recorded = load_sweep(dir);
    require_same_experiment(spec, recorded, dir);
    if (recorded.repeats >= spec.repeats) return;
    const auto kept = recorded_inputs(dir);
    io::write_atomic(path, sweep_record(spec, kept.data.empty() ? inputs : kept));
  }
  throw std::runtime_error(path + ": cannot record " + std::to_string(spec.repeats) +
                           " repeats (other workers keep rewriting it)");
}

void enter_sweep_dir(const SweepSpec& spec, const std::string& dir, store::FolderKind kind,
                     const store::InputFiles& inputs) {
  store::require_folder_kind(dir, kind);
  store::prepare_output_dir(dir);
  store::own_folder(dir, kind);
  if (io::write_exclusive(sweep_record_path(dir), sweep_record(spec, inputs))) return;
  // Joining: the same experiment, on the same files, before anything is written.
  require_same_experiment(spec, load_sweep(dir), dir);
  check_recorded_inputs(spec, dir, inputs);
  record_repeats(spec, dir, inputs);
}

}  // namespace awd::experiments
