// The child-process runner, against /bin/sh: exit codes, signals, output
// redirection, working folder, environment, and programs that cannot start.
#include <gtest/gtest.h>

#include <signal.h>

#include <string>

#include "awd/io/process.h"
#include "test_files.h"

using namespace awd;

namespace {

io::ProcessSpec shell(const std::string& script) {
  io::ProcessSpec p;
  p.argv = {"/bin/sh", "-c", script};
  return p;
}

}  // namespace

TEST(Process, ExitCodeAndSignalAreDecoded) {
  const auto seven = io::run(shell("exit 7"));
  EXPECT_EQ(seven.code, 7);
  EXPECT_EQ(seven.signal, 0);
  EXPECT_FALSE(seven.ok());
  EXPECT_EQ(seven.shell_code(), 7);
  EXPECT_TRUE(io::run(shell("exit 0")).ok());
  const auto killed = io::run(shell("kill -9 $$"));
  EXPECT_EQ(killed.signal, SIGKILL);
  EXPECT_EQ(killed.shell_code(), 128 + 9);
  EXPECT_FALSE(killed.ok());
}

TEST(Process, OutputWorkingFolderAndEnvironment) {
  test_util::TempDir dir;
  auto p = shell("pwd; echo \"$AWD_TEST_VALUE\"; echo oops >&2; read line || echo no-stdin");
  p.output = (dir / "out.log").string();
  p.working_dir = dir.str();
  p.env = std::vector<std::string>{"AWD_TEST_VALUE=42"};
  p.null_stdin = true;
  EXPECT_TRUE(io::run(p).ok());
  EXPECT_EQ(test_util::read_bytes(p.output), dir.str() + "\n42\noops\nno-stdin\n");
}

TEST(Process, AProgramThatCannotStartIsASpawnError) {
  io::ProcessSpec p;
  p.argv = {"/no/such/program"};
  try {
    io::start(p);
    FAIL() << "started";
  } catch (const io::SpawnError& e) {
    EXPECT_EQ(e.step, "exec");
    EXPECT_EQ(e.error, ENOENT);
  }
  auto q = shell("true");
  q.working_dir = "/no/such/folder";
  try {
    io::start(q);
    FAIL() << "started";
  } catch (const io::SpawnError& e) {
    EXPECT_EQ(e.step, "chdir");
  }
}

TEST(Process, WaitAnyWithAndWithoutBlocking) {
  auto slow = shell("sleep 0.3; exit 4");
  const auto child = io::start(slow);
  EXPECT_EQ(io::wait_any(false).pid, 0);  // still running
  const auto ended = io::wait_any(true);
  EXPECT_EQ(ended.pid, child.pid);
  EXPECT_EQ(ended.status.code, 4);
  const auto none = io::wait_any(false);
  EXPECT_EQ(none.pid, -1);
  EXPECT_EQ(none.error, ECHILD);
}

TEST(Process, FindExecutableOnPathOrByPath) {
  EXPECT_EQ(io::find_executable("/bin/sh"), "/bin/sh");
  EXPECT_NE(io::find_executable("sh"), "");
  EXPECT_EQ(io::find_executable("no-such-program-awd"), "");
  EXPECT_EQ(io::find_executable("/no/such/program"), "");
}
