// Sweeps: experiment files, parameters and their ranges, aggregation of a
// hand-made sweep against means computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "awd/experiments/report.h"
#include "awd/experiments/sweep.h"
#include "awd/io/files.h"
#include "test_util.h"

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

TEST(Sweep, ParametersBySymbolAndRange) {
  EXPECT_EQ(experiments::canonical_parameter("alpha"), "lr");
  EXPECT_EQ(experiments::canonical_parameter("B"), "batch_size");
  EXPECT_EQ(experiments::canonical_parameter("rho"), "label_noise");
  EXPECT_THROW(experiments::canonical_parameter("momentum"), std::invalid_argument);
  RunConfig c;
  experiments::set_parameter(c, "B", 400);
  EXPECT_EQ(c.train.batch_size, 400);
  experiments::set_parameter(c, "gamma", 0.5);
  EXPECT_EQ(c.analysis.delta_scale, 0.5);
  EXPECT_THROW(experiments::set_parameter(c, "B", -25), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "B", 25.5), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "d", 1.0), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "rho", 1.0), std::invalid_argument);
  EXPECT_EQ(experiments::format_value(25), "25");
  EXPECT_EQ(experiments::format_value(0.005), "0.005");
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

namespace {
/// A finished solution with the given scalars and per-rank sigma_g (other columns derived).
void fake_solution(const std::string& dir, double test_error, double gap, std::vector<double> sigma_g) {
  fs::create_directories(dir + "/analysis");
  json s = {{"test_error", test_error}, {"gap", gap}, {"pair_gap", gap + 0.01}, {"sum_dL", gap - 0.01},
            {"dL_sharp", gap / 4}, {"dL_flat", 3 * gap / 4}, {"weight_norm", 10 * gap}, {"n_sharp", 1}};
  io::write_atomic(dir + "/analysis/summary.json", s.dump());
  std::string csv = "rank,basis_index,lambda,sigma_g,sigma_w,mu_g,mu_w,c,dL_i,S_w,S_L\n";
  for (size_t i = 0; i < sigma_g.size(); ++i)
    csv += std::to_string(i + 1) + ",0,1," + std::to_string(sigma_g[i]) + ",2,0,0,0.5,1,3,4\n";
  io::write_atomic(dir + "/analysis/directions.csv", csv);
}
}  // namespace

TEST(Report, MeansAndStandardDeviationsByHand) {
  test_util::TempDir dir;
  experiments::SweepSpec spec;
  spec.name = "fake";
  spec.parameter = "batch_size";
  spec.values = {25, 400};
  spec.repeats = 3;
  io::write_atomic((dir / "sweep.json").string(), experiments::to_json(spec).dump());
  // B = 25: three repeats. B = 400: two finished, one diverged.
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 0), 0.02, 0.1, {4, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 1), 0.04, 0.2, {6, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 0, 2), 0.06, 0.6, {8, 2, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 1, 0), 0.10, 1.0, {1, 1, 1});
  fake_solution(experiments::solution_dir(dir.str(), spec, 1, 1), 0.20, 2.0, {3, 1, 1});
  const auto diverged = experiments::solution_dir(dir.str(), spec, 1, 2);
  fs::create_directories(diverged);
  io::write_atomic(diverged + "/training.json", R"({"stop_reason": "diverged"})");

  const auto stats = experiments::aggregate_sweep(dir.str());
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].finished, 3);
  EXPECT_EQ(stats[1].finished, 2);
  EXPECT_EQ(stats[1].diverged, 1);
  // test_error 0.02, 0.04, 0.06: mean 0.04, sample std 0.02. gap 0.1, 0.2, 0.6: mean 0.3,
  // deviations -0.2, -0.1, 0.3: sum of squares 0.14, /2 = 0.07.
  EXPECT_NEAR(stats[0].mean[0], 0.04, 1e-15);
  EXPECT_NEAR(stats[0].std[0], 0.02, 1e-15);
  EXPECT_NEAR(stats[0].mean[1], 0.3, 1e-15);
  EXPECT_NEAR(stats[0].std[1], std::sqrt(0.07), 1e-15);
  // B = 400: gap 1 and 2: mean 1.5, sample std sqrt(0.5).
  EXPECT_NEAR(stats[1].mean[1], 1.5, 1e-15);
  EXPECT_NEAR(stats[1].std[1], std::sqrt(0.5), 1e-15);
  // sigma_g at rank 1: (4 + 6 + 8) / 3 = 6 and (1 + 3) / 2 = 2.
  ASSERT_EQ(stats[0].rank_means.size(), 3u);
  EXPECT_NEAR(stats[0].rank_means[0][1], 6.0, 1e-12);
  EXPECT_NEAR(stats[1].rank_means[0][1], 2.0, 1e-12);

  const auto table = experiments::write_report(dir.str());
  EXPECT_NE(table.find("0.0400 (0.0200)"), std::string::npos) << table;
  const auto summary = test_util::read_bytes((dir / "report" / "summary.csv").string());
  EXPECT_NE(summary.find("\n25,3,3,0,0.1,25,0.04,0.02,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\n400,3,2,1,0.1,400,"), std::string::npos) << summary;
  const auto solutions = test_util::read_bytes((dir / "report" / "solutions.csv").string());
  EXPECT_EQ(std::count(solutions.begin(), solutions.end(), '\n'), 6);
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

TEST(Sweep, LearnerParametersAndBadCategoriesInOneLine) {
  RunConfig c;
  experiments::set_parameter(c, "learners", 8);
  EXPECT_EQ(c.learners.count, 8);
  experiments::set_parameter(c, "n", 2);
  EXPECT_EQ(c.learners.count, 2);
  EXPECT_THROW(experiments::set_parameter(c, "n", 2.5), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "n", 0), std::invalid_argument);
  EXPECT_EQ(c.learners.count, 2);  // a refused value leaves the configuration as it was
  experiments::set_parameter(c, "mixing", experiments::SweepValue("all"));
  EXPECT_EQ(c.learners.mixing, Mixing::kAll);
  experiments::set_parameter(c, "algo", experiments::SweepValue("dpsgd"));
  EXPECT_EQ(c.learners.algo, Algo::kDpsgd);
  const auto message = [&](const std::string& p, const experiments::SweepValue& v) -> std::string {
    try {
      experiments::set_parameter(c, p, v);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message("algo", "adam"), "algo takes one of ssgd, dpsgd, not 'adam'");
  EXPECT_EQ(message("mixing", "star"), "mixing takes one of ring, all, not 'star'");
  EXPECT_EQ(message("algo", 1), "algo takes one of ssgd, dpsgd, not the number 1");
  EXPECT_EQ(message("lr", "fast"), "lr (alpha) takes numbers, not 'fast'");
  EXPECT_EQ(c.learners.algo, Algo::kDpsgd);  // unchanged by the refused values

  EXPECT_TRUE(experiments::parse_value("lr", "0.05").is_number());
  EXPECT_EQ(experiments::parse_value("lr", "0.05").number(), 0.05);
  EXPECT_EQ(experiments::parse_value("algo", "dpsgd").str(), "dpsgd");
  EXPECT_THROW(experiments::parse_value("lr", "0.05x"), std::invalid_argument);
  EXPECT_THROW(experiments::parse_value("B", ""), std::invalid_argument);
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
