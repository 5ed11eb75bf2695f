#include "awd/duality/partners.h"

#include <limits>
#include <stdexcept>

namespace awd::duality {

torch::Tensor partner_set(const torch::Tensor& test_inputs, const torch::Tensor& test_labels,
                          const torch::Tensor& train_inputs, const torch::Tensor& train_labels) {
  const int64_t K = test_inputs.size(0);
  const auto test = test_inputs.reshape({K, -1}).to(torch::kDouble);
  const auto train = train_inputs.reshape({train_inputs.size(0), -1}).to(torch::kDouble);
  const auto test_sq = test.pow(2).sum(1), train_sq = train.pow(2).sum(1);
  auto partner = torch::full({K}, -1, torch::kInt64);
  const auto classes = std::get<0>(torch::_unique(test_labels));
  for (int64_t ci = 0; ci < classes.size(0); ++ci) {
    const int64_t c = classes[ci].item<int64_t>();
    const auto ti = test_labels.eq(c).nonzero().flatten();
    const auto ri = train_labels.eq(c).nonzero().flatten();
    if (ri.numel() == 0)
      throw std::invalid_argument("class " + std::to_string(c) + " has test samples but no training sample");
    // ||a-b||^2 by one matrix product finds the candidates; it loses digits to
    // cancellation, so the candidates are re-measured exactly.
    const auto a = test.index_select(0, ti), b = train.index_select(0, ri);
    const auto approx = test_sq.index_select(0, ti).unsqueeze(1) + train_sq.index_select(0, ri).unsqueeze(0) -
                        2.0 * a.matmul(b.t());
    const auto slack = 1e-9 * (test_sq.index_select(0, ti).unsqueeze(1) + train_sq.index_select(0, ri).max());
    const auto candidates = (approx <= (std::get<0>(approx.min(1, true)) + slack)).nonzero();  // [P, 2]
    const auto rows = candidates.select(1, 0), cols = candidates.select(1, 1);
    const auto d = (a.index_select(0, rows) - b.index_select(0, cols)).pow(2).sum(1).sqrt();
    const auto exact = torch::full_like(approx, std::numeric_limits<double>::infinity()).index_put_({rows, cols}, d);
    // Ties within a relative 1e-12 of the row minimum: the lowest training
    // index wins (ri is ascending and argmax returns the first maximum).
    const auto tied = exact <= std::get<0>(exact.min(1, true)) * (1 + 1e-12);
    const auto col = tied.to(torch::kInt).argmax(1);
    partner.index_put_({ti}, ri.index_select(0, col));
  }
  return partner;
}

}  // namespace awd::duality
