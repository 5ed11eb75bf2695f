// What a run directory says about its solution: analysed, diverged, and the
// numbers of its analysis summary.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/io/file_record.h"
#include "awd/io/text_file.h"
#include "awd/store/data_check.h"
#include "awd/store/folder_kind.h"
#include "awd/store/run_layout.h"
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
    EXPECT_EQ(std::string(e.what()), store::summary_file(store::analysis_dir(run)) + ": no number 'name'");
  }
  test_util::write_solution(run, R"({"training": {"epochs": 12}})", "");
  EXPECT_EQ(store::read_summary_epochs(run), 12.0);
}

TEST(RunDir, OutputFolderIsMadeWritableOrRefused) {
  test_util::TempDir dir;
  const auto out = (dir / "run" / "deep").string();
  store::prepare_output_dir(out);
  EXPECT_TRUE(fs::is_directory(out));
  std::ofstream(dir / "file") << "x";
  EXPECT_NE(test_util::message_of([&] { store::prepare_output_dir((dir / "file" / "sub").string()); })
                .find("cannot create output folder"),
            std::string::npos);
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

TEST(RunIdentity, AnAnalysisOfSeveralLayersCountsWhenEveryLayerIsTheRuns) {
  test_util::TempDir dir;
  const auto run = (dir / "run").string();
  write_ids(run, "new", "new", "");
  const auto layer = [&](const std::string& name, const std::string& id) {
    fs::create_directories(run + "/analysis/" + name);
    io::write_atomic(run + "/analysis/" + name + "/summary.json", R"({"run_id": ")" + id + R"("})");
  };
  layer("fc1", "new");
  layer("fc2", "old");  // left by the run this one replaced
  EXPECT_EQ(store::run_state(run), store::RunState::kTrained);  // no layers.json: interrupted
  io::write_atomic(run + "/analysis/layers.json",
                   R"({"request": "all", "skipped": [], "config": {}, "layers": [)"
                   R"({"layer": "fc1", "folder": "fc1", "seconds": 1}, {"layer": "fc2", "folder": "fc2", "seconds": 1}]})");
  EXPECT_FALSE(store::layers_finished(run));
  EXPECT_EQ(store::run_state(run), store::RunState::kTrained);
  layer("fc2", "new");
  EXPECT_TRUE(store::layers_finished(run));
  EXPECT_EQ(store::run_state(run), store::RunState::kAnalysed);
  EXPECT_FALSE(store::layers_finished(run, "other"));
  io::write_atomic(run + "/analysis/layers.json", R"({"request": "all"})");  // no layers: not a record
  EXPECT_FALSE(store::layers_finished(run));
  EXPECT_EQ(store::run_state(run), store::RunState::kTrained);
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
            fs::absolute(data).string() + ": file recorded in " + run + "/config.json is missing");
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

TEST(RunDir, AReplacedAnalysisLeavesNothingOfItsOwnBehindAndTheUsersFilesStay) {
  test_util::TempDir dir;
  const auto out = (dir / "an").string();
  fs::create_directories(out);
  io::write_atomic(out + "/notes.txt", "mine");
  // A folder of the user's files is not an analysis folder, with or without --force.
  EXPECT_NE(test_util::message_of([&] { store::prepare_analysis_dir(out, true); }).find("not an analysis folder"),
            std::string::npos);
  // An analysis of an awd before markers, with the user's notes beside it.
  io::write_atomic(out + "/summary.json", R"({"pair_gap": 0.1})");
  io::write_atomic(out + "/spectrum.csv", "t,density\n");
  EXPECT_THROW(store::prepare_analysis_dir(out, false), std::runtime_error);
  EXPECT_TRUE(fs::exists(out + "/spectrum.csv"));
  store::prepare_analysis_dir(out, true);
  EXPECT_FALSE(fs::exists(out + "/summary.json"));
  EXPECT_FALSE(fs::exists(out + "/spectrum.csv"));
  EXPECT_EQ(test_util::read_bytes(out + "/notes.txt"), "mine");
  EXPECT_EQ(store::inspect_folder(out).kind, store::FolderKind::kAnalysis);  // marked now
}

namespace {

/// A record of `path` as the run directory writes them.
nlohmann::json record_of(const std::string& path) {
  return store::files_json({io::record_file(path)}).at(0);
}

}  // namespace

TEST(Provenance, ARunsInitFilesMustBeUnchanged) {
  test_util::TempDir dir;
  const auto data = (dir / "x.npy").string(), init = (dir / "W" / "fc2.weight.npy").string(), run = (dir / "run").string();
  test_util::write_bytes(data, "data");
  fs::create_directories(dir / "W");
  test_util::write_bytes(init, "weights");
  fs::create_directories(run);
  const nlohmann::json config = {{"run_id", "a"}, {"data_files", {record_of(data)}}, {"init_files", {record_of(init)}}};
  io::write_atomic(run + "/config.json", config.dump());
  const std::vector<io::FileRecord> now = {io::record_file(data)};
  EXPECT_NO_THROW(store::verify_run_inputs(run, now));
  test_util::write_bytes(init, "weighs!");  // same size, other bytes
  const auto msg = test_util::message_of([&] { store::verify_run_inputs(run, now); });
  EXPECT_EQ(msg.rfind(fs::absolute(init).string() + ": changed since the run was trained (now 7 bytes", 0), 0u) << msg;
  // A data file now read that the run does not record (another folder, another working directory).
  EXPECT_NE(test_util::message_of([&] { store::verify_run_inputs(run, {io::record_file(init)}); })
                .find("fc2.weight.npy: read as the data now, but " + run + "/config.json does not record it"),
            std::string::npos);
}

TEST(Provenance, ASweepsInputsMustBeTheFilesNow) {
  test_util::TempDir dir;
  const auto a = (dir / "a.npy").string(), b = (dir / "b.npy").string(), w = (dir / "w.npy").string();
  for (const auto& p : {a, b, w}) test_util::write_bytes(p, "bytes of " + p);
  const store::InputFiles expected{{io::record_file(a)}, {io::record_file(w)}};
  const std::string record = "S/sweep.json";
  EXPECT_NO_THROW(store::verify_sweep_inputs(expected, record, {io::record_file(a)}));
  EXPECT_EQ(test_util::message_of([&] { store::verify_sweep_inputs(expected, record, {io::record_file(b)}); }),
            fs::absolute(b).string() + ": read as the data now, but S/sweep.json does not record it (the data folder changed)");
  test_util::write_bytes(w, "other");
  EXPECT_EQ(test_util::message_of([&] { store::verify_sweep_inputs(expected, record, {io::record_file(a)}); })
                .rfind(fs::absolute(w).string() + ": changed since the sweep started", 0),
            0u);
}

TEST(Provenance, AComparedAnalysisMustBeItsRunsAndItsFilesUnchanged) {
  test_util::TempDir dir;
  const auto data = (dir / "x.npy").string(), run = (dir / "run").string();
  test_util::write_bytes(data, "data");
  fs::create_directories(run + "/analysis");
  io::write_atomic(run + "/config.json", nlohmann::json{{"run_id", "new"}, {"data_files", {record_of(data)}}}.dump());
  io::write_atomic(run + "/analysis/summary.json", R"({"run_id": "new", "pair_gap": 0.1})");
  store::DataFileCheck check;
  EXPECT_NO_THROW(store::verify_analysis_inputs(run + "/analysis", check));
  io::write_atomic(run + "/analysis/summary.json", R"({"run_id": "old", "pair_gap": 0.1})");
  EXPECT_NE(test_util::message_of([&] { store::verify_analysis_inputs(run + "/analysis", check); })
                .find("analysis/summary.json: belongs to another run than " + run + "/config.json"),
            std::string::npos);
  // An imported analysis of an earlier awd recorded its model with the CRC as a number.
  const auto model = (dir / "model.pt").string(), imported = (dir / "imported").string();
  test_util::write_bytes(model, "model");
  fs::create_directories(imported);
  const auto rec = io::record_file(model);
  io::write_atomic(imported + "/summary.json",
                   nlohmann::json{{"pair_gap", 0.1},
                                  {"config", {{"model", {{"path", model}, {"bytes", rec.bytes}, {"crc32", rec.crc32}}}}}}
                       .dump());
  store::DataFileCheck fresh;
  EXPECT_NO_THROW(store::verify_analysis_inputs(imported, fresh));
  test_util::write_bytes(model, "modem");
  store::DataFileCheck again;
  EXPECT_EQ(test_util::message_of([&] { store::verify_analysis_inputs(imported, again); })
                .rfind(fs::absolute(model).string() + ": changed since it was analysed", 0),
            0u);
}
