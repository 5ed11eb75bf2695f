// run_sweep: one worker of a sweep folder, which may share it with others
// (sweep.h, docs/cluster.md). Torch-free.
#include "awd/experiments/sweep_worker.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "awd/experiments/all_layers.h"
#include "awd/experiments/exit_codes.h"
#include "awd/io/claim_file.h"
#include "awd/io/process.h"
#include "awd/io/text_file.h"
#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_status.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::experiments {
namespace {

using Clock = std::chrono::steady_clock;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Solution {
  size_t value_index;
  int64_t repeat;
  std::string dir;
  std::string claim() const { return dir + "/claim.json"; }
};

/// Where a solution stands for this worker. kTried: it failed here once; this
/// worker leaves it (another may try it).
enum class SolutionState { kOpen, kRunning, kFinished, kTried };

/// A solution this worker trains, under its claim.
struct Attempt {
  size_t solution;
  io::ClaimHolder claim;
  bool lost = false;  ///< the claim was taken over: the child was killed, nothing is counted
};

/// One worker: claims open solutions, trains them `jobs` at once, refreshes
/// its claims, takes stale claims over, and waits for the other workers.
/// Everything happens on the calling (main) thread, which started the
/// children (they die with it, io/process.h), polling: a worker must refresh
/// its claims while its children train.
class SweepWorker {
 public:
  SweepWorker(const SweepSpec& spec, const SweepOptions& opt);
  SweepStatus run();

 private:
  bool done() const;
  int free_slots() const { return opt_.jobs - static_cast<int>(running_.size()); }
  int count(SolutionState s) const { return static_cast<int>(std::count(state_.begin(), state_.end(), s)); }
  void scan(bool first);
  bool claim(size_t i);
  bool stale(const std::string& path, const std::string& text);
  void start(size_t i, const io::ClaimHolder& holder);
  void reap();
  void ended(const Attempt& a, const io::ExitStatus& how);
  void beat();
  std::string name(size_t i) const;

  const SweepSpec& spec_;
  const SweepOptions& opt_;
  const std::string host_;
  const int threads_;
  const Clock::duration timeout_, beat_every_, scan_every_;
  std::vector<Solution> sols_;
  std::vector<SolutionState> state_;
  std::map<pid_t, Attempt> running_;
  io::ClaimWatch watch_;
  SweepStatus status_;
  Clock::time_point start_ = Clock::now(), next_beat_ = Clock::now(), next_scan_ = Clock::now();
  int finished_at_start_ = 0;
  bool told_waiting_ = false;
};

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

SweepWorker::SweepWorker(const SweepSpec& spec, const SweepOptions& opt)
    : spec_(spec),
      opt_(opt),
      host_(io::this_process_claimant().host),
      threads_(std::max(1, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) / opt.jobs)),
      timeout_(seconds(opt.claim_timeout)),
      beat_every_(seconds(opt.claim_timeout / 10)),
      scan_every_(seconds(std::min(1.0, opt.claim_timeout / 10))),
      watch_(timeout_) {
  for (size_t v = 0; v < spec.values.size(); ++v)
    for (int64_t r = 0; r < spec.repeats; ++r) sols_.push_back({v, r, solution_dir(opt.dir, spec, v, r)});
  state_.assign(sols_.size(), SolutionState::kOpen);
  status_.total = static_cast<int>(sols_.size());
}

std::string SweepWorker::name(size_t i) const {
  return spec_.parameter + "=" + spec_.values[sols_[i].value_index].str() + " rep" + std::to_string(sols_[i].repeat);
}

bool SweepWorker::done() const {
  return running_.empty() && std::all_of(state_.begin(), state_.end(), [](SolutionState s) {
           return s == SolutionState::kFinished || s == SolutionState::kTried;
         });
}

