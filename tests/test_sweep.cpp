// Sweeps: experiment files, the solutions' configurations and folders, the
// spec of a categorical sweep.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "awd/experiments/sweep.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;
using nlohmann::json;

TEST(Sweep, ShippedExperimentFilesAreValid) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(std::string(AWD_SOURCE_DIR) + "/experiments")) {
    if (e.path().extension() != ".json") continue;
    const auto spec = experiments::read_sweep_spec(e.path().string());
    EXPECT_FALSE(spec.values.empty()) << e.path();
    EXPECT_EQ(spec.repeats, 10) << e.path();
    ++n;
  }
  EXPECT_GE(n, 8);
}

TEST(Sweep, BadExperimentFilesNameTheFile) {
  test_util::TempDir dir;
  auto expect_bad = [&](const std::string& body, const std::string& what) {
    const auto p = (dir / "e.json").string();
    std::ofstream(p) << body;
    try {
      experiments::read_sweep_spec(p);
      ADD_FAILURE() << "accepted: " << body;
    } catch (const std::exception& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(p), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
  };
  expect_bad(R"({"parameter": "speed", "values": [1]})", "unknown sweep parameter");
  expect_bad(R"({"parameter": "lr", "values": []})", "non-empty");
  expect_bad(R"({"parameter": "lr", "values": [0.1, "fast"]})", "non-number");
  expect_bad(R"({"parameter": "B", "values": [25, -1]})", "batch_size");
  expect_bad(R"({"parameter": "d", "values": [0.5, 1]})", "dropout");
  expect_bad(R"({"parameter": "lr", "values": [0.1], "repeats": 0})", "repeats");
  expect_bad(R"({"parameter": "lr", "values": [0.1], "seeds": 3})", "unknown key");
  expect_bad(R"({"parameter": "lr", "values": [0.1], "config": {"train": {"lr2": 1}}})", "unknown option");
  expect_bad("{", "not valid JSON");
}

TEST(Sweep, SolutionsGetPairedSeedsAndTheirOwnFolders) {
  experiments::SweepSpec spec;
  spec.parameter = "lr";
  spec.values = {0.01, 0.1};
  spec.repeats = 3;
  spec.base.train.seed = 100;
  const auto c = experiments::solution_config(spec, 1, 2);
  EXPECT_EQ(c.train.lr, 0.1);
  EXPECT_EQ(c.train.seed, 102u);
  EXPECT_EQ(c.data.seed, 2u);
  EXPECT_EQ(experiments::solution_config(spec, 0, 2).train.seed, 102u);
  EXPECT_EQ(experiments::solution_dir("S", spec, 0, 2), "S/runs/lr=0.01/rep2");
}

TEST(Sweep, CategoricalParameterRoundTripFoldersAndSeeds) {
  const json j = {{"name", "algos"},
                  {"parameter", "algo"},
                  {"values", {"ssgd", "dpsgd"}},
                  {"repeats", 2},
                  {"config", {{"learners", {{"count", 4}}}, {"train", {{"seed", 7}}}}}};
  const auto spec = experiments::sweep_spec_from_json(j, "algos.json");
  EXPECT_TRUE(experiments::is_categorical("algo"));
  EXPECT_TRUE(experiments::is_categorical("mixing"));
  EXPECT_FALSE(experiments::is_categorical("lr"));
  ASSERT_EQ(spec.values.size(), 2u);
  EXPECT_FALSE(spec.values[1].is_number());
  EXPECT_EQ(spec.values[1].str(), "dpsgd");
  // The names stay JSON strings, and the spec reads back to itself.
  const auto back = experiments::to_json(spec);
  EXPECT_EQ(back.at("values"), json::parse(R"(["ssgd", "dpsgd"])"));
  EXPECT_EQ(experiments::to_json(experiments::sweep_spec_from_json(back, "again")), back);
  EXPECT_EQ(experiments::solution_dir("S", spec, 0, 0), "S/runs/algo=ssgd/rep0");
  EXPECT_EQ(experiments::solution_dir("S", spec, 1, 1), "S/runs/algo=dpsgd/rep1");
  // Repeat r of both algorithms: the same seeds, only the algorithm differs.
  const auto a = experiments::solution_config(spec, 0, 1), b = experiments::solution_config(spec, 1, 1);
  EXPECT_EQ(a.learners.algo, Algo::kSsgd);
  EXPECT_EQ(b.learners.algo, Algo::kDpsgd);
  EXPECT_EQ(a.train.seed, 8u);
  EXPECT_EQ(b.train.seed, 8u);
  EXPECT_EQ(a.data.seed, b.data.seed);
  EXPECT_EQ(b.learners.count, 4);
}

TEST(Sweep, BadCategoricalExperimentFilesNameTheFile) {
  test_util::TempDir dir;
  const auto p = (dir / "e.json").string();
  auto error_of = [&](const std::string& body) -> std::string {
    std::ofstream(p) << body;
    try {
      experiments::read_sweep_spec(p);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(error_of(R"({"parameter": "algo", "values": ["ssgd", "sgd"]})"),
            p + ": algo takes one of ssgd, dpsgd, not 'sgd'");
  EXPECT_EQ(error_of(R"({"parameter": "algo", "values": ["ssgd", 1]})"),
            p + ": \"values\" of algo must be names (ssgd, dpsgd), not 1");
  EXPECT_EQ(error_of(R"({"parameter": "lr", "values": [0.1, 0.1]})"), p + ": \"values\" lists 0.1 twice");
}

TEST(Sweep, NumericSweepsAreWrittenAsBefore) {
  // sweep.json of a numeric sweep, as earlier versions wrote it: the values stay JSON numbers.
  experiments::SweepSpec spec;
  spec.name = "lr";
  spec.parameter = "lr";
  spec.values = {0.01, 0.1, 1};
  spec.repeats = 2;
  const auto j = experiments::to_json(spec);
  EXPECT_EQ(j.at("values").dump(), "[0.01,0.1,1.0]");
  EXPECT_EQ(experiments::solution_dir("S", spec, 1, 0), "S/runs/lr=0.1/rep0");
  EXPECT_EQ(experiments::solution_dir("S", spec, 2, 1), "S/runs/lr=1/rep1");
  spec.parameter = "batch_size";
  spec.values = {25, 400};
  EXPECT_EQ(experiments::solution_dir("S", spec, 0, 3), "S/runs/batch_size=25/rep3");
  // Every shipped experiment file reads back to the same values.
  for (const auto& e : fs::directory_iterator(std::string(AWD_SOURCE_DIR) + "/experiments")) {
    if (e.path().extension() != ".json") continue;
    const auto file = json::parse(test_util::read_bytes(e.path().string()));
    const auto read = experiments::to_json(experiments::read_sweep_spec(e.path().string()));
    ASSERT_EQ(read.at("values").size(), file.at("values").size()) << e.path();
    for (size_t i = 0; i < file.at("values").size(); ++i)
      EXPECT_EQ(read.at("values")[i].get<double>(), file.at("values")[i].get<double>()) << e.path();
  }
}
