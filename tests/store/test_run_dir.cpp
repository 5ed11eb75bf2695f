// A run's config.json read back once (store::RunRecord) and the refusals of
// load_run before any network is built: records written here by hand, as a
// user or an interrupted run might leave them.
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "awd/data/dataset.h"
#include "awd/store/run_dir.h"
#include "test_files.h"

using namespace awd;
using test_util::message_of;

namespace {

/// A config.json as begin_run writes it, less the configuration's sections
/// (their defaults stand in), with `samples` and `extra` fields spliced in.
std::string config_json(const std::string& samples, const std::string& extra = "") {
  return R"({"run_id": "00000000000000ab", "awd_version": "0.1.0", )" + extra + R"("samples": )" + samples + "}";
}

const char* kSamples =
    R"({"single_split": true, "train_indices": [4, 7, 9], "train_labels": [1, 0, 1], "corrupted": [2],
        "test_indices": [0, 1]})";

}  // namespace

TEST(RunDir, ReadRunRecordParsesTheRunOnce) {
  test_util::TempDir dir;
  test_util::write_bytes(dir / "config.json",
                         config_json(kSamples, R"("data_files": [{"path": "/d/t10k-images-idx3-ubyte", "bytes": 12,
                                                "crc32": "0000002a"}], "model": {"hidden": [7]}, )"));
  const auto run = store::read_run_record(dir.str());
  EXPECT_EQ(run.dir, dir.str());
  EXPECT_EQ(run.run_id, "00000000000000ab");
  EXPECT_EQ(run.config.model.hidden, (std::vector<int64_t>{7}));
  EXPECT_TRUE(run.subset.single_split);
  EXPECT_EQ(run.subset.train_indices, (std::vector<int64_t>{4, 7, 9}));
  EXPECT_EQ(run.subset.train_labels, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(run.subset.corrupted, (std::vector<bool>{false, false, true}));
  EXPECT_EQ(run.subset.test_indices, (std::vector<int64_t>{0, 1}));
  ASSERT_EQ(run.data_files.size(), 1u);
  EXPECT_EQ(run.data_files[0].path, "/d/t10k-images-idx3-ubyte");
  EXPECT_EQ(run.data_files[0].bytes, 12);
  EXPECT_EQ(run.data_files[0].crc32, 42u);
}

TEST(RunDir, ReadRunRecordRefusesAnIncompleteRecordNamingIt) {
  test_util::TempDir dir;
  const auto path = (dir / "config.json").string();
  auto refused = [&](const std::string& text) {
    test_util::write_bytes(path, text);
    return message_of<std::runtime_error>([&] { store::read_run_record(dir.str()); });
  };
  auto msg = refused(config_json(R"({"single_split": true})"));
  EXPECT_EQ(msg.rfind(path + ": incomplete run record (", 0), 0u) << msg;
  msg = refused(config_json(R"({"single_split": true, "train_indices": [4], "train_labels": [1], "corrupted": [3],
                                "test_indices": [0]})"));
  EXPECT_EQ(msg, path + ": a corrupted sample index is out of range");
  msg = refused(config_json(kSamples, R"("data_files": [{"path": "/d/x", "bytes": 1, "crc32": "xyz"}], )"));
  EXPECT_EQ(msg, path + ": a data_files crc32 is not 8 hex digits");
  msg = refused("{\"run_id\": ");
  EXPECT_EQ(msg.rfind(path + ": not valid JSON", 0), 0u) << msg;
  std::filesystem::remove(path);
  msg = message_of<std::runtime_error>([&] { store::read_run_record(dir.str()); });
  EXPECT_EQ(msg, dir.str() + ": not a run directory (no config.json)");
}

TEST(RunDir, LoadRunRefusesATrainingRecordOfAnotherRun) {
  test_util::TempDir dir;
  test_util::write_bytes(dir / "config.json", config_json(kSamples));
  const auto record = store::read_run_record(dir.str());
  const data::DataFolder folder;  // never reached: the training record is refused first
  auto msg = message_of<std::runtime_error>([&] { store::load_run(record, folder); });
  EXPECT_EQ(msg, dir.str() + ": the run did not finish (no training.json)");
  // An interrupted replacement: training.json of the run before, or half written.
  const std::string of_the_run_before = R"({"run_id": "00000000000000cd", "stop_reason": "stop_rule"})";
  for (const auto& text : {of_the_run_before, std::string("{")}) {
    test_util::write_bytes(dir / "training.json", text);
    msg = message_of<std::runtime_error>([&] { store::load_run(record, folder); });
    EXPECT_NE(msg.find("training.json: belongs to another run than"), std::string::npos) << text << ": " << msg;
  }
}
