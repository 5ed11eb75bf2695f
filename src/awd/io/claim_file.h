// Claim files: how processes that share a folder (on one machine, or on many
// over a shared filesystem) agree that exactly one of them does a piece of
// work. The claim is a small JSON file beside the work,
//
//   {"host": "node17", "pid": 4242, "token": "9f3c...", "heartbeat": 1718000000.25}
//
// created exclusively (io::write_exclusive: a temporary file link(2)ed into
// place, atomic on NFS too), refreshed by its holder every few seconds
// (refresh_claim) and removed when the work ended (release_claim). A holder
// that dies stops refreshing: another process may take the claim over once it
// has watched the content stay unchanged for a timeout (ClaimWatch), or at once
// when the holder was a process of its own host that no longer exists.
//
// Staleness is judged by watching the file change, on the watcher's own
// steady clock, not by comparing the heartbeat's time with the watcher's
// clock: hosts whose clocks disagree cannot steal each other's live claims.
// The heartbeat time in the file is for people reading it.
//
// Taking over and removing are careful, not magic: the claim is renamed to a
// private name and compared with what was seen; a claim that changed
// meanwhile (its holder was alive after all) is put back. A holder stalled for
// longer than the timeout (SIGSTOP, a suspended machine) can still lose its
// claim; it learns so at its next refresh, which returns false. Torch-free.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace awd::io {

/// Who holds a claim, as the claim file records it.
struct ClaimHolder {
  std::string host;      ///< host name of the holding process
  int64_t pid = 0;       ///< the holding process, on that host
  std::string token;     ///< random, new for every claim taken: tells this claim from any other
  double heartbeat = 0;  ///< unix seconds of the last refresh (for people; see above)
};

/// A holder for this process: its host name and pid, a fresh token, the time now.
ClaimHolder this_process_claimant();

/// The JSON text of a claim file; parse_claim reads it back (nullopt when the
/// text is not a claim, e.g. a file written by something else).
std::string to_text(const ClaimHolder& holder);
std::optional<ClaimHolder> parse_claim(const std::string& text);

/// The text of the claim file at `path`, nullopt when there is none.
std::optional<std::string> read_claim(const std::string& path);

/// Creates the claim file at `path` for `holder`; false when a claim exists.
bool try_claim(const std::string& path, const ClaimHolder& holder);

/// The holder's refresh: when `path` still holds the holder's token, rewrites
/// it (atomically) with the heartbeat set to now and returns true; false when
/// the claim is gone or another's (the holder has lost it).
bool refresh_claim(const std::string& path, ClaimHolder& holder);

/// Removes the claim at `path` if it still reads `expected` (rename to a
/// private name, compare, put back what changed meanwhile). Returns whether it
/// removed it. Used both to release one's own claim and to take over a stale one.
bool remove_claim_if(const std::string& path, const std::string& expected);

/// Whether `holder` was a process of host `this_host` that no longer runs:
/// its pid is gone, or it is this very process's pid (`this_pid`) with a token
/// this process does not hold (`own_token`: "" when none matches), i.e. an
/// earlier process that had the same pid.
bool holder_gone_here(const ClaimHolder& holder, const std::string& this_host, pid_t this_pid, bool own_token);

/// Watches claims held by others and says when one is stale: its text has not
/// changed for `timeout` of this process's steady clock since it was first
/// seen (so a process that starts watching waits the whole timeout).
class ClaimWatch {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ClaimWatch(Clock::duration timeout) : timeout_(timeout) {}

  /// Records that `path` reads `text` at `now`; true when it has read the
  /// same text for at least the timeout.
  bool stale(const std::string& path, const std::string& text, Clock::time_point now);
  /// Seconds `path` has read its current text (0 when not watched).
  double unchanged_seconds(const std::string& path, Clock::time_point now) const;
  /// Stops watching `path` (its claim was taken or released).
  void forget(const std::string& path) { seen_.erase(path); }

 private:
  struct Seen {
    std::string text;
    Clock::time_point since;
  };
  Clock::duration timeout_;
  std::map<std::string, Seen> seen_;
};

}  // namespace awd::io
