#include "awd/io/process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;
namespace fs = std::filesystem;

namespace awd::io {
namespace {

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// The steps of the child's set-up, reported to the parent by number.
enum Step : int { kOutput, kStdin, kChdir, kExec };
const char* step_name(int step) {
  switch (step) {
    case kOutput: return "output";
    case kStdin: return "stdin";
    case kChdir: return "chdir";
    default: return "exec";
  }
}

/// In the child: only async-signal-safe calls until exec. A failure is
/// written to `report` (close-on-exec, so nothing arrives when exec succeeds).
/// `parent` is the pid of the process that forked.
[[noreturn]] void exec_child(const ProcessSpec& spec, char** argv, char** envp, int report, pid_t parent) {
  // Die with the parent (see process.h). A parent that died before prctl took
  // effect is noticed by getppid: the child was re-parented already.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
  const auto fail = [report](int step) {
    const int msg[2] = {step, errno};
    [[maybe_unused]] auto w = ::write(report, msg, sizeof msg);
    ::_exit(127);
  };
  if (!spec.output.empty()) {
    const int mode = spec.append_output ? O_APPEND : O_TRUNC;
    const int out = ::open(spec.output.c_str(), O_WRONLY | O_CREAT | mode, 0644);
    if (out < 0) fail(kOutput);
    ::dup2(out, 1);
    ::dup2(out, 2);
  }
  if (spec.null_stdin) {
    const int null = ::open("/dev/null", O_RDONLY);
    if (null < 0) fail(kStdin);
    ::dup2(null, 0);
  }
  if (!spec.working_dir.empty() && ::chdir(spec.working_dir.c_str()) != 0) fail(kChdir);
  if (spec.search_path)
    ::execvpe(argv[0], argv, envp);
  else
    ::execve(argv[0], argv, envp);
  fail(kExec);
  ::_exit(127);  // not reached
}

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFSIGNALED(status))
    s.signal = WTERMSIG(status);
  else
    s.code = WEXITSTATUS(status);
  return s;
}

}  // namespace

SpawnError::SpawnError(std::string step_, int error_)
    : std::runtime_error(step_ + ": " + std::strerror(error_)), step(std::move(step_)), error(error_) {}

Child start(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw std::invalid_argument("start: no program to run");
  // Everything the child needs is built before fork: after it, no allocation.
  std::vector<std::string> args = spec.argv;
  auto argv = pointers(args);
  std::vector<std::string> env;
  std::vector<char*> envp;
  if (spec.env) {
    env = *spec.env;
    envp = pointers(env);
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw SpawnError("pipe", errno);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw SpawnError("fork", err);
  }
  if (pid == 0) {
    ::close(fds[0]);
    exec_child(spec, argv.data(), spec.env ? envp.data() : environ, fds[1], parent);
  }
  ::close(fds[1]);
  int msg[2] = {0, 0};
  ssize_t got;
  do got = ::read(fds[0], msg, sizeof msg);
  while (got < 0 && errno == EINTR);
  ::close(fds[0]);
  if (got == static_cast<ssize_t>(sizeof msg)) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw SpawnError(step_name(msg[0]), msg[1]);
  }
  return Child{pid};
}

ExitStatus wait(const Child& child) {
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error("cannot wait for process " + std::to_string(child.pid) + ": " + std::strerror(errno));
  }
  return decode(status);
}

Ended wait_any(bool block) {
  int status = 0;
  pid_t pid;
  do pid = ::waitpid(-1, &status, block ? 0 : WNOHANG);
  while (pid < 0 && errno == EINTR);
  Ended e;
  e.pid = pid;
  if (pid > 0) e.status = decode(status);
  if (pid < 0) e.error = errno;
  return e;
}

ExitStatus run(const ProcessSpec& spec) { return wait(start(spec)); }

std::string find_executable(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = (fs::path(dir.empty() ? "." : dir) / program).string();
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return "";
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;  // not ours to read: running, as kill said
  const auto paren = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  const char state = stat[paren + 2];
  return state == 'Z' || state == 'X' || state == 'x';
}

}  // namespace awd::io
