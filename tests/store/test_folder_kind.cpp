// Which awd folder a folder is, and what of it awd may remove: every folder
// awd writes carries a marker, folders of an awd before markers are known by
// their files, and replacing a run or an analysis never touches the user's files.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/io/text_file.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_status.h"
#include "test_files.h"

namespace fs = std::filesystem;

using namespace awd;
using store::FolderKind;

namespace {

/// Every entry under `dir`, as sorted relative paths.
std::vector<std::string> tree(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

void put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  test_util::write_bytes(path, text);
}

}  // namespace

TEST(FolderKind, MarkedOrKnownByTheFilesOfAnAwdBeforeMarkers) {
  test_util::TempDir dir;
  const auto d = [&](const char* name) { return (dir / name).string(); };
  EXPECT_FALSE(store::inspect_folder(d("missing")).kind);
  put(d("run") + "/config.json", R"({"samples": {}, "data": {}})");
  put(d("analysis") + "/summary.json", R"({"pair_gap": 0.5})");
  put(d("sweep") + "/sweep.json", R"({"name": "lr", "parameter": "lr"})");
  put(d("compare") + "/sweep.json", R"({"name": "compare", "parameter": "algo"})");
  put(d("report") + "/report.html", "<html>");
  put(d("report") + "/summary.csv", "value\n");
  const std::pair<const char*, FolderKind> legacy[] = {{"run", FolderKind::kRun},
                                                       {"analysis", FolderKind::kAnalysis},
                                                       {"sweep", FolderKind::kSweep},
                                                       {"compare", FolderKind::kCompare},
                                                       {"report", FolderKind::kReport}};
  for (const auto& [name, kind] : legacy) {
    const auto info = store::inspect_folder(d(name));
    ASSERT_TRUE(info.kind) << name;
    EXPECT_EQ(*info.kind, kind) << name;
    EXPECT_NE(info.evidence, store::kFolderMarker) << name;
  }
  // A user's own awd config file named config.json does not make a run, nor a
  // summary.json of their own an analysis.
  put(d("mine") + "/config.json", R"({"train": {"lr": 0.1}})");
  put(d("mine") + "/summary.json", R"({"accuracy": 0.9})");
  const auto mine = store::inspect_folder(d("mine"));
  EXPECT_FALSE(mine.kind);
  EXPECT_EQ(mine.foreign, "config.json");
  // The marker wins over what the files look like.
  put(d("mine") + "/" + store::kFolderMarker, R"({"kind": "report"})");
  EXPECT_EQ(*store::inspect_folder(d("mine")).kind, FolderKind::kReport);
  // Temporaries of killed writes and the entries the caller keeps are not foreign.
  put(d("debris") + "/config.json.tmp.host.123", "{");
  put(d("debris") + "/claim.json", "{}");
  EXPECT_EQ(store::inspect_folder(d("debris"), {"claim.json"}).foreign, "");
  EXPECT_EQ(store::inspect_folder(d("debris")).foreign, "claim.json");
}

TEST(FolderKind, AwdWritesOnlyIntoEmptyFoldersOrFoldersOfItsKind) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string(), user = (dir / "user").string();
  store::own_folder(run, FolderKind::kRun);
  EXPECT_EQ(*store::inspect_folder(run).kind, FolderKind::kRun);
  EXPECT_NO_THROW(store::own_folder(run, FolderKind::kRun));
  EXPECT_EQ(test_util::message_of([&] { store::own_folder(run, FolderKind::kSweep); }),
            run + ": holds a run (.awd.json), not a sweep; use a new or empty folder");
  put(user + "/notes.txt", "mine");
  EXPECT_EQ(test_util::message_of([&] { store::own_folder(user, FolderKind::kAnalysis); }),
            user + ": not an analysis folder (holds 'notes.txt' and no summary.json); use a new or empty folder");
  EXPECT_FALSE(fs::exists(fs::path(user) / store::kFolderMarker));
  // A report may be written beside the user's files when asked to (report --compare --force).
  EXPECT_NE(test_util::message_of([&] { store::own_folder(user, FolderKind::kReport); }).find("or --force"),
            std::string::npos);
  store::own_folder(user, FolderKind::kReport, {}, true);
  EXPECT_EQ(*store::inspect_folder(user).kind, FolderKind::kReport);
  EXPECT_EQ(test_util::read_bytes(user + "/notes.txt"), "mine");
  // A file where a folder should be.
  put((dir / "file").string(), "x");
  EXPECT_EQ(test_util::message_of([&] { store::own_folder((dir / "file").string(), FolderKind::kRun); }),
            (dir / "file").string() + ": not a folder");
}

