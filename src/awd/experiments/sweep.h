// Parameter sweeps (paper Sections 2.3-2.4): one parameter over a list of
// values, R repeats each, every solution a normal run directory. Most
// parameters are numbers (lr, batch_size, learners, ...); a few are names
// (algo: ssgd|dpsgd, mixing: ring|all, SPEC §8).
//
//   SWEEP_DIR/.awd.json                           the marker of a sweep or compare folder (store/folder_kind.h)
//   SWEEP_DIR/sweep.json                          the experiment (refuses to mix with another), with the
//                                                 data and --init-from files (absolute path, bytes, CRC-32)
//   SWEEP_DIR/runs/<parameter>=<value>/rep<r>/    run directories (request.json, log.txt, ...)
//                                                 e.g. runs/lr=0.1/rep0, runs/algo=dpsgd/rep0
//   SWEEP_DIR/runs/.../rep<r>/claim.json          while a worker trains the solution (io/claim_file.h)
//   SWEEP_DIR/report/                             written by report::write_report (the command calls it)
//
// Any number of sweep processes ("workers") may run on one folder, on one
// machine or on several sharing a filesystem (docs/cluster.md): sweep.json is
// created exclusively, so two experiments cannot both take an empty folder,
// and each solution is claimed before it is trained, so every solution is
// trained by one worker. A worker trains what is unclaimed, takes over claims
// whose holder stopped refreshing them for the claim timeout (or whose holder
// was a process of its own host that is gone), and ends when every solution
// is finished or was tried by it once.
//
// Each solution runs in a child process of its own (isolation: a crash or a
// kill -9 takes one solution, not the sweep), through one internal entry point:
//
//   awd solve SOLUTION_DIR --threads T
//
// a subcommand hidden from --help. It reads SOLUTION_DIR/request.json (the
// solution's full RunConfig and the sweep's input files, written by
// run_sweep; files that differ now are refused), trains and analyses into
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
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"

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
/// SWEEP_DIR/sweep.json.
std::string sweep_record_path(const std::string& sweep_dir);
/// The experiment recorded in a sweep directory (its sweep.json, less the input records).
SweepSpec load_sweep(const std::string& sweep_dir);
/// The input files a sweep directory's sweep.json records (none for a sweep
/// of an awd before they were recorded).
store::InputFiles recorded_inputs(const std::string& sweep_dir);
nlohmann::json to_json(const SweepSpec& spec);

/// The run configuration of one solution: the value set, seeds offset by the repeat.
RunConfig solution_config(const SweepSpec& spec, size_t value_index, int64_t repeat);
/// Its run directory inside the sweep directory.
std::string solution_dir(const std::string& sweep_dir, const SweepSpec& spec, size_t value_index, int64_t repeat);

/// The command line of the entry point that runs one solution (see above):
/// {executable, "solve", solution_dir, "--threads", T}.
std::vector<std::string> solve_command(const std::string& executable, const std::string& solution_dir, int threads);

/// Creates SWEEP_DIR (marked `kind`: kSweep, or kCompare for `awd compare`) and its sweep.json for `spec`
/// (exclusively: of two experiments racing for an empty folder one wins), or
/// joins the experiment recorded there. Refuses a folder of another kind or
/// of files awd did not write (store/folder_kind.h), a folder of another
/// experiment ("DIR: holds a sweep of another experiment (... differs at
/// /config/data/path ...)"), and inputs that differ from those recorded:
/// sweep.json's, or for a sweep of an awd before they were recorded, those of
/// its finished solutions (naming the file). More repeats of the same
/// experiment extend it (the record keeps the largest repeat count asked for).
/// spec.base's paths must be absolute (make_paths_absolute).
/// `inputs` are the data and --init-from files of spec.base as they are now (read_inputs).
void enter_sweep_dir(const SweepSpec& spec, const std::string& sweep_dir, store::FolderKind kind,
                     const store::InputFiles& inputs);

/// Checks that sweep.json records this experiment with at least spec.repeats,
/// raising the count when needed (keeping the recorded inputs, or recording
/// `inputs` in a sweep.json of an awd before it recorded them). The raise is
/// read back: a worker of the same experiment asking fewer repeats may write
/// at the same moment (run_sweep checks once more at its end).
void record_repeats(const SweepSpec& spec, const std::string& sweep_dir, const store::InputFiles& inputs);

}  // namespace awd::experiments
