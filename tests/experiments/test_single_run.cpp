// experiments/single_run with store/run_dir and store/analysis_files: one
// solution trained, analysed and written; read back by load_run, analysed
// again to the same numbers; the saved files hold the SPEC's identities.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "awd/data/dataset.h"
#include "awd/experiments/single_run.h"
#include "awd/io/csv.h"
#include "awd/store/run_dir.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace awd;

namespace {

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

/// The columns `wanted` of a CSV file, each as one vector (read_csv_columns gives rows).
std::vector<std::vector<double>> csv_columns(const fs::path& path, const std::vector<std::string>& wanted) {
  std::vector<std::vector<double>> columns(wanted.size());
  for (const auto& row : io::read_csv_columns(path.string(), wanted))
    for (size_t c = 0; c < row.size(); ++c) columns[c].push_back(row[c]);
  return columns;
}

/// A solution of the paper's MLP on 20 images a class, trained and analysed
/// once for the file: what `awd run` does.
class SingleRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test_util::TempDir;
    cfg_ = new RunConfig(test_util::small_mnist_config(20, 100));
    cfg_->train.max_epoch = 30;
    experiments::OutputOptions out;
    out.dir = (*dir_ / "run").string();
    out.progress = false;
    result_ = new experiments::AnalysisOutput(experiments::run_solution(*cfg_, out));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete cfg_;
    delete dir_;
  }
  static fs::path run() { return *dir_ / "run"; }
  static fs::path analysis() { return run() / "analysis"; }

  static test_util::TempDir* dir_;
  static RunConfig* cfg_;
  static experiments::AnalysisOutput* result_;
};
test_util::TempDir* SingleRun::dir_ = nullptr;
RunConfig* SingleRun::cfg_ = nullptr;
experiments::AnalysisOutput* SingleRun::result_ = nullptr;

}  // namespace

TEST_F(SingleRun, LoadRunGivesBackTheNetworkWhoseAnalysisWasSaved) {
  const auto folder = data::load_folder(cfg_->data.path);
  const auto saved = store::load_run(store::read_run_record(run().string()), folder);
  EXPECT_EQ(saved.record.run_id, read_json(analysis() / "summary.json").at("run_id").get<std::string>());
  EXPECT_EQ(saved.record.config.train.seed, cfg_->train.seed);
  EXPECT_EQ(saved.training.epochs, read_json(analysis() / "summary.json").at("training").at("epochs").get<int64_t>());
  // The network read back, analysed afresh, gives the saved numbers.
  const auto samples = data::materialize(folder, saved.record.subset);
  const auto again = test_util::analyze(*saved.model, samples, saved.record.config.analysis);
  const auto summary = read_json(analysis() / "summary.json");
  EXPECT_DOUBLE_EQ(again.gap, summary.at("gap").get<double>());
  EXPECT_DOUBLE_EQ(again.pair_gap, summary.at("pair_gap").get<double>());
  EXPECT_DOUBLE_EQ(again.decomposition.dL_sharp, summary.at("dL_sharp").get<double>());
  EXPECT_DOUBLE_EQ(again.decomposition.dL_flat, summary.at("dL_flat").get<double>());
  EXPECT_DOUBLE_EQ(again.weight_norm, summary.at("weight_norm").get<double>());
  EXPECT_DOUBLE_EQ(again.pair_gap, result_->result.pair_gap);
}

// Eq. 7: dL_p is the mean of the kept pairs' l_k; Eq. 10: it is the sum over
// all N directions of mu_g mu_w + dL_i; Eq. 11: dL_i = c sigma_g sigma_w,
// split at n_s into dL_s and dL_f. Checked on the files alone, as a reader of
// them would.
TEST_F(SingleRun, SavedFilesHoldEquations7_10And11) {
  const auto summary = read_json(analysis() / "summary.json");
  const double pair_gap = summary.at("pair_gap").get<double>();
  const double tol = 1e-9 * std::max(1.0, std::abs(pair_gap));
  const auto pairs = csv_columns(analysis() / "pairs.csv", {"l_k", "kept", "share", "sharp", "flat"});
  double kept_sum = 0, kept = 0;
  for (size_t k = 0; k < pairs[0].size(); ++k)
    if (pairs[1][k] != 0) kept_sum += pairs[0][k], kept += 1;
  ASSERT_GT(kept, 0);
  EXPECT_NEAR(kept_sum / kept, pair_gap, tol);
  EXPECT_NEAR(sum(pairs[2]), pair_gap, tol);  // the shares l_k / K

  const auto dirs = csv_columns(analysis() / "directions.csv", {"dL_i", "mu_g", "mu_w", "c", "sigma_g", "sigma_w"});
  const auto N = dirs[0].size();
  ASSERT_EQ(static_cast<int64_t>(N), summary.at("N").get<int64_t>());
  std::vector<double> mean_terms(N), full(N);
  for (size_t i = 0; i < N; ++i) {
    EXPECT_NEAR(dirs[0][i], dirs[3][i] * dirs[4][i] * dirs[5][i], 1e-12) << "Eq. 11, rank " << i + 1;
    mean_terms[i] = dirs[1][i] * dirs[2][i];
    full[i] = mean_terms[i] + dirs[0][i];
  }
  EXPECT_NEAR(sum(full), pair_gap, 1e-8 * std::max(1.0, std::abs(pair_gap)));  // Eq. 10
  EXPECT_NEAR(sum(dirs[0]), summary.at("sum_dL").get<double>(), 1e-9);

  const double sharp = summary.at("dL_sharp").get<double>(), flat = summary.at("dL_flat").get<double>();
  const auto n_s = summary.at("n_sharp").get<size_t>();
  ASSERT_GT(n_s, 0u);
  ASSERT_LT(n_s, N);
  EXPECT_NEAR(std::accumulate(dirs[0].begin(), dirs[0].begin() + n_s, 0.0), sharp, 1e-9);
  EXPECT_NEAR(sharp + flat, sum(dirs[0]), 1e-9);
  // Per pair, l_k splits at n_s too: the mean of the sharp parts is the sharp
  // directions' full Eq. 10 terms, mean terms included.
  EXPECT_NEAR(sum(pairs[3]) / kept, std::accumulate(full.begin(), full.begin() + n_s, 0.0), 1e-8);
  EXPECT_NEAR(sum(pairs[4]) / kept, std::accumulate(full.begin() + n_s, full.end(), 0.0), 1e-8);
  // sigma_g in rank order, the order Eq. 11's split relies on.
  for (size_t i = 1; i < N; ++i) ASSERT_GE(dirs[4][i - 1], dirs[4][i]) << "rank " << i + 1;
}

TEST_F(SingleRun, ASecondRunIsFinishedAndChangesNoFile) {
  const auto before = test_util::read_bytes((analysis() / "summary.json").string());
  const auto config_before = test_util::read_bytes((run() / "config.json").string());
  experiments::OutputOptions out;
  out.dir = run().string();
  out.progress = false;
  const auto second = experiments::run_solution(*cfg_, out);
  EXPECT_NE(second.table.find("already finished"), std::string::npos) << second.table;
  EXPECT_EQ(test_util::read_bytes((analysis() / "summary.json").string()), before);
  EXPECT_EQ(test_util::read_bytes((run() / "config.json").string()), config_before);
}

TEST_F(SingleRun, ReadRunRecordRefusesAFolderWithoutARunNamingIt) {
  test_util::TempDir empty;
  try {
    store::read_run_record(empty.str());
    ADD_FAILURE() << "no error for an empty folder";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(empty.str()), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}