TEST(FolderKind, TwoKindsRacingForAnEmptyFolderOneWins) {
  for (int round = 0; round < 5; ++round) {
    test_util::TempDir dir;
    const auto target = (dir / "x").string();
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    std::vector<pid_t> pids;
    for (int k = 0; k < 6; ++k) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::close(go[1]);
        char c;
        [[maybe_unused]] auto r = ::read(go[0], &c, 1);
        try {
          store::own_folder(target, k % 2 ? FolderKind::kSweep : FolderKind::kCompare);
          ::_exit(k % 2 ? 11 : 13);
        } catch (const std::exception&) {
          ::_exit(0);
        }
      }
      pids.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);
    int admitted[2] = {0, 0};
    for (const pid_t pid : pids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      ASSERT_TRUE(WIFEXITED(status));
      admitted[WEXITSTATUS(status) == 11] += WEXITSTATUS(status) != 0;
    }
    const bool sweep_won = *store::inspect_folder(target).kind == FolderKind::kSweep;
    EXPECT_EQ(admitted[1], sweep_won ? 3 : 0) << "round " << round;
    EXPECT_EQ(admitted[0], sweep_won ? 0 : 3) << "round " << round;
  }
}

TEST(FolderKind, ReplacingARunRemovesOnlyWhatAwdWrote) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string();
  store::own_folder(run, FolderKind::kRun);
  for (const char* f : {"config.json", "model.pt", "training.json", "noise.csv", "log.txt", "weights/fc1.weight.npy",
                        "weights/fc2.weight.npy.tmp.host.999", "model.pt.tmp.host.999", "analysis/summary.json",
                        "analysis/directions.csv", "reanalysis/pairs.csv"})
    put(run + "/" + f, "awd's");
  put(run + "/analysis/" + store::kFolderMarker, R"({"kind": "analysis"})");
  put(run + "/reanalysis/" + store::kFolderMarker, R"({"kind": "analysis"})");
  // The user's: a note, a folder, a file in weights/ and one in an analysis folder.
  for (const char* f : {"notes.txt", "mysub/data.bin", "weights/README", "reanalysis/plot.py", "model.pt.orig"})
    put(run + "/" + f, "mine");
  store::clear_run_dir(run, {"log.txt"});
  EXPECT_EQ(tree(run), (std::vector<std::string>{".awd.json", "config.json", "log.txt", "model.pt.orig", "mysub",
                                                 "mysub/data.bin", "notes.txt", "reanalysis", "reanalysis/.awd.json",
                                                 "reanalysis/plot.py", "weights", "weights/README"}));
  for (const char* f : {"notes.txt", "mysub/data.bin", "weights/README", "reanalysis/plot.py", "model.pt.orig"})
    EXPECT_EQ(test_util::read_bytes(run + "/" + f), "mine") << f;
}

TEST(FolderKind, AnalysisNamesAreNotTheRunsOwnFiles) {
  for (const char* name : {"weights", "config.json", "model.pt", "training.json", "noise.csv", "request.json",
                           "log.txt", "claim.json", ".awd.json", "", ".", "..", "a/b"})
    EXPECT_THROW(store::check_analysis_name(name), std::invalid_argument) << name;
  for (const char* name : {"analysis", "fisher", "reanalysis", "weights2"})
    EXPECT_NO_THROW(store::check_analysis_name(name)) << name;
}

TEST(FolderKind, ARunStateRefusesOtherKindsAndForeignFolders) {
  test_util::TempDir dir;
  const auto sweep = (dir / "sweep").string();
  put(sweep + "/sweep.json", R"({"name": "lr", "parameter": "lr"})");
  EXPECT_EQ(test_util::message_of([&] { store::run_state(sweep); }),
            sweep + ": holds a sweep (sweep.json), not a run; use a new or empty folder");
  const auto marked = (dir / "marked").string();
  store::own_folder(marked, FolderKind::kRun);
  put(marked + "/notes.txt", "mine");  // the user's file in a run folder: still a run folder, and empty of runs
  EXPECT_EQ(store::run_state(marked), store::RunState::kEmpty);
}
