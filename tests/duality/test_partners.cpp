// The partner set of SPEC §2: each test sample's nearest training sample of
// its class, ties to the lowest index.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>

#include "awd/duality/partners.h"
#include "test_util.h"

using namespace awd;

TEST(Partners, NearestSameClassWithTiesToLowestIndex) {
  // Training: (3,0) c1, (0.1,0) c0, (0,1) c1, (1,0) c1. Test (0,0) of class 1 is at
  // distance 1 from indices 2 and 3 (a tie: the lowest wins); the closer class-0 sample
  // does not count. Test (2.9,0) of class 1 is nearest to index 0.
  const auto train = torch::tensor({3.0, 0.0, 0.1, 0.0, 0.0, 1.0, 1.0, 0.0}).reshape({4, 2}).to(torch::kFloat);
  const auto train_y = torch::tensor({1, 0, 1, 1}, torch::kInt64);
  const auto test = torch::tensor({0.0, 0.0, 2.9, 0.0}).reshape({2, 2}).to(torch::kFloat);
  const auto test_y = torch::tensor({1, 1}, torch::kInt64);
  const auto p = duality::partner_set(test, test_y, train, train_y);
  EXPECT_EQ(p[0].item<int64_t>(), 2);  // (0,1) and (1,0) tie at distance 1: lowest index
  EXPECT_EQ(p[1].item<int64_t>(), 0);
  EXPECT_THROW(duality::partner_set(test, torch::tensor({5, 1}, torch::kInt64), train, train_y), std::invalid_argument);
}

TEST(Partners, MatchesBruteForceOnMnist) {
  const auto s = test_util::small_solution({30, 30}, 20, 1).samples;
  const auto p = duality::partner_set(s.test_inputs, s.test_labels, s.train_inputs, s.train_labels);
  const auto tr = s.train_inputs.flatten(1).to(torch::kDouble), te = s.test_inputs.flatten(1).to(torch::kDouble);
  for (int64_t k = 0; k < te.size(0); ++k) {
    const auto d = (tr - te[k]).pow(2).sum(1).sqrt();
    const auto masked = torch::where(s.train_labels.eq(s.test_labels[k]), d, torch::full_like(d, 1e300));
    EXPECT_EQ(p[k].item<int64_t>(), masked.argmin().item<int64_t>()) << "test sample " << k;
  }
}
