// Claim files (io/claim_file.h) and exclusive creation (io::write_exclusive):
// one winner among racing processes, refresh by the holder only, takeover of a
// stale claim only, and a live claim put back when a takeover came too late.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "awd/io/claim_file.h"
#include "awd/io/text_file.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;
using std::chrono::milliseconds;

namespace {

/// Files in `dir` other than `keep`: temporary names must not be left behind.
std::vector<std::string> others(const test_util::TempDir& dir, const std::string& keep) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir.str()))
    if (e.path().filename() != keep) out.push_back(e.path().filename().string());
  return out;
}

/// Forks `n` processes that wait for one signal and then all run `work`
/// (returning 1 for a win); returns how many won.
template <class Work>
int race(int n, Work work) {
  int go[2];
  EXPECT_EQ(::pipe(go), 0);
  std::vector<pid_t> pids;
  for (int k = 0; k < n; ++k) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(go[1]);
      char c;
      [[maybe_unused]] auto r = ::read(go[0], &c, 1);  // returns when the parent closes its end
      ::_exit(work(k));
    }
    pids.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);  // all start at once
  int wins = 0;
  for (const pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    wins += WEXITSTATUS(status) == 1;
  }
  return wins;
}

}  // namespace

TEST(ClaimFile, WriteExclusiveCreatesOnceAndLeavesNoTemporaryFile) {
  test_util::TempDir dir;
  const auto path = (dir / "record.json").string();
  EXPECT_TRUE(io::write_exclusive(path, "first\n"));
  EXPECT_FALSE(io::write_exclusive(path, "second\n"));
  EXPECT_EQ(io::read_text(path), "first\n");
  EXPECT_TRUE(others(dir, "record.json").empty());
  EXPECT_THROW(io::write_exclusive((dir / "no/such/folder/x").string(), "x"), std::runtime_error);
}

TEST(ClaimFile, RacingProcessesOneWins) {
  for (int round = 0; round < 5; ++round) {
    test_util::TempDir dir;
    const auto path = (dir / "claim.json").string();
    const int wins = race(8, [&](int) { return io::try_claim(path, io::this_process_claimant()) ? 1 : 0; });
    EXPECT_EQ(wins, 1) << "round " << round;
    const auto holder = io::parse_claim(io::read_text(path));
    ASSERT_TRUE(holder);
    EXPECT_TRUE(others(dir, "claim.json").empty());
  }
}

TEST(ClaimFile, TextRoundTripAndForeignFiles) {
  const io::ClaimHolder h{"node7", 4242, "abc", 1718000000.5};
  const auto back = io::parse_claim(io::to_text(h));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->host, "node7");
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->token, "abc");
  EXPECT_EQ(back->heartbeat, 1718000000.5);
  EXPECT_FALSE(io::parse_claim("{"));
  EXPECT_FALSE(io::parse_claim(R"({"host": "x"})"));
  const auto me = io::this_process_claimant(), again = io::this_process_claimant();
  EXPECT_EQ(me.pid, ::getpid());
  EXPECT_FALSE(me.host.empty());
  EXPECT_EQ(me.token.size(), 16u);
  EXPECT_NE(me.token, again.token);
}

TEST(ClaimFile, OnlyTheHolderRefreshes) {
  test_util::TempDir dir;
  const auto path = (dir / "claim.json").string();
  auto a = io::this_process_claimant();
  a.heartbeat = 1;
  ASSERT_TRUE(io::try_claim(path, a));
  EXPECT_FALSE(io::try_claim(path, io::this_process_claimant()));
  EXPECT_TRUE(io::refresh_claim(path, a));
  EXPECT_GT(a.heartbeat, 1e9);
  EXPECT_EQ(*io::read_claim(path), io::to_text(a));
  auto b = io::this_process_claimant();
  EXPECT_FALSE(io::refresh_claim(path, b));  // not b's claim
  EXPECT_EQ(*io::read_claim(path), io::to_text(a));
  EXPECT_TRUE(others(dir, "claim.json").empty());
  // Released by its holder: gone, and a refresh now says it is lost.
  EXPECT_TRUE(io::remove_claim_if(path, io::to_text(a)));
  EXPECT_FALSE(io::read_claim(path));
  EXPECT_FALSE(io::refresh_claim(path, a));
  EXPECT_FALSE(io::remove_claim_if(path, io::to_text(a)));
}