SweepStatus SweepWorker::run() {
  scan(true);
  finished_at_start_ = status_.already_done;
  if (opt_.progress && status_.already_done)
    std::fprintf(stderr, "sweep: %d of %d solutions already finished, %d to run\n", status_.already_done,
                 status_.total, status_.total - status_.already_done);
  while (!done()) {
    reap();
    const auto now = Clock::now();
    if (now >= next_beat_) {
      beat();
      next_beat_ = now + beat_every_;
    }
    if (free_slots() > 0 && now >= next_scan_) {
      scan(false);
      next_scan_ = now + scan_every_;
    }
    if (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status_;
}

/// Looks at every open solution: counts the finished ones, claims and starts
/// others while slots are free.
void SweepWorker::scan(bool first) {
  for (size_t i = 0; i < sols_.size(); ++i) {
    if (state_[i] != SolutionState::kOpen) continue;
    if (store::solution_finished(sols_[i].dir)) {
      state_[i] = SolutionState::kFinished;
      ++(first ? status_.already_done : status_.by_others);
      watch_.forget(sols_[i].claim());
      continue;
    }
    if (free_slots() > 0 && claim(i)) told_waiting_ = false;
  }
  const int open = count(SolutionState::kOpen);
  if (opt_.progress && open && running_.empty() && !told_waiting_) {
    told_waiting_ = true;
    std::fprintf(stderr, "sweep: waiting for %d solutions claimed by other workers\n", open);
  }
}

/// A claim of another worker may be taken over: its holder was a process of
/// this host that is gone, or it has not changed for the claim timeout.
bool SweepWorker::stale(const std::string& path, const std::string& text) {
  const auto holder = io::parse_claim(text);
  if (holder) {
    const bool mine = std::any_of(running_.begin(), running_.end(),
                                  [&](const auto& r) { return r.second.claim.token == holder->token; });
    if (io::holder_gone_here(*holder, host_, ::getpid(), mine)) return true;
  }
  return watch_.stale(path, text, Clock::now());
}

/// Claims solution i (taking a stale claim over) and starts it; false when
/// another worker holds it or finished it meanwhile.
bool SweepWorker::claim(size_t i) {
  const auto& s = sols_[i];
  fs::create_directories(s.dir);
  const auto path = s.claim();
  if (const auto text = io::read_claim(path)) {
    const double quiet_for = watch_.unchanged_seconds(path, Clock::now());
    if (!stale(path, *text) || !io::remove_claim_if(path, *text)) return false;
    if (opt_.progress) {
      const auto h = io::parse_claim(*text);
      std::fprintf(stderr, "sweep: %s: taking over the claim of %s pid %lld (%s)\n", name(i).c_str(),
                   h ? h->host.c_str() : "?", h ? static_cast<long long>(h->pid) : -1LL,
                   quiet_for >= opt_.claim_timeout ? ("no heartbeat for " + std::to_string(int(quiet_for)) + " s").c_str()
                                                   : "its process is gone");
    }
  }
  watch_.forget(path);
  const auto holder = io::this_process_claimant();
  if (!io::try_claim(path, holder)) return false;
  // Another worker may have finished it between our look and our claim.
  if (store::solution_finished(s.dir)) {
    io::remove_claim_if(path, io::to_text(holder));
    state_[i] = SolutionState::kFinished;
    ++status_.by_others;
    return false;
  }
  try {
    start(i, holder);
  } catch (...) {
    io::remove_claim_if(path, io::to_text(holder));
    throw;
  }
  return true;
}

/// Under the claim: writes request.json, appends the attempt line to log.txt,
/// starts `awd solve DIR --threads T` (sweep.h) with its output after it.
void SweepWorker::start(size_t i, const io::ClaimHolder& holder) {
  const auto& s = sols_[i];
  // The solution refuses inputs that are no longer those the sweep recorded (awd solve).
  auto request = store::to_json(solution_config(spec_, s.value_index, s.repeat));
  if (!opt_.inputs.data.empty()) request["data_files"] = store::files_json(opt_.inputs.data);
  if (!opt_.inputs.init.empty()) request["init_files"] = store::files_json(opt_.inputs.init);
  io::write_atomic(s.dir + "/request.json", request.dump(1) + "\n");
  io::ProcessSpec p;
  p.argv = solve_command(opt_.executable, s.dir, threads_);
  p.output = s.dir + "/log.txt";
  p.append_output = true;  // every attempt stays readable
  std::ofstream(p.output, std::ios::app) << "== awd sweep: attempt by " << holder.host << " pid " << holder.pid
                                         << " at " << utc_now() << "\n";
  pid_t pid;
  try {
    pid = io::start(p).pid;
  } catch (const io::SpawnError& e) {
    throw std::runtime_error(opt_.executable + ": cannot start a solution (" + std::strerror(e.error) + ")");
  }
  running_[pid] = {i, holder};
  state_[i] = SolutionState::kRunning;
}

/// Collects the children that ended.
void SweepWorker::reap() {
  for (;;) {
    const io::Ended e = io::wait_any(false);
    if (e.pid == 0 || (e.pid < 0 && e.error == ECHILD)) return;
    if (e.pid < 0)
      throw std::runtime_error(std::string("sweep: waiting for solutions failed: ") + std::strerror(e.error));
    const auto it = running_.find(e.pid);
    if (it == running_.end()) continue;
    const Attempt a = it->second;
    running_.erase(it);
    next_scan_ = Clock::now();
    ended(a, e.status);
  }
}

/// Counts how an attempt ended and releases its claim. A lost claim counts
/// nothing: the solution is another worker's now.
void SweepWorker::ended(const Attempt& a, const io::ExitStatus& how) {
  const size_t i = a.solution;
  if (a.lost || !io::remove_claim_if(sols_[i].claim(), io::to_text(a.claim))) {
    state_[i] = SolutionState::kOpen;
    return;
  }
  const int code = how.shell_code();
  const char* what = "done";
  if (code == kExitOk) {
    ++status_.ran;
    state_[i] = SolutionState::kFinished;
  } else if (code == kExitDiverged) {
    ++status_.diverged;
    state_[i] = SolutionState::kFinished;
    what = "diverged";
  } else {
    ++status_.failed;
    state_[i] = SolutionState::kTried;
    what = "FAILED (see log.txt)";
  }
  if (!opt_.progress) return;
  const int finished = count(SolutionState::kFinished);
  const double el = std::chrono::duration<double>(Clock::now() - start_).count();
  const int since = finished - finished_at_start_;
  const int left = status_.total - finished - count(SolutionState::kTried);
  std::fprintf(stderr, "[%d/%d] %s %s  elapsed %.1fs", finished, status_.total, name(i).c_str(), what, el);
  if (since > 0) std::fprintf(stderr, "  eta %.1fs", el / since * left);
  std::fprintf(stderr, "\n");
}

/// Refreshes every claim held; a claim found taken over stops its training.
void SweepWorker::beat() {
  for (auto& [pid, a] : running_) {
    if (a.lost || io::refresh_claim(sols_[a.solution].claim(), a.claim)) continue;
    a.lost = true;
    ::kill(pid, SIGKILL);
    std::fprintf(stderr,
                 "awd: warning: sweep: %s: another worker took the claim over (this one did not refresh it for "
                 "%g s); its training here is stopped\n",
                 name(a.solution).c_str(), opt_.claim_timeout);
  }
}

}  // namespace

SweepStatus run_sweep(const SweepSpec& spec, const SweepOptions& opt) {
  if (opt.jobs < 1) throw std::invalid_argument("--jobs must be at least 1");
  if (!(opt.claim_timeout > 0) || opt.claim_timeout > 1e7)
    throw std::invalid_argument("--claim-timeout must be a positive number of seconds");
  if (const auto& layer = spec.base.analysis.layer; names_several_layers(layer))  // its report compares one layer
    throw std::invalid_argument("--layer " + layer + ": " +
                                (opt.kind == store::FolderKind::kCompare ? "a compare" : "a sweep") +
                                " analyses one layer per solution (awd analyze SOLUTION_DIR --layer " + layer +
                                " --name NAME: several)");
  enter_sweep_dir(spec, opt.dir, opt.kind, opt.inputs);
  const auto status = SweepWorker(spec, opt).run();
  record_repeats(spec, opt.dir, opt.inputs);
  return status;
}

}  // namespace awd::experiments
