#include "awd/experiments/sweep.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/io/text_file.h"
#include "awd/store/config_json.h"

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

SweepSpec sweep_spec_from_json(const json& j, const std::string& source) {
  SweepSpec spec;
  try {
    if (!j.is_object()) throw std::invalid_argument("an experiment must be a JSON object");
    for (const auto& [k, v] : j.items())
      if (k != "name" && k != "parameter" && k != "values" && k != "repeats" && k != "config" && k != "description")
        throw std::invalid_argument(k + ": unknown key (name, description, parameter, values, repeats, config)");
    spec.name = j.value("name", fs::path(source).stem().string());
    if (!j.contains("parameter")) throw std::invalid_argument("no \"parameter\"");
    spec.parameter = canonical_parameter(j.at("parameter").get<std::string>());
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
    spec.repeats = j.value("repeats", int64_t{10});
    if (spec.repeats < 1) throw std::invalid_argument("\"repeats\" must be at least 1");
    if (j.contains("config")) store::update_from_json(spec.base, j.at("config"), "config");
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

SweepSpec load_sweep(const std::string& sweep_dir) {
  const auto path = (fs::path(sweep_dir) / "sweep.json").string();
  if (!fs::exists(path)) throw std::runtime_error(sweep_dir + ": not a sweep directory (no sweep.json)");
  return read_sweep_spec(path);
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
