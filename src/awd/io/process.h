// The one way awd starts a child process: a sweep's solutions, gnuplot, and
// the ranks of `awd launch`. POSIX only; torch-free.
//
// A child dies with its parent: on Linux it gets SIGKILL when the thread that
// started it ends (PR_SET_PDEATHSIG), so a kill -9 of a sweep or of `awd
// launch` leaves no solution or rank running. The signal follows the thread,
// not the process: start children from the thread that lives as long as they
// should (awd starts them all from the main thread). It survives exec, but not
// into the child's own children.
#pragma once
#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace awd::io {

/// What to run, and where its input and output go.
struct ProcessSpec {
  std::vector<std::string> argv;  ///< argv[0] is the program: a path, or (search_path) a name looked up in PATH
  bool search_path = false;       ///< look argv[0] up in PATH when it has no '/' (execvpe)
  /// The whole environment ("NAME=value"); nullopt: this process's own.
  std::optional<std::vector<std::string>> env;
  std::string working_dir;        ///< "" = this process's
  /// "" = this process's stdout and stderr; otherwise both go to this file,
  /// created or truncated (mode 0644), opened before working_dir applies.
  std::string output;
  bool append_output = false;     ///< append to `output` instead of truncating it
  bool null_stdin = false;        ///< stdin from /dev/null instead of this process's
};

/// A started child process.
struct Child {
  pid_t pid = -1;
};

/// How a child ended: an exit code, or the signal that killed it.
struct ExitStatus {
  int code = 0;    ///< the exit code (0 when killed by a signal)
  int signal = 0;  ///< the signal that ended it, 0 when it exited
  bool ok() const { return signal == 0 && code == 0; }
  /// The code a shell reports: the exit code, or 128 + the signal.
  int shell_code() const { return signal ? 128 + signal : code; }
};

/// The child could not be started. `step` says where it failed: "pipe" or
/// "fork" (in this process), "output", "stdin" or "chdir" (setting up the
/// child) or "exec"; `error` is the errno of that step.
struct SpawnError : std::runtime_error {
  SpawnError(std::string step, int error);
  std::string step;
  int error;
};

/// Starts `spec`; returns once the program runs (exec succeeded). Throws
/// SpawnError, after reaping the failed child, when it could not start.
Child start(const ProcessSpec& spec);

/// Waits for `child` to end (EINTR retried). Throws std::runtime_error when waiting fails.
ExitStatus wait(const Child& child);

/// What wait_any found.
struct Ended {
  pid_t pid = 0;  ///< the child that ended; 0: none yet (non-blocking); -1: waiting failed, see `error`
  ExitStatus status;
  int error = 0;  ///< errno when pid is -1 (ECHILD: no children left)
};

/// Waits for any child of this process (EINTR retried); with `block` false
/// returns at once (pid 0) when none has ended yet.
Ended wait_any(bool block);

/// start then wait.
ExitStatus run(const ProcessSpec& spec);

/// This machine's name (gethostname), "unknown-host" when it cannot be read:
/// what awd records beside a pid, since a pid means something on its host only.
std::string host_name();

/// Whether process `pid` of this host has ended: it no longer exists, or it is
/// a zombie (ended, not yet reaped by its parent). A process of another user
/// counts as running.
bool process_gone(pid_t pid);

/// The executable `program` names (a path, or a name looked up in PATH), or "".
std::string find_executable(const std::string& program);

}  // namespace awd::io
