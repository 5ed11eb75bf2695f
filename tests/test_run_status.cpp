// What a run directory says about its solution: analysed, diverged, and the
// numbers of its analysis summary.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "awd/io/text_file.h"
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
