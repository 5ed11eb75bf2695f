// Sweeps: experiment files, the solutions' configurations and folders, the
// spec of a categorical sweep, the folder's experiment record.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "awd/experiments/sweep.h"
#include "awd/experiments/sweep_worker.h"
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
  // Validated as config files are: no silent 2.9 -> 2, no number where a name goes.
  expect_bad(R"({"parameter": "lr", "values": [0.1], "repeats": 2.9})", "repeats: must be an integer, not 2.9");
  expect_bad(R"({"parameter": "lr", "values": [0.1], "repeats": "3"})", "repeats: must be an integer");
  expect_bad(R"({"parameter": 5, "values": [0.1]})", "parameter: must be a string, not 5");
  expect_bad(R"({"name": ["x"], "parameter": "lr", "values": [0.1]})", "name: must be a string");
  expect_bad(R"({"parameter": "lr", "values": [0.1], "repeats": 3, "config": {"train": {"seed": 18446744073709551614}}})",
             "exceeds 18446744073709551615");
  const auto p = (dir / "ok.json").string();
  std::ofstream(p) << R"({"parameter": "lr", "values": [0.1], "repeats": 3.0, "config": {"train": {"batch_size": 5e1}}})";
  const auto spec = experiments::read_sweep_spec(p);
  EXPECT_EQ(spec.repeats, 3);
  EXPECT_EQ(spec.base.train.batch_size, 50);
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

namespace {

experiments::SweepSpec lr_sweep(std::vector<double> values, int64_t repeats) {
  experiments::SweepSpec spec;
  spec.name = "lr";
  spec.parameter = "lr";
  for (double v : values) spec.values.emplace_back(v);
  spec.repeats = repeats;
  return spec;
}

/// Enters the sweep folder `dir` as a worker of `spec` does (no input files recorded).
void enter(const experiments::SweepSpec& spec, const std::string& dir) {
  experiments::enter_sweep_dir(spec, dir, store::FolderKind::kSweep, {});
}

}  // namespace

TEST(Sweep, FolderJoinsItsExperimentAndRefusesAnother) {
  test_util::TempDir dir;
  const auto sweep = (dir / "s").string();
  enter(lr_sweep({0.1, 0.2}, 2), sweep);
  EXPECT_EQ(experiments::load_sweep(sweep).repeats, 2);
  enter(lr_sweep({0.1, 0.2}, 2), sweep);  // a second worker joins
  // More repeats extend the experiment; fewer leave the record as it is.
  enter(lr_sweep({0.1, 0.2}, 5), sweep);
  EXPECT_EQ(experiments::load_sweep(sweep).repeats, 5);
  enter(lr_sweep({0.1, 0.2}, 3), sweep);
  EXPECT_EQ(experiments::load_sweep(sweep).repeats, 5);
  try {
    enter(lr_sweep({0.3}, 1), sweep);
    ADD_FAILURE() << "another experiment was let in";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()),
              sweep + ": holds a sweep of another experiment (" + sweep + "/sweep.json differs at /values/0); use a new folder");
  }
  EXPECT_EQ(experiments::load_sweep(sweep).values.size(), 2u);
}

TEST(Sweep, AFolderRecordingTheDefaultLayerOfAnotherNetworkIsTheSameExperiment) {
  // A compare of an earlier awd recorded fc2 (the MLP's default) for a ResNet
  // whose solutions analysed fc; joining it with fc is the same experiment.
  test_util::TempDir dir;
  const auto sweep = (dir / "s").string();
  auto recorded = lr_sweep({0.1}, 1);
  recorded.base.model.arch = Arch::kResnet18;
  recorded.base.analysis.layer = AnalysisConfig{}.layer;
  enter(recorded, sweep);
  auto now = recorded;
  default_layer_of_arch(now.base);
  ASSERT_EQ(now.base.analysis.layer, "fc");
  EXPECT_NO_THROW(enter(now, sweep));
  now.base.analysis.layer = "layer4";  // a layer named by the user is the experiment's own
  EXPECT_THROW(enter(now, sweep), std::runtime_error);
}

TEST(Sweep, TwoExperimentsRacingForAnEmptyFolderOneWins) {
  // Processes started at one signal: per round one experiment owns the folder,
  // and every process of the other is refused.
  for (int round = 0; round < 5; ++round) {
    test_util::TempDir dir;
    const auto sweep = (dir / "s").string();
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
          enter(lr_sweep({k % 2 ? 0.1 : 0.3}, 1), sweep);
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
      if (WEXITSTATUS(status) == 11) ++admitted[1];
      if (WEXITSTATUS(status) == 13) ++admitted[0];
    }
    const bool first_won = experiments::load_sweep(sweep).values.at(0).number() == 0.3;
    EXPECT_EQ(admitted[0], first_won ? 3 : 0) << "round " << round;
    EXPECT_EQ(admitted[1], first_won ? 0 : 3) << "round " << round;
  }
}
