// The features route's split (duality/given_activities.h): the last layer of a
// trained MLP given as arrays, analysed with given partners, against awd's own
// analysis of the same layer.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <utility>

#include "awd/duality/analysis.h"
#include "awd/duality/given_activities.h"
#include "awd/duality/partners.h"
#include "awd/duality/sequential_split.h"
#include "test_util.h"

using namespace awd;

namespace {

/// The samples as the features route sees them: ids into [train; test].
data::Samples as_ids(const data::Samples& s) {
  data::Samples ids = s;
  ids.train_inputs = duality::sample_ids(0, s.train_inputs.size(0));
  ids.test_inputs = duality::sample_ids(s.train_inputs.size(0), s.test_inputs.size(0));
  return ids;
}

}  // namespace

TEST(GivenActivities, LastLayerFromArraysEqualsTheModelsOwnAnalysis) {
  const auto sol = test_util::small_solution();
  AnalysisConfig cfg;
  cfg.layer = "fc3";  // the head above the last layer is the identity
  const auto own = test_util::analyze(*sol.model, sol.samples, cfg);

  const auto split = duality::sequential_split(*sol.model, "fc3");
  torch::NoGradGuard no_grad;
  const auto table = torch::cat({split->activity(sol.samples.train_inputs.to(torch::kDouble)),
                                 split->activity(sol.samples.test_inputs.to(torch::kDouble))});
  const auto given = duality::given_activities("W", table, split->weight(), split->bias());
  const auto partners = duality::partner_set(sol.samples.test_inputs, sol.samples.test_labels,
                                             sol.samples.train_inputs, sol.samples.train_labels);
  const auto r = duality::analyze(*given, as_ids(sol.samples), cfg, partners);

  EXPECT_TRUE(r.pairs.partner_index.equal(own.pairs.partner_index));
  for (auto [a, b] : {std::pair{r.pair_gap, own.pair_gap}, {r.loss_train, own.loss_train},
                      {r.loss_test, own.loss_test}, {r.decomposition.eq10_sum, own.decomposition.eq10_sum},
                      {r.decomposition.sum_dL, own.decomposition.sum_dL}})
    EXPECT_NEAR(a, b, 1e-12 * std::abs(b));
  EXPECT_LT(r.eq10_residual, 1e-13);
  EXPECT_LT(r.duality_max_residual, 1e-12);
  EXPECT_TRUE(torch::allclose(r.decomposition.directions.sigma_g, own.decomposition.directions.sigma_g, 1e-9, 1e-15));
}

TEST(GivenActivities, RefusesArraysThatDoNotFit) {
  const auto W = torch::zeros({3, 4}, torch::kDouble);
  EXPECT_THROW(duality::given_activities("W", torch::zeros({5, 3}), W, {}), std::invalid_argument);
  EXPECT_THROW(duality::given_activities("W", torch::zeros({5, 4}), W, torch::zeros({2})), std::invalid_argument);
  const auto split = duality::given_activities("W", torch::eye(4, torch::kDouble), W, torch::ones({3}));
  // A lookup by id, then z = W x + b with the identity head.
  EXPECT_TRUE(split->activity(duality::sample_ids(2, 1)).equal(torch::eye(4, torch::kDouble).slice(0, 2, 3)));
  EXPECT_TRUE(split->logits_from_activity(split->activity(duality::sample_ids(0, 2))).equal(torch::ones({2, 3}, torch::kDouble)));
  // Given partners must cover the analysed test samples.
  data::Samples s;
  s.train_inputs = duality::sample_ids(0, 2);
  s.train_labels = torch::tensor({0, 1}, torch::kInt64);
  s.clean_mask = torch::ones({2}, torch::kBool);
  s.test_inputs = duality::sample_ids(2, 2);
  s.test_labels = torch::tensor({0, 1}, torch::kInt64);
  EXPECT_THROW(duality::analyze(*split, s, AnalysisConfig{}, torch::tensor({0}, torch::kInt64)), std::invalid_argument);
}
