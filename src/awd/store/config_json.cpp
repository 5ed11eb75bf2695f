#include "awd/store/config_json.h"

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "awd/io/text_file.h"

using nlohmann::json;

namespace awd::store {
namespace {

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

/// An integral float (2.0, 1e1) in the range of T: README, "integers integral
/// in config files".
template <typename T>
void require_integral_float(const json& j) {
  const double d = j.get<double>();
  if (!std::isfinite(d) || d != std::floor(d)) throw std::invalid_argument("must be an integer, not " + j.dump());
  if (std::is_unsigned_v<T> && d < 0) throw std::invalid_argument("must be a non-negative integer, not " + j.dump());
  // long double holds every int64 and uint64 bound exactly (x86-64: 64-bit mantissa).
  const long double v = d;
  if (v < static_cast<long double>(std::numeric_limits<T>::min()) ||
      v > static_cast<long double>(std::numeric_limits<T>::max()))
    throw std::invalid_argument("must be an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                                std::to_string(std::numeric_limits<T>::max()) + ", not " + j.dump());
}

/// nlohmann converts 20.9 to an integer 20 and -1 to an unsigned 2^64 - 1
/// without a word: integers must have integral values (2 or 2.0), unsigned ones >= 0.
template <typename T>
void require_exact(const json& j) {
  if constexpr (IsVector<T>::value) {
    if (j.is_array())
      for (const auto& e : j) require_exact<typename T::value_type>(e);
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (j.is_number_float()) return require_integral_float<T>(j);
    if (!j.is_number_integer()) throw std::invalid_argument("must be an integer, not " + j.dump());
    if (std::is_unsigned_v<T> && j.get<int64_t>() < 0 && !j.is_number_unsigned())
      throw std::invalid_argument("must be a non-negative integer, not " + j.dump());
    // nlohmann also wraps 2^63 into an int64_t and 2^32 into an int.
    const bool too_large = j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(std::numeric_limits<T>::max());
    const bool too_small = std::is_signed_v<T> && !j.is_number_unsigned() && j.get<int64_t>() < int64_t(std::numeric_limits<T>::min());
    if (too_large || too_small)
      throw std::invalid_argument("must be an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                                  std::to_string(std::numeric_limits<T>::max()) + ", not " + j.dump());
  }
}

/// Binds JSON keys of one section to config fields, both ways.
class Section {
 public:
  template <typename T>
  Section& field(const std::string& key, T& value) {
    if constexpr (std::is_enum_v<T>) {
      write_[key] = [&value](json& j) { j = to_string(value); };
      read_[key] = [&value](const json& j) { value = parse_option<T>(j.get<std::string>()); };
    } else {
      write_[key] = [&value](json& j) { j = value; };
      read_[key] = [&value](const json& j) {
        require_exact<T>(j);
        value = j.get<T>();
      };
    }
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
      // io::printable: JSON lets a key hold a newline, which would split the message.
      if (it == read_.end()) throw std::invalid_argument(where + "." + io::printable(k) + ": unknown option");
      try {
        it->second(v);
      } catch (const json::exception&) {
        throw std::invalid_argument(where + "." + k + ": wrong type (" + v.dump() + ")");
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + "." + k + ": " + e.what());
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
      .field("label_noise", c.data.label_noise).field("seed", c.data.seed).field("mean", c.data.mean)
      .field("std", c.data.std);
  s["model"].field("arch", c.model.arch).field("hidden", c.model.hidden).field("width", c.model.width)
      .field("bias", c.model.bias).field("dropout", c.model.dropout).field("init", c.model.init)
      .field("init_scale", c.model.init_scale).field("init_from", c.model.init_from).field("preset", c.model.preset);
  s["train"].field("lr", c.train.lr).field("batch_size", c.train.batch_size)
      .field("weight_decay", c.train.weight_decay).field("decay_stop", c.train.decay_stop)
      .field("decay_penalty", c.train.decay_penalty).field("stop_loss", c.train.stop_loss)
      .field("stop_accuracy", c.train.stop_accuracy).field("max_epoch", c.train.max_epoch)
      .field("seed", c.train.seed).field("momentum", c.train.momentum).field("nesterov", c.train.nesterov)
      .field("lr_steps", c.train.lr_steps).field("lr_factor", c.train.lr_factor)
      .field("warmup_epochs", c.train.warmup_epochs).field("decay_scope", c.train.decay_scope)
      .field("augment", c.train.augment).field("fixed_epochs", c.train.fixed_epochs)
      .field("eval_every", c.train.eval_every).field("analyze_every", c.train.analyze_every);
  s["learners"].field("count", c.learners.count).field("algo", c.learners.algo)
      .field("mixing", c.learners.mixing).field("backend", c.learners.backend)
      .field("noise_every", c.learners.noise_every).field("noise_top", c.learners.noise_top);
  s["analysis"].field("layer", c.analysis.layer).field("basis", c.analysis.basis)
      .field("delta_scale", c.analysis.delta_scale).field("max_test", c.analysis.max_test)
      .field("n_sharp", c.analysis.n_sharp).field("flatness_top", c.analysis.flatness_top)
      .field("basis_rank", c.analysis.basis_rank).field("spectrum", c.analysis.spectrum);
  return s;
}

}  // namespace

int64_t integer_value(const json& v, const std::string& key) {
  try {
    require_exact<int64_t>(v);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(key + ": " + e.what());
  }
  return v.get<int64_t>();
}

json read_json(const std::string& path) {
  try {
    return json::parse(io::read_text(path));
  } catch (const json::exception& e) {
    // Not only parse_error: a number too large for a double (1e400) is out_of_range.
    throw std::runtime_error(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

json to_json(const RunConfig& cfg_in) {
  RunConfig cfg = cfg_in;
  json j;
  for (const auto& [name, sec] : sections(cfg)) j[name] = sec.dump();
  // Only what the arch reads is recorded, so files of earlier runs keep their keys.
  if (cfg.model.arch != Arch::kMlp) j["model"].erase("hidden");
  if (cfg.model.arch != Arch::kResnet18 && cfg.model.arch != Arch::kDensenet121) j["model"].erase("width");
  if (cfg.model.init_from.empty()) j["model"].erase("init_from");
  j["threads"] = cfg.threads;
  return j;
}

void update_from_json(RunConfig& cfg, const json& j, const std::string& source) {
  if (!j.is_object()) throw std::invalid_argument(source + ": a config must be a JSON object");
  auto secs = sections(cfg);
  for (const auto& [k, v] : j.items()) {
    if (k == "threads") {
      try {
        require_exact<int>(v);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(source + ": threads: " + e.what());
      }
      cfg.threads = v.get<int>();
    } else if (secs.count(k)) {
      secs.at(k).load(v, source + ": " + k);
    } else if (k != "run_id" && k != "awd_version" && k != "data_files" && k != "init_files" && k != "samples" &&
               k != "blas") {  // what a run's config.json records beside its configuration
      throw std::invalid_argument(source + ": " + io::printable(k) + ": unknown section (data, model, train, learners, analysis, threads)");
    }
  }
}

RunConfig read_config_file(const std::string& path, RunConfig cfg) {
  update_from_json(cfg, read_json(path), path);
  return cfg;
}

}  // namespace awd::store
