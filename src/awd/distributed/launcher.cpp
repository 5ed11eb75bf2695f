#include "awd/distributed/launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "awd/io/process.h"

extern char** environ;

namespace awd::distributed {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int s) { g_signal = s; }

/// SIGINT and SIGTERM are recorded while the launcher runs, and passed on.
class SignalGuard {
 public:
  SignalGuard() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

/// One rank's process, as the launcher tracks it.
struct Rank {
  int rank;
  pid_t pid;
  bool running = true;
  bool stopped_by_us = false;
};

/// The environment without the variables the launcher sets.
std::vector<std::string> base_environment() {
  static const char* ours[] = {"MASTER_ADDR=", "MASTER_PORT=", "RANK=", "WORLD_SIZE=", "LOCAL_RANK=",
                               "LOCAL_WORLD_SIZE="};
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string v = *e;
    bool skip = false;
    for (const char* o : ours) skip = skip || v.rfind(o, 0) == 0;
    if (!skip) env.push_back(v);
  }
  return env;
}

std::string describe(const Rank& c, const io::ExitStatus& status) {
  const auto who = "rank " + std::to_string(c.rank) + " (pid " + std::to_string(c.pid) + ")";
  if (status.signal)
    return who + " was killed by signal " + std::to_string(status.signal) + " (" + strsignal(status.signal) + ")";
  return who + " exited with code " + std::to_string(status.code);
}

void signal_all(std::vector<Rank>& children, int sig) {
  for (auto& c : children)
    if (c.running) {
      c.stopped_by_us = true;
      kill(c.pid, sig);
    }
}

/// Starts ranks 0..n-1 of `args` with the rendezvous variables set. When one
/// cannot start, those already running are killed and the error names why.
std::vector<Rank> start_ranks(const std::vector<std::string>& args, int processes, int port) {
  const auto base = base_environment();
  std::vector<Rank> children;
  auto abort_start = [&](const std::string& message) {
    signal_all(children, SIGKILL);
    for (auto& c : children) {
      try {
        io::wait(io::Child{c.pid});
      } catch (const std::exception&) {
      }
    }
    throw std::runtime_error(message);
  };
  for (int r = 0; r < processes; ++r) {
    io::ProcessSpec p;
    p.argv = args;
    p.search_path = true;
    p.env = base;
    p.env->push_back("MASTER_ADDR=127.0.0.1");
    p.env->push_back("MASTER_PORT=" + std::to_string(port));
    p.env->push_back("RANK=" + std::to_string(r));
    p.env->push_back("WORLD_SIZE=" + std::to_string(processes));
    p.env->push_back("LOCAL_RANK=" + std::to_string(r));
    p.env->push_back("LOCAL_WORLD_SIZE=" + std::to_string(processes));
    try {
      children.push_back({r, io::start(p).pid});
    } catch (const io::SpawnError& e) {
      if (e.step == "exec") abort_start("launch: cannot run '" + args.front() + "': " + std::strerror(e.error));
      abort_start("launch: " + e.step + ": " + std::strerror(e.error));
    }
  }
  return children;
}

/// Waits for every rank (polling, so that signals and deadlines are noticed);
/// after the first failure the others get `grace_seconds`, then SIGTERM, then
/// as long again before SIGKILL. Returns the exit code launch() returns.
int supervise(std::vector<Rank>& children, double grace_seconds) {
  int result = 0;
  bool failing = false, terminated = false, killed = false, forwarded = false;
  auto stop_at = Clock::time_point::max();
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(grace_seconds * 1000));
  const auto fail = [&](int code) {
    if (failing) return;
    failing = true;
    result = code;
    stop_at = Clock::now() + grace;
  };
  auto running = [&] {
    for (const auto& c : children)
      if (c.running) return true;
    return false;
  };
  while (running()) {
    const io::Ended ended = io::wait_any(false);
    if (ended.pid > 0) {
      for (auto& c : children) {
        if (c.pid != ended.pid) continue;
        c.running = false;
        if (ended.status.ok() || c.stopped_by_us) break;
        std::fprintf(stderr, "awd launch: %s\n", describe(c, ended.status).c_str());
        fail(ended.status.shell_code());
        break;
      }
      continue;
    }
    if (ended.pid < 0) break;  // no children left to wait for
    if (g_signal && !forwarded) {
      forwarded = true;
      signal_all(children, g_signal);
      fail(128 + g_signal);
    }
    const auto now = Clock::now();
    if (failing && !terminated && now >= stop_at) {
      terminated = true;
      for (const auto& c : children)
        if (c.running)
          std::fprintf(stderr, "awd launch: rank %d (pid %d) still running %g s after the failure: SIGTERM\n", c.rank,
                       static_cast<int>(c.pid), grace_seconds);
      signal_all(children, SIGTERM);
      signal_all(children, SIGCONT);  // a stopped process acts on SIGTERM only once it runs
      stop_at = now + grace;
    } else if (terminated && !killed && now >= stop_at) {
      killed = true;
      signal_all(children, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return result;
}

}  // namespace

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("launch: cannot open a socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    close(fd);
    throw std::runtime_error(std::string("launch: cannot find a free port: ") + std::strerror(err));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

int launch(const LaunchOptions& o) {
  if (o.processes < 1) throw std::invalid_argument("launch: -n must be at least 1");
  if (o.command.empty()) throw std::invalid_argument("launch: no command to run (awd launch -n N -- COMMAND ARGS...)");
  if (o.port < 0 || o.port > 65535) throw std::invalid_argument("launch: --port must be in 0..65535");
  if (!(o.grace_seconds >= 0)) throw std::invalid_argument("launch: --timeout must be at least 0");
  const int port = o.port ? o.port : free_port();
  std::vector<std::string> args = o.command;
  if (args.front() == "awd" && !o.self_exe.empty()) args.front() = o.self_exe;
  SignalGuard guard;
  auto children = start_ranks(args, o.processes, port);
  return supervise(children, o.grace_seconds);
}

}  // namespace awd::distributed
