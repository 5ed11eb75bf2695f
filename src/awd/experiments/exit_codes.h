// The exit codes of awd, defined once: the command line returns them, and a
// sweep reads them from the `awd solve` child of each solution.
#pragma once

namespace awd::experiments {

/// Everything asked for was done.
inline constexpr int kExitOk = 0;
/// A sweep or compare ran, but some of its solutions failed (see their log.txt).
inline constexpr int kExitSolutionsFailed = 1;
/// Bad input or an error: one line "awd: ..." on stderr.
inline constexpr int kExitError = 2;
/// The training diverged (recorded in training.json); a sweep counts the solution as diverged.
inline constexpr int kExitDiverged = 3;

}  // namespace awd::experiments
