// `awd launch`: n local processes of one command, as ranks of a Gloo group
// (MASTER_ADDR=127.0.0.1, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK set), the
// way torchrun starts PyTorch jobs on one machine.
#pragma once
#include <string>
#include <vector>

namespace awd::distributed {

struct LaunchOptions {
  int processes = 1;        ///< n: ranks 0..n-1
  int port = 0;             ///< MASTER_PORT; 0 = a free port
  double grace_seconds = 10;  ///< after a rank fails, the others get this long to stop, then SIGTERM, then SIGKILL
  std::vector<std::string> command;  ///< program and arguments; "awd" means self_exe
  std::string self_exe;     ///< this executable, run for the command "awd"
};

/// Starts the n processes and waits for them. When one exits non-zero or by a
/// signal it says so on stderr ("awd launch: rank 2 (pid 1234) was killed by
/// signal 9 (Killed)") and stops the rest as described above. Returns 0 when
/// every rank exited 0; otherwise the exit code of the first rank that failed
/// (128 + signal when it was killed). SIGINT/SIGTERM to the launcher are passed on.
/// std::invalid_argument / std::runtime_error when the processes cannot be started.
int launch(const LaunchOptions& options);

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
int free_port();

}  // namespace awd::distributed
