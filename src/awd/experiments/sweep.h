// Parameter sweeps (paper Sections 2.3-2.4): one parameter over a list of
// values, R repeats each, every solution a normal run directory.
//
//   SWEEP_DIR/sweep.json                          the experiment (refuses to mix with another)
//   SWEEP_DIR/runs/<parameter>=<value>/rep<r>/    run directories (request.json, log.txt, ...)
//   SWEEP_DIR/report/                             written by write_report
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "awd/config.h"

namespace awd::experiments {

struct SweepSpec {
  std::string name;
  std::string parameter;       ///< canonical name: lr, batch_size, weight_decay, ...
  std::vector<double> values;
  int64_t repeats = 10;
  RunConfig base;              ///< every other option
};

/// The canonical name of a sweepable parameter, accepting the paper's symbols
/// (alpha, B, beta, t_stop, s, d, rho, M, gamma). Throws std::invalid_argument
/// listing the known names.
std::string canonical_parameter(const std::string& name);

/// The paper's symbol of a sweepable parameter ("lr" or "train.lr" -> "alpha");
/// other names are returned unchanged.
std::string parameter_symbol(const std::string& parameter);

/// Sets the parameter in `cfg`; throws std::invalid_argument for a value out
/// of range or a non-integer where an integer is needed.
void set_parameter(RunConfig& cfg, const std::string& parameter, double value);

/// Reads an experiment file: {"name", "description", "parameter", "values",
/// "repeats", "config": {the sections of a run's config.json}}.
SweepSpec read_sweep_spec(const std::string& path);
SweepSpec sweep_spec_from_json(const nlohmann::json& j, const std::string& source);
/// The experiment recorded in a sweep directory.
SweepSpec load_sweep(const std::string& sweep_dir);
nlohmann::json to_json(const SweepSpec& spec);

/// The run configuration of one solution: the value set, seeds offset by the repeat.
RunConfig solution_config(const SweepSpec& spec, size_t value_index, int64_t repeat);
/// Its run directory inside the sweep directory.
std::string solution_dir(const std::string& sweep_dir, const SweepSpec& spec, size_t value_index, int64_t repeat);
/// The value as written in directory names and tables (shortest exact form).
std::string format_value(double v);

struct SweepOptions {
  std::string dir;
  int jobs = 1;              ///< solutions trained at once, each in its own process
  std::string executable;    ///< the awd binary that runs one solution
  bool progress = true;
};

struct SweepStatus {
  int total = 0, already_done = 0, ran = 0, diverged = 0, failed = 0;
};

/// Runs every solution that is not finished yet. Finished solutions (an
/// analysis summary, or a training recorded as diverged) are kept; half-done
/// ones are redone. Refuses a directory created for another experiment.
SweepStatus run_sweep(const SweepSpec& spec, const SweepOptions& options);

}  // namespace awd::experiments
