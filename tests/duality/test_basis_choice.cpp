// The choice between the dense eigh and the top k (duality/basis_choice.h):
// the pure function on hand-chosen sizes, and a forced path on each side.
#include <gtest/gtest.h>

#include <stdexcept>

#include "awd/config.h"
#include "awd/duality/analysis.h"
#include "awd/duality/basis_choice.h"
#include "awd/util/progress.h"
#include "test_util.h"
#include "topk_util.h"

using namespace awd;
using duality::BasisSizes;
using duality::choose_basis;

TEST(BasisChoice, DenseWhereItIsFastTopKWhereItWouldTakeMinutes) {
  // The paper's MNIST layer: 900 weights, a dense eigh in a fraction of a second.
  const auto mnist = choose_basis(BasisSizes{900, 4000, 1000}, duality::kBasisAuto, 0);
  EXPECT_EQ(mnist.basis_rank, 0);
  EXPECT_FALSE(mnist.forced);
  EXPECT_LT(mnist.prediction.dense_seconds, 1.0);
  // fc1 of the same MLP: eigh of 23,520 ~ N^3 takes about half an hour.
  const auto fc1 = choose_basis(BasisSizes{23520, 4000, 1000}, duality::kBasisAuto, 0);
  EXPECT_EQ(fc1.basis_rank, duality::kDefaultBasisRank);
  EXPECT_GT(fc1.prediction.dense_seconds, 1000.0);
  EXPECT_LT(fc1.prediction.top_k_seconds, fc1.prediction.dense_seconds);
  // mobilenet_v2's last layer (12,800 weights, 2000 samples): minutes dense.
  EXPECT_GT(choose_basis(BasisSizes{12800, 2000, 1000}, duality::kBasisAuto, 0).basis_rank, 0);
  // The prediction grows as N^3 for the eigh: 8x the weights, >= 512x its time.
  EXPECT_GE(duality::predicted_eigh_seconds(8000) / duality::predicted_eigh_seconds(1000), 511.9);
}

TEST(BasisChoice, MemoryDecidesToo) {
  // 900 weights, but a machine with 1 MB: the dense matrices (4 N^2 numbers) do not fit.
  const auto c = choose_basis(BasisSizes{900, 4000, 1000}, duality::kBasisAuto, 1e6);
  EXPECT_GT(c.basis_rank, 0);
  EXPECT_LT(c.basis_rank, 900);
  EXPECT_NE(c.reason.find("memory"), std::string::npos);
}

TEST(BasisChoice, TheUserForcesEitherPath) {
  const BasisSizes fc1{23520, 4000, 1000};
  const auto dense = choose_basis(fc1, duality::kBasisDense, 0);
  EXPECT_EQ(dense.basis_rank, 0);
  EXPECT_TRUE(dense.forced);
  const auto top = choose_basis(BasisSizes{900, 4000, 1000}, 20, 0);
  EXPECT_EQ(top.basis_rank, 20);
  EXPECT_TRUE(top.forced);
  EXPECT_THROW(choose_basis(BasisSizes{900, 4000, 1000}, 900, 0), std::invalid_argument);
  EXPECT_THROW(choose_basis(BasisSizes{900, 4000, 1000}, -2, 0), std::invalid_argument);
  // The line printed names the path and both predictions.
  const auto line = duality::describe(dense, fc1.weights);
  EXPECT_NE(line.find("dense"), std::string::npos);
  EXPECT_NE(line.find("top 100"), std::string::npos);
}

TEST(BasisChoice, AForcedDenseAnalysisIsTheAutomaticOneWhereBothAreDense) {
  const auto& c = topk_util::fc2_case();
  AnalysisConfig cfg;
  cfg.layer = "fc2";
  std::string printed;
  cfg.progress = [&](const std::string& text) { printed += text; };
  const auto automatic = test_util::analyze(*c.solution.model, c.solution.samples, cfg);
  EXPECT_EQ(printed, "");  // a fast dense analysis prints nothing
  cfg.basis_rank = duality::kBasisDense;
  const auto forced = test_util::analyze(*c.solution.model, c.solution.samples, cfg);
  EXPECT_FALSE(forced.top_k.has_value());
  EXPECT_TRUE(forced.basis.forced);
  EXPECT_EQ(forced.decomposition.eq10_sum, automatic.decomposition.eq10_sum);
  EXPECT_LT(forced.eq10_residual, 1e-12);
}

TEST(StageProgress, SilentForFastStagesThenOneUpdatingLine) {
  std::string out;
  {
    util::StageProgress fast([&](const std::string& t) { out += t; }, "fast");
    fast.update(1, 2, "blocks");
  }
  EXPECT_EQ(out, "");  // finished within its quiet time: nothing
  {
    util::StageProgress slow([&](const std::string& t) { out += t; }, "slow", /*quiet_seconds=*/0, /*interval=*/0);
    slow.update(1, 4, "blocks");
    slow.update(2, 4, "blocks");
  }
  EXPECT_EQ(out.rfind("\rslow: 1/4 blocks", 0), 0u);
  EXPECT_NE(out.find("\rslow: 2/4 blocks"), std::string::npos);
  EXPECT_NE(out.find("ETA"), std::string::npos);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(util::format_duration(200), "3 min 20 s");
}
