// What a run directory says about its solution: analysed, diverged, and the
// numbers of its analysis summary.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/io/file_record.h"
#include "awd/io/text_file.h"
#include "awd/store/data_check.h"
#include "awd/store/run_status.h"
#include "test_files.h"

namespace fs = std::filesystem;

using namespace awd;

TEST(RunStatus, AnalysedDivergedOrNeither) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string();
  EXPECT_FALSE(store::solution_finished(run));
  test_util::write_diverged_run(run);
  EXPECT_TRUE(store::training_diverged(run));
  EXPECT_FALSE(store::analysis_finished(run));
  EXPECT_TRUE(store::solution_finished(run));
  io::write_atomic(run + "/training.json", R"({"stop_reason": "stop_rule"})");
  EXPECT_FALSE(store::training_diverged(run));
  io::write_atomic(run + "/training.json", "{");  // half-written: redone, not diverged
  EXPECT_FALSE(store::training_diverged(run));
  test_util::write_solution(run, R"({"gap": 0.5, "test_error": 0.25, "training": {"epochs": 12}})", "");
  EXPECT_TRUE(store::analysis_finished(run));
  EXPECT_TRUE(store::solution_finished(run));
}

TEST(RunStatus, SummaryMetricsInOrderOrAnErrorNamingFileAndKey) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string();
  test_util::write_solution(run, R"({"gap": 0.5, "test_error": 0.25, "name": "x"})", "");
  const auto m = store::read_summary_metrics(run, {"test_error", "gap"});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], 0.25);
  EXPECT_EQ(m[1], 0.5);
  EXPECT_TRUE(std::isnan(store::read_summary_epochs(run)));
  try {
    store::read_summary_metrics(run, {"gap", "name"});
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), store::summary_path(run) + ": no number 'name'");
  }
  test_util::write_solution(run, R"({"training": {"epochs": 12}})", "");
  EXPECT_EQ(store::read_summary_epochs(run), 12.0);
}

TEST(RunDir, RefusesAFinishedRunUnlessForced) {
  test_util::TempDir dir;
  const auto out = (dir / "run").string();
  store::prepare_output_dir(out, "training.json", false);
  std::ofstream(fs::path(out) / "training.json") << "{}";
  EXPECT_THROW(store::prepare_output_dir(out, "training.json", false), std::runtime_error);
  EXPECT_NO_THROW(store::prepare_output_dir(out, "training.json", true));
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(store::prepare_output_dir((dir / "file" / "sub").string(), "training.json", false), std::runtime_error);
}

namespace {

/// A run directory written by hand: config.json with `run_id`, and the
/// training.json and analysis/summary.json ids given ("" = file absent).
void write_ids(const std::string& run, const std::string& config_id, const std::string& training_id,
               const std::string& summary_id, const std::string& stop_reason = "stop_rule") {
  fs::create_directories(run + "/analysis");
  io::write_atomic(run + "/config.json", R"({"run_id": ")" + config_id + R"("})");
  fs::remove(run + "/training.json");
  fs::remove(run + "/analysis/summary.json");
  if (!training_id.empty())
    io::write_atomic(run + "/training.json",
                     R"({"run_id": ")" + training_id + R"(", "stop_reason": ")" + stop_reason + R"("})");
  if (!summary_id.empty()) io::write_atomic(run + "/analysis/summary.json", R"({"run_id": ")" + summary_id + R"("})");
}

}  // namespace

TEST(RunIdentity, FreshIdsAreSixteenHexDigitsAndDiffer) {
  const auto a = store::new_run_id(), b = store::new_run_id();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(RunIdentity, OnlyResultsCarryingTheRunIdOfConfigCount) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string();
  EXPECT_EQ(store::run_state(run), store::RunState::kEmpty);
  write_ids(run, "new", "", "");
  EXPECT_EQ(store::run_state(run), store::RunState::kUnfinished);
  // What an interrupted replacement leaves: the old run's results beside the new config.
  write_ids(run, "new", "old", "old");
  EXPECT_EQ(store::run_state(run), store::RunState::kUnfinished);
  EXPECT_FALSE(store::training_finished(run));
  EXPECT_FALSE(store::analysis_finished(run));
  EXPECT_FALSE(store::solution_finished(run));
  write_ids(run, "new", "new", "old");
  EXPECT_EQ(store::run_state(run), store::RunState::kTrained);
  EXPECT_FALSE(store::solution_finished(run));
  write_ids(run, "new", "new", "new");
  EXPECT_EQ(store::run_state(run), store::RunState::kAnalysed);
  EXPECT_TRUE(store::solution_finished(run));
  write_ids(run, "new", "old", "", "diverged");
  EXPECT_FALSE(store::training_diverged(run));  // another run diverged, not this one
  write_ids(run, "new", "new", "", "diverged");
  EXPECT_EQ(store::run_state(run), store::RunState::kDiverged);
  EXPECT_TRUE(store::solution_finished(run));
  io::write_atomic(run + "/training.json", R"({"run_id": 7})");  // not an id: foreign
  EXPECT_FALSE(store::training_finished(run));
}

