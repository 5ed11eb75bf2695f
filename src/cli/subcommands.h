// The subcommands of awd, one file each: each adds its options to the app and
// returns what runs when the user chose it. They parse and delegate; the work
// is in the library.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "awd/config.h"
#include "awd/experiments/sweep.h"
#include "awd/experiments/sweep_worker.h"
#include "awd/store/folder_kind.h"

namespace awd::cli {

/// A subcommand: its node in the app, and what runs (returning the exit code)
/// when the user chose it.
struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};

/// The configurations read from files before the flags are bound (options.h);
/// the flags are bound into them, so they outlive the parse.
struct Context {
  experiments::SweepSpec spec;  ///< train, analyze, run, sweep, report: spec.base is the run configuration
  RunConfig compare_cfg;        ///< compare
};

Subcommand add_train(CLI::App& app, Context& ctx);    // solution_commands.cpp
Subcommand add_analyze(CLI::App& app, Context& ctx);  // solution_commands.cpp
Subcommand add_run(CLI::App& app, Context& ctx);      // solution_commands.cpp
Subcommand add_sweep(CLI::App& app, Context& ctx);    // sweep_command.cpp
Subcommand add_compare(CLI::App& app, Context& ctx);  // compare_command.cpp
Subcommand add_report(CLI::App& app, Context& ctx);   // report_command.cpp
Subcommand add_launch(CLI::App& app);                 // launch_command.cpp
Subcommand add_solve(CLI::App& app);                  // solve_command.cpp

/// Where and how a sweep or compare runs.
struct SweepRun {
  std::string out_dir;
  int jobs = 2;        ///< solutions at once, one `awd solve` process each
  bool quiet = false;  ///< no progress lines
  double claim_timeout = experiments::kDefaultClaimTimeout;  ///< seconds (experiments::SweepOptions)
};

/// Adds --claim-timeout (sweeps shared by several processes) to a sweep or compare.
void add_claim_timeout_option(CLI::App& sub, SweepRun& run);

/// Runs the sweep `spec` (experiments::run_sweep) into a folder of `kind`
/// (sweep or compare), its data and --init-from paths made absolute and the
/// files recorded, writes its report with `write_report` and prints the table
/// it returns, then the status line "KIND: N solutions, A already finished, R
/// run, D diverged, F failed, O finished by other workers; report:
/// OUT/report" (run, diverged and failed by this process). Returns
/// kExitSolutionsFailed when a solution failed, else kExitOk.
int run_sweep_and_report(experiments::SweepSpec spec, const SweepRun& run, store::FolderKind kind,
                         const std::function<std::string(const std::string&)>& write_report);

}  // namespace awd::cli
