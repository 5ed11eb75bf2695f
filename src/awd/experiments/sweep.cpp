#include "awd/experiments/sweep.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "awd/experiments/exit_codes.h"
#include "awd/io/process.h"
#include "awd/store/config_json.h"
#include "awd/io/text_file.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::experiments {
namespace {

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

/// Starts `awd solve DIR --threads T` (the entry point documented in sweep.h),
/// its stdout and stderr into DIR/log.txt.
io::Child start_solution(const std::string& exe, const Job& job, int threads) {
  io::ProcessSpec p;
  p.argv = solve_command(exe, job.dir, threads);
  p.output = job.dir + "/log.txt";
  try {
    return io::start(p);
  } catch (const io::SpawnError& e) {
    throw std::runtime_error(exe + ": cannot start a solution (" + std::strerror(e.error) + ")");
  }
}

/// Writes SWEEP_DIR/sweep.json, refusing a directory of another experiment.
void claim_sweep_dir(const SweepSpec& spec, const std::string& dir) {
  store::prepare_output_dir(dir, "", true);
  const auto spec_path = (fs::path(dir) / "sweep.json").string();
  if (fs::exists(spec_path) && identity(read_sweep_spec(spec_path)) != identity(spec))
    throw std::runtime_error(dir + ": holds a sweep of another experiment (" + spec_path +
                             " differs); use a new folder");
  io::write_atomic(spec_path, to_json(spec).dump(1) + "\n");
}

/// The solutions still to run, each with its request.json written; counts the others.
std::vector<Job> pending_jobs(const SweepSpec& spec, const std::string& sweep_dir, SweepStatus& status) {
  std::vector<Job> todo;
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (int64_t r = 0; r < spec.repeats; ++r) {
      ++status.total;
      const auto dir = solution_dir(sweep_dir, spec, v, r);
      if (store::solution_finished(dir)) {
        ++status.already_done;
        continue;
      }
      fs::create_directories(dir);
      io::write_atomic(dir + "/request.json", store::to_json(solution_config(spec, v, r)).dump(1) + "\n");
      todo.push_back({v, r, dir});
    }
  return todo;
}

/// Counts how a solution's process ended; returns the word the progress line shows.
const char* record_outcome(const io::ExitStatus& how, SweepStatus& status) {
  const int code = how.shell_code();
  if (code == kExitOk) {
    ++status.ran;
    return "done";
  }
  if (code == kExitDiverged) {
    ++status.diverged;
    return "diverged";
  }
  ++status.failed;
  return "FAILED (see log.txt)";
}

}  // namespace

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

SweepStatus run_sweep(const SweepSpec& spec, const SweepOptions& opt) {
  if (opt.jobs < 1) throw std::invalid_argument("--jobs must be at least 1");
  claim_sweep_dir(spec, opt.dir);
  SweepStatus status;
  const std::vector<Job> todo = pending_jobs(spec, opt.dir, status);
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
      running[start_solution(opt.executable, todo[next], threads).pid] = todo[next];
      ++next;
    }
    const io::Ended ended = io::wait_any(true);
    if (ended.pid < 0)
      throw std::runtime_error(std::string("sweep: waiting for solutions failed: ") + std::strerror(ended.error));
    auto it = running.find(ended.pid);
    if (it == running.end()) continue;
    const Job job = it->second;
    running.erase(it);
    ++done;
    const char* what = record_outcome(ended.status, status);
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