TEST(ClaimFile, WatchSaysStaleOnlyAfterTheTimeoutWithoutChange) {
  io::ClaimWatch watch(milliseconds(3000));
  const auto t0 = io::ClaimWatch::Clock::now();
  EXPECT_FALSE(watch.stale("p", "beat 1", t0));
  EXPECT_FALSE(watch.stale("p", "beat 1", t0 + milliseconds(2999)));
  EXPECT_DOUBLE_EQ(watch.unchanged_seconds("p", t0 + milliseconds(2500)), 2.5);
  EXPECT_TRUE(watch.stale("p", "beat 1", t0 + milliseconds(3000)));
  // A heartbeat (new text) starts the wait again.
  EXPECT_FALSE(watch.stale("p", "beat 2", t0 + milliseconds(3100)));
  EXPECT_FALSE(watch.stale("p", "beat 2", t0 + milliseconds(6000)));
  EXPECT_TRUE(watch.stale("p", "beat 2", t0 + milliseconds(6100)));
  watch.forget("p");
  EXPECT_FALSE(watch.stale("p", "beat 2", t0 + milliseconds(6200)));
  EXPECT_EQ(watch.unchanged_seconds("q", t0), 0.0);
}

TEST(ClaimFile, StaleClaimIsTakenOverAndItsHolderLearnsItLostIt) {
  test_util::TempDir dir;
  const auto path = (dir / "claim.json").string();
  auto a = io::this_process_claimant();
  ASSERT_TRUE(io::try_claim(path, a));
  const auto seen = *io::read_claim(path);
  // b takes the claim it saw (stale, say) over...
  ASSERT_TRUE(io::remove_claim_if(path, seen));
  auto b = io::this_process_claimant();
  ASSERT_TRUE(io::try_claim(path, b));
  // ... and a, at its next heartbeat, finds the claim is no longer its own.
  EXPECT_FALSE(io::refresh_claim(path, a));
  EXPECT_TRUE(io::refresh_claim(path, b));
  EXPECT_TRUE(others(dir, "claim.json").empty());
}

TEST(ClaimFile, ATakeoverOfALiveClaimPutsItBack) {
  test_util::TempDir dir;
  const auto path = (dir / "claim.json").string();
  auto a = io::this_process_claimant();
  a.heartbeat = 1;
  ASSERT_TRUE(io::try_claim(path, a));
  const auto seen = *io::read_claim(path);
  ASSERT_TRUE(io::refresh_claim(path, a));  // a was alive after all
  EXPECT_FALSE(io::remove_claim_if(path, seen));
  EXPECT_EQ(*io::read_claim(path), io::to_text(a));
  EXPECT_TRUE(io::refresh_claim(path, a));
  EXPECT_TRUE(others(dir, "claim.json").empty());
}

TEST(ClaimFile, GoneHoldersOfThisHost) {
  const auto me = io::this_process_claimant();
  // A process of this host that ended.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  io::ClaimHolder h = me;
  h.pid = child;
  EXPECT_TRUE(io::holder_gone_here(h, me.host, ::getpid(), false));
  // The same pid on another host: nothing can be known.
  h.host = me.host + "-elsewhere";
  EXPECT_FALSE(io::holder_gone_here(h, me.host, ::getpid(), false));
  // A live process of this host (the parent of this test).
  h = me;
  h.pid = ::getppid();
  EXPECT_FALSE(io::holder_gone_here(h, me.host, ::getpid(), false));
  // This very pid: alive when the token is one this process holds, an earlier
  // process with the same pid otherwise.
  h.pid = ::getpid();
  EXPECT_FALSE(io::holder_gone_here(h, me.host, ::getpid(), true));
  EXPECT_TRUE(io::holder_gone_here(h, me.host, ::getpid(), false));
}
