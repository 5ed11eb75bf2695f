#include "awd/duality/coverage.h"

#include <stdexcept>

namespace awd::duality {

Coverage pair_gap_coverage(const torch::Tensor& pair_gaps, const torch::Tensor& test_losses, double loss_train,
                           int64_t points) {
  const int64_t K = pair_gaps.numel();
  if (K == 0 || test_losses.numel() != K || points < 1)
    throw std::invalid_argument("pair_gap_coverage: needs K >= 1 pairs with a test loss each and points >= 1");
  Coverage c;
  // ceil(i K / points) in integers: f = 0.05 i in floating point would make
  // ceil(0.15 * 100) 16 instead of 15.
  const auto i = torch::arange(1, points + 1, torch::kInt64);
  c.pairs = (i * K + points - 1).div(points, "floor");
  c.fraction = i.to(torch::kDouble) / double(points);
  const auto last = c.pairs - 1;
  const auto count = c.pairs.to(torch::kDouble);
  c.pair_gap = pair_gaps.to(torch::kDouble).cumsum(0).index_select(0, last) / count;
  c.gap = test_losses.to(torch::kDouble).cumsum(0).index_select(0, last) / count - loss_train;
  return c;
}

}  // namespace awd::duality
