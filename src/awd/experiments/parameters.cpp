#include "awd/experiments/parameters.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace awd::experiments {

// The knobs of SPEC §7, gamma of SPEC §4 and the learners of SPEC §8, with
// their ranges checked by validate().
const std::vector<Parameter> kParameters = {
    {"lr", "alpha", false, [](RunConfig& c, double v) { c.train.lr = v; }},
    {"batch_size", "B", true, [](RunConfig& c, double v) { c.train.batch_size = std::llround(v); }},
    {"weight_decay", "beta", false, [](RunConfig& c, double v) { c.train.weight_decay = v; }},
    {"decay_stop", "t_stop", true, [](RunConfig& c, double v) { c.train.decay_stop = std::llround(v); }},
    {"init_scale", "s", false, [](RunConfig& c, double v) { c.model.init_scale = v; }},
    {"dropout", "d", false, [](RunConfig& c, double v) { c.model.dropout = v; }},
    {"label_noise", "rho", false, [](RunConfig& c, double v) { c.data.label_noise = v; }},
    {"per_class", "M", true, [](RunConfig& c, double v) { c.data.per_class = std::llround(v); }},
    {"delta_scale", "gamma", false, [](RunConfig& c, double v) { c.analysis.delta_scale = v; }},
    {"learners", "n", true, [](RunConfig& c, double v) { c.learners.count = std::llround(v); }},
    {"algo", "algo", false, nullptr, {"ssgd", "dpsgd"},
     [](RunConfig& c, const std::string& v) { c.learners.algo = parse_option<Algo>(v); }},
    {"mixing", "mixing", false, nullptr, {"ring", "all"},
     [](RunConfig& c, const std::string& v) { c.learners.mixing = parse_option<Mixing>(v); }},
};

const Parameter& find_parameter(const std::string& name) {
  std::string known;
  for (const auto& p : kParameters) {
    if (name == p.name || name == p.symbol) return p;
    known += std::string(known.empty() ? "" : ", ") + p.name;
    if (std::string(p.symbol) != p.name) known += std::string(" (") + p.symbol + ")";
  }
  throw std::invalid_argument("unknown sweep parameter '" + name + "' (known: " + known + ")");
}

std::string Parameter::choice_list() const {
  std::string out;
  for (const auto& s : choices) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string canonical_parameter(const std::string& name) { return find_parameter(name).name; }

std::string parameter_symbol(const std::string& parameter) {
  const auto dot = parameter.rfind('.');
  const std::string key = dot == std::string::npos ? parameter : parameter.substr(dot + 1);
  for (const auto& p : kParameters)
    if (key == p.name) return p.symbol;
  return parameter;
}

bool is_categorical(const std::string& parameter) { return find_parameter(parameter).categorical(); }

void set_parameter(RunConfig& cfg, const std::string& parameter, double value) {
  const auto& p = find_parameter(parameter);
  if (p.categorical())
    throw std::invalid_argument(std::string(p.name) + " takes one of " + p.choice_list() + ", not the number " +
                                format_value(value));
  if (!std::isfinite(value)) throw std::invalid_argument(std::string(p.name) + ": value is not a finite number");
  if (p.integer && value != std::floor(value))
    throw std::invalid_argument(std::string(p.name) + " (" + p.symbol + ") takes whole numbers, not " + format_value(value));
  RunConfig next = cfg;  // a refused value leaves cfg as it was
  p.set(next, value);
  validate(next);
  cfg = std::move(next);
}

void set_parameter(RunConfig& cfg, const std::string& parameter, const SweepValue& value) {
  if (value.is_number()) return set_parameter(cfg, parameter, value.number());
  const auto& p = find_parameter(parameter);
  const auto name = value.str();
  if (!p.categorical())
    throw std::invalid_argument(std::string(p.name) + " (" + p.symbol + ") takes numbers, not '" + name + "'");
  if (std::find(p.choices.begin(), p.choices.end(), name) == p.choices.end())
    throw std::invalid_argument(std::string(p.name) + " takes one of " + p.choice_list() + ", not '" + name + "'");
  RunConfig next = cfg;
  p.set_name(next, name);
  validate(next);
  cfg = std::move(next);
}

SweepValue parse_value(const std::string& parameter, const std::string& text) {
  const auto& p = find_parameter(parameter);
  if (p.categorical()) return SweepValue(text);
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (text.empty() || end == begin || *end != '\0')
    throw std::invalid_argument(std::string(p.name) + " (" + p.symbol + ") takes numbers, not '" + text + "'");
  return SweepValue(v);
}

std::string SweepValue::str() const { return numeric_ ? format_value(number_) : text_; }

std::string format_value(const SweepValue& v) { return v.str(); }

std::string format_value(double v) {
  // Whole numbers without a decimal point (B=25, not 25.0); others in the shortest exact form.
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return nlohmann::json(v).dump();
}

}  // namespace awd::experiments
