// Running a sweep: the workers that train its solutions, one child process
// each (`awd solve`), several workers on one folder (claims, heartbeats,
// takeover of a dead worker's solution). sweep.h says what a sweep is.
#pragma once
#include <string>

#include "awd/experiments/sweep.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"

namespace awd::experiments {

/// Seconds without a heartbeat after which another worker takes a solution's
/// claim over (the holder refreshes it every tenth of this).
inline constexpr double kDefaultClaimTimeout = 120;

struct SweepOptions {
  std::string dir;
  store::FolderKind kind = store::FolderKind::kSweep;  ///< kSweep, or kCompare for `awd compare`
  store::InputFiles inputs;  ///< the data and --init-from files of spec.base as they are now (read_inputs)
  int jobs = 1;              ///< solutions trained at once, each in its own process
  std::string executable;    ///< the awd binary that runs one solution
  bool progress = true;
  double claim_timeout = kDefaultClaimTimeout;  ///< seconds, see kDefaultClaimTimeout
};

/// What one worker saw and did. already_done + ran + diverged + by_others
/// solutions are finished; failed ones are not (each worker tries a solution
/// once; another worker may try it again).
struct SweepStatus {
  int total = 0;
  int already_done = 0;  ///< finished before this worker looked
  int ran = 0;           ///< trained and analysed by this worker
  int diverged = 0;      ///< trained by this worker, diverged (recorded, finished)
  int failed = 0;        ///< tried by this worker, failed (see the solution's log.txt)
  int by_others = 0;     ///< finished by other workers while this one ran
};

/// Enters the folder (enter_sweep_dir), then trains every solution that is not
/// finished and not claimed by a live worker, `jobs` at once, and waits for
/// those other workers train. Finished solutions (an analysis summary, or a
/// training recorded as diverged) are kept; half-done ones are redone. Each
/// solution's log.txt keeps every attempt, each after a line naming the
/// worker ("== awd sweep: attempt by HOST pid PID at TIME").
SweepStatus run_sweep(const SweepSpec& spec, const SweepOptions& options);

}  // namespace awd::experiments
