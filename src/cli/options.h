// What the subcommands share: the training and analysis options (SPEC §2-7),
// the flags of every command that trains, the configuration files read before
// the flags are bound, and the set-up before a command runs.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "awd/config.h"
#include "awd/experiments/sweep.h"

namespace awd::cli {

/// A seed option: a whole number from 0 to 2^64 - 1, exactly as written; a
/// number beyond (which a number option would clamp to 2^64 - 1 without a
/// word), a sign or a fraction is the option's one-line error.
CLI::Option* add_seed_option(CLI::App& app, const std::string& flags, uint64_t& value, const std::string& help);

/// Options that decide the training (SPEC §7).
void add_training_options(CLI::App& app, RunConfig& c);

/// Options of the duality analysis (SPEC §2-5).
void add_analysis_options(CLI::App& app, AnalysisConfig& a);

/// The flags of every subcommand that trains, analyses or sweeps. --config and
/// --preset are read before parsing (initial_spec); they are bound here for --help.
struct CommonFlags {
  std::string config_file, preset;
  bool force = false, quiet = false;
};
void add_common_options(CLI::App& sub, RunConfig& c, CommonFlags& flags);

/// The value of `--name VALUE` or `--name=VALUE` in argv before any `--`
/// (after it come the arguments of the command `awd launch` runs), or "".
std::string prescan(int argc, char** argv, const std::string& name);

/// Files are read before the flags are bound, so that flags override them:
/// --config FILE (a run configuration) or, for sweeps, --experiment FILE,
/// then --preset NAME.
experiments::SweepSpec initial_spec(int argc, char** argv);

/// The configuration of `awd compare`: the compare defaults (SPEC §8 case
/// study), then --config FILE over them, then --preset; flags override all.
RunConfig initial_compare_config(int argc, char** argv);

/// The path of this executable (what a sweep runs per solution).
std::string self_executable();

/// Before a command that trains, analyses or reports: with --backend gloo only
/// rank 0 (which holds learner 0 and writes the outputs) talks to the user, so
/// the other ranks are made quiet (their errors still reach stderr); rank 0 and
/// single processes get a warning about a slow BLAS. Returns whether this
/// process is such another rank.
bool begin_command(RunConfig& cfg, bool& quiet);

}  // namespace awd::cli
