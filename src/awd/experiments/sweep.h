// Parameter sweeps (paper Sections 2.3-2.4): one parameter over a list of
// values, R repeats each, every solution a normal run directory. Most
// parameters are numbers (lr, batch_size, learners, ...); a few are names
// (algo: ssgd|dpsgd, mixing: ring|all, SPEC §8).
//
//   SWEEP_DIR/sweep.json                          the experiment (refuses to mix with another)
//   SWEEP_DIR/runs/<parameter>=<value>/rep<r>/    run directories (request.json, log.txt, ...)
//                                                 e.g. runs/lr=0.1/rep0, runs/algo=dpsgd/rep0
//   SWEEP_DIR/report/                             written by report::write_report (the command calls it)
//
// Each solution runs in a child process of its own (isolation: a crash or a
// kill -9 takes one solution, not the sweep), through one internal entry point:
//
//   awd solve SOLUTION_DIR --threads T
//
// a subcommand hidden from --help. It reads SOLUTION_DIR/request.json (the
// solution's full RunConfig, written by run_sweep), trains and analyses into
// SOLUTION_DIR as `awd run --force -q` would (experiments::run_solution), with
// stdout and stderr in SOLUTION_DIR/log.txt, and exits with a code of
// exit_codes.h: kExitOk, kExitDiverged (counted as diverged) or another
// (counted as failed).
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/experiments/parameters.h"

namespace awd::experiments {

struct SweepSpec {
  std::string name;
  std::string parameter;       ///< canonical name: lr, batch_size, weight_decay, learners, algo, ...
  std::vector<SweepValue> values;
  int64_t repeats = 10;
  RunConfig base;              ///< every other option
};

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

/// The command line of the entry point that runs one solution (see above):
/// {executable, "solve", solution_dir, "--threads", T}.
std::vector<std::string> solve_command(const std::string& executable, const std::string& solution_dir, int threads);

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
