#include "awd/experiments/sweep.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "awd/io/files.h"
#include "awd/store/config_json.h"
#include "awd/store/run_dir.h"

extern char** environ;
namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::experiments {
namespace {

struct Parameter {
  const char* name;
  const char* symbol;
  bool integer;
  void (*set)(RunConfig&, double);
  /// Categorical parameters: the names they take, and their setter (set is then null).
  std::vector<std::string> choices = {};
  void (*set_name)(RunConfig&, const std::string&) = nullptr;

  bool categorical() const { return !choices.empty(); }
};

// The knobs of SPEC §7, gamma of SPEC §4 and the learners of SPEC §8, with
// their ranges checked by validate().
const Parameter kParameters[] = {
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

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool finished(const std::string& run_dir) {
  if (fs::exists(fs::path(run_dir) / "analysis" / "summary.json")) return true;
  const auto t = fs::path(run_dir) / "training.json";
  if (!fs::exists(t)) return false;
  try {
    return json::parse(io::read_text(t.string())).value("stop_reason", "") == "diverged";
  } catch (const std::exception&) {
    return false;
  }
}

/// The experiment a sweep directory belongs to, without the repeat count
/// (a sweep may be extended with more repeats).
json identity(const SweepSpec& spec) {
  auto j = to_json(spec);
  j.erase("repeats");
  j["config"].erase("threads");
  return j;
}

struct Job {
  size_t value_index;
  int64_t repeat;
  std::string dir;
};

pid_t spawn(const std::string& exe, const Job& job, int threads) {
  const std::vector<std::string> args = {exe, "run", "--config", job.dir + "/request.json", "-o", job.dir,
                                         "--force", "-q", "--threads", std::to_string(threads)};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const auto log = job.dir + "/log.txt";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(exe + ": cannot start a solution (" + std::strerror(rc) + ")");
  return pid;
}

}  // namespace

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
    throw std::invalid_argument(std::string(p.name) + " takes one of " + join(p.choices) + ", not the number " +
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
    throw std::invalid_argument(std::string(p.name) + " takes one of " + join(p.choices) + ", not '" + name + "'");
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
  return json(v).dump();
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
                                                            join(param.choices) + ")"
                                                      : "\"values\" must be a non-empty list of numbers");
    for (const auto& v : values) {
      if (param.categorical()) {
        if (!v.is_string())
          throw std::invalid_argument("\"values\" of " + spec.parameter + " must be names (" + join(param.choices) +
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

SweepStatus run_sweep(const SweepSpec& spec, const SweepOptions& opt) {
  if (opt.jobs < 1) throw std::invalid_argument("--jobs must be at least 1");
  store::prepare_output_dir(opt.dir, "", true);
  const auto spec_path = (fs::path(opt.dir) / "sweep.json").string();
  if (fs::exists(spec_path) && identity(read_sweep_spec(spec_path)) != identity(spec))
    throw std::runtime_error(opt.dir + ": holds a sweep of another experiment (" + spec_path +
                             " differs); use a new folder");
  io::write_atomic(spec_path, to_json(spec).dump(1) + "\n");

  SweepStatus status;
  std::vector<Job> todo;
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (int64_t r = 0; r < spec.repeats; ++r) {
      ++status.total;
      const auto dir = solution_dir(opt.dir, spec, v, r);
      if (finished(dir)) {
        ++status.already_done;
        continue;
      }
      fs::create_directories(dir);
      io::write_atomic(dir + "/request.json", store::to_json(solution_config(spec, v, r)).dump(1) + "\n");
      todo.push_back({v, r, dir});
    }
  if (opt.progress && status.already_done)
    std::fprintf(stderr, "sweep: %d of %d solutions already finished, %zu to run\n", status.already_done,
                 status.total, todo.size());

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = std::max(1, cores / opt.jobs);
  const auto start = std::chrono::steady_clock::now();
  std::map<pid_t, Job> running;
  size_t next = 0, done = 0;
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < opt.jobs) {
      running[spawn(opt.executable, todo[next], threads)] = todo[next];
      ++next;
    }
    int wstatus = 0;
    const pid_t pid = ::waitpid(-1, &wstatus, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("sweep: waiting for solutions failed: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const Job job = it->second;
    running.erase(it);
    ++done;
    const int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    const char* what = "done";
    if (code == 0) {
      ++status.ran;
    } else if (code == 3) {
      ++status.diverged;
      what = "diverged";
    } else {
      ++status.failed;
      what = "FAILED (see log.txt)";
    }
    if (opt.progress) {
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double eta = el / double(done) * double(todo.size() - done);
      std::fprintf(stderr, "[%zu/%zu] %s=%s rep%lld %s  elapsed %.1fs  eta %.1fs\n", done, todo.size(),
                   spec.parameter.c_str(), spec.values[job.value_index].str().c_str(),
                   static_cast<long long>(job.repeat), what, el, eta);
    }
  }
  return status;
}

}  // namespace awd::experiments