TEST(RunIdentity, AFolderOfOtherFilesIsNotARunToReplace) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string();
  fs::create_directories(run);
  io::write_atomic(run + "/request.json", "{}");
  io::write_atomic(run + "/config.json.tmp.host.123", "{");  // debris of a killed write: not the user's
  EXPECT_EQ(test_util::message_of([&] { store::run_state(run); }),
            run + ": not a run directory (holds 'request.json' and no config.json); use a new or empty folder");
  EXPECT_EQ(store::run_state(run, {"request.json"}), store::RunState::kEmpty);
}

TEST(RunIdentity, ClearingARunKeepsOnlyConfigAndTheKeptEntries) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string();
  write_ids(run, "a", "a", "a");
  fs::create_directories(run + "/weights");
  io::write_atomic(run + "/weights/fc3.weight.npy", "x");
  io::write_atomic(run + "/noise.csv", "x");
  io::write_atomic(run + "/log.txt", "x");
  store::clear_run_dir(run, {"log.txt"});
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(run)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"config.json", "log.txt"}));
}

TEST(DataCheck, RecordedFilesMustBeUnchanged) {
  test_util::TempDir dir;
  const auto data = (dir / "labels.bin").string(), run = (dir / "run").string();
  test_util::write_bytes(data, std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x03\x07", 10));
  const auto rec = io::record_file(data);
  EXPECT_EQ(rec.bytes, 10);
  fs::create_directories(run);
  const std::string record = R"({"data_files": [{"path": ")" + fs::absolute(data).string() + R"(", "bytes": 10, "crc32": ")" +
                             io::crc32_hex(rec.crc32) + R"("}]})";
  io::write_atomic(run + "/config.json", record);
  store::DataFileCheck check;
  EXPECT_NO_THROW(check.verify(run));
  test_util::write_bytes(data, std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x07\x03", 10));  // same size, labels swapped
  store::DataFileCheck fresh;
  const auto msg = test_util::message_of([&] { fresh.verify(run); });
  EXPECT_EQ(msg.rfind(fs::absolute(data).string() + ": changed since the run was trained (now 10 bytes", 0), 0u) << msg;
  EXPECT_NE(msg.find(run + "/config.json records 10 bytes, CRC-32 " + io::crc32_hex(rec.crc32)), std::string::npos);
  fs::remove(data);
  store::DataFileCheck gone;
  EXPECT_EQ(test_util::message_of([&] { gone.verify(run); }),
            fs::absolute(data).string() + ": data file recorded in " + run + "/config.json is missing");
  // Files read now that the run does not record: the data folder changed.
  EXPECT_NE(test_util::message_of([&] { store::require_recorded(run, {{(dir / "other").string(), 1, 0}}); })
                .find("does not record it (the data folder changed)"),
            std::string::npos);
}

TEST(Temporaries, ThoseOfDeadProcessesOfThisHostAreRemoved) {
  test_util::TempDir dir;
  io::write_atomic((dir / "a.json").string(), "{}");  // leaves no temporary behind
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string h = host;
  std::replace(h.begin(), h.end(), '.', '_');
  const auto dead = (dir / ("model.pt.tmp." + h + ".999999999")).string();  // above any pid_max
  const auto alive = (dir / ("model.pt.tmp." + h + "." + std::to_string(::getpid()))).string();
  const auto elsewhere = (dir / "model.pt.tmp.otherhost.999999999").string();
  for (const auto& p : {dead, alive, elsewhere}) test_util::write_bytes(p, "x");
  io::remove_stale_temporaries(dir.str());
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(elsewhere));
  EXPECT_TRUE(fs::exists(dir / "a.json"));
}

TEST(RunDir, AReplacedAnalysisLeavesNothingOfItsOwnBehind) {
  test_util::TempDir dir;
  const auto out = (dir / "an").string();
  fs::create_directories(out);
  io::write_atomic(out + "/notes.txt", "mine");
  store::prepare_analysis_dir(out, false);  // no analysis here yet: the user's file stays
  EXPECT_TRUE(fs::exists(out + "/notes.txt"));
  io::write_atomic(out + "/summary.json", "{}");
  io::write_atomic(out + "/spectrum.csv", "t,density\n");
  EXPECT_THROW(store::prepare_analysis_dir(out, false), std::runtime_error);
  EXPECT_TRUE(fs::exists(out + "/spectrum.csv"));
  store::prepare_analysis_dir(out, true);
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_TRUE(fs::is_empty(out));
}
