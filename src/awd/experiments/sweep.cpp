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

}  // namespace awd::experiments
