#include "awd/distributed/launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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

struct Child {
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

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

std::string describe(const Child& c, int status) {
  const auto who = "rank " + std::to_string(c.rank) + " (pid " + std::to_string(c.pid) + ")";
  if (WIFSIGNALED(status))
    return who + " was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
           ")";
  return who + " exited with code " + std::to_string(WEXITSTATUS(status));
}

void signal_all(std::vector<Child>& children, int sig) {
  for (auto& c : children)
    if (c.running) {
      c.stopped_by_us = true;
      kill(c.pid, sig);
    }
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
  const auto base = base_environment();

  SignalGuard guard;
  std::vector<Child> children;
  auto abort_start = [&](const std::string& message) {
    signal_all(children, SIGKILL);
    for (auto& c : children) waitpid(c.pid, nullptr, 0);
    throw std::runtime_error(message);
  };
  for (int r = 0; r < o.processes; ++r) {
    auto env = base;
    env.push_back("MASTER_ADDR=127.0.0.1");
    env.push_back("MASTER_PORT=" + std::to_string(port));
    env.push_back("RANK=" + std::to_string(r));
    env.push_back("WORLD_SIZE=" + std::to_string(o.processes));
    env.push_back("LOCAL_RANK=" + std::to_string(r));
    env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(o.processes));
    auto argv_strings = args;
    auto envp = pointers(env);
    auto argv = pointers(argv_strings);
    // exec failures come back through a close-on-exec pipe: nothing read = exec succeeded.
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) abort_start(std::string("launch: pipe: ") + std::strerror(errno));
    const pid_t pid = fork();
    if (pid < 0) {
      close(fds[0]);
      close(fds[1]);
      abort_start(std::string("launch: fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
      close(fds[0]);
      execvpe(argv[0], argv.data(), envp.data());
      const int err = errno;
      [[maybe_unused]] auto w = write(fds[1], &err, sizeof err);
      _exit(127);
    }
    close(fds[1]);
    int err = 0;
    ssize_t got;
    do got = read(fds[0], &err, sizeof err);
    while (got < 0 && errno == EINTR);
    close(fds[0]);
    children.push_back({r, pid});
    if (got == static_cast<ssize_t>(sizeof err))
      abort_start("launch: cannot run '" + args.front() + "': " + std::strerror(err));
  }

  int result = 0;
  bool failing = false, terminated = false, killed = false, forwarded = false;
  auto stop_at = Clock::time_point::max();
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(o.grace_seconds * 1000));
  auto running = [&] {
    for (const auto& c : children)
      if (c.running) return true;
    return false;
  };
  while (running()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (auto& c : children) {
        if (c.pid != pid) continue;
        c.running = false;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (ok || c.stopped_by_us) break;
        std::fprintf(stderr, "awd launch: %s\n", describe(c, status).c_str());
        if (!failing) {
          failing = true;
          result = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
          stop_at = Clock::now() + grace;
        }
        break;
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;  // no children left to wait for
    if (g_signal && !forwarded) {
      forwarded = true;
      signal_all(children, g_signal);
      if (!failing) {
        failing = true;
        result = 128 + g_signal;
        stop_at = Clock::now() + grace;
      }
    }
    const auto now = Clock::now();
    if (failing && !terminated && now >= stop_at) {
      terminated = true;
      for (const auto& c : children)
        if (c.running)
          std::fprintf(stderr, "awd launch: rank %d (pid %d) still running %g s after the failure: SIGTERM\n", c.rank,
                       static_cast<int>(c.pid), o.grace_seconds);
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

}  // namespace awd::distributed
