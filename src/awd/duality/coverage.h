// The pair gap as a function of how many test samples it averages (paper Fig. S1).
#pragma once
#include <torch/types.h>

namespace awd::duality {

/// One row per fraction f = 1/points, 2/points, ..., 1; every tensor [points].
struct Coverage {
  torch::Tensor fraction;  ///< f, float64
  torch::Tensor pairs;     ///< int64 ceil(f K): the number of pairs averaged
  torch::Tensor pair_gap;  ///< dL_p(f) = mean of l_k over the first ceil(f K) pairs
  torch::Tensor gap;       ///< dL(f) = mean test loss over the same pairs' test samples - L(S_train)
};

/// dL_p(f) and dL(f) over the first ceil(f K) of the K kept pairs, in their
/// (seeded, shuffled) test order, so that "first" is a random subset.
/// pair_gaps [K] are l_k, test_losses [K] the pairs' test-sample losses; at
/// f = 1, pair_gap is dL_p and gap is L over the kept pairs' test samples
/// minus L(S_train) (the true gap when no pair is skipped or left out).
Coverage pair_gap_coverage(const torch::Tensor& pair_gaps, const torch::Tensor& test_losses, double loss_train,
                           int64_t points = 20);

}  // namespace awd::duality
