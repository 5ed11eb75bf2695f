// Where a run writes, and what `awd run`, `awd train` and a sweep's `awd
// solve` do in a run directory that may already hold a run: decided from the
// folder alone (store/), the same way in every process of a run with learners
// over several processes.
// Torch-free.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/io/file_record.h"
#include "awd/store/data_check.h"

namespace awd::experiments {

/// The inputs a sweep recorded for one of its solutions (in `record`, its
/// request.json): the solution refuses to train on files that differ.
struct ExpectedInputs {
  store::InputFiles files;
  std::string record;
};

/// Where and how loudly a run writes.
struct OutputOptions {
  std::string dir;          ///< the run directory
  bool force = false;       ///< replace a trained or finished run
  bool progress = true;     ///< epoch lines on stderr
  /// Entries of `dir` that are not the run's and stay when a run replaces
  /// another (a sweep's request.json and log.txt).
  std::vector<std::string> keep;
  std::optional<ExpectedInputs> expected;  ///< a sweep's solution: the inputs its sweep recorded
};

/// What a command does in the run directory.
enum class Plan {
  kTrain,        ///< train (replacing an unfinished run, or with --force any run), then analyse if asked
  kAnalyseOnly,  ///< the same training is done, on the same inputs: only the analysis is left
  kFinished,     ///< the same run, trained and analysed with the same options on the same inputs
};

/// A trained run of the same training configuration (data, model, training,
/// learners) on unchanged inputs (the data files read now, `data_now`, and the
/// recorded --init-from files) is only analysed, with or without out.force:
/// training again would give the same weights, so rerunning a command after
/// any interruption finishes its work; analysed with the same options it is
/// finished. Refuses (std::runtime_error, one line) a folder that is not a
/// run's; without out.force a run of another configuration, one whose inputs
/// changed (naming the file), a diverged one, a trained one when not
/// analysing, and a finished one whose analysis failed its self-check or
/// used other options. With out.force those are trained again.
Plan plan_run(const RunConfig& cfg, const OutputOptions& out, bool analyse, const std::vector<io::FileRecord>& data_now);

/// The first key where `a` and `b` differ, leaving out the top-level keys
/// `ignored` ("threads", "analysis"); "" when none. Data and --init-from paths
/// are compared as absolute paths (config.json of an awd before absolute paths
/// recorded them as given).
std::string config_difference(const RunConfig& a, const RunConfig& b, const std::vector<std::string>& ignored);

}  // namespace awd::experiments
