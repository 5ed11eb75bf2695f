#include "awd/duality/flatness.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <torch/nn/functional/loss.h>

namespace awd::duality {

double loss_multiple_distance(const LineLoss& loss, const LineSearchOptions& opt) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const double level = opt.factor * loss(0.0);
  if (std::isnan(level)) return kNaN;
  // Checked as "not below" so that an infinite loss counts as reached.
  auto reached = [&](double t, bool& nan) {
    const double l = loss(t);
    nan = std::isnan(l);
    return !(l < level);
  };
  bool nan = false;
  if (reached(0.0, nan)) return 0.0;  // only when loss(0) <= 0, i.e. loss(0) = 0 for a cross-entropy
  // Bracket: loss(lo) below the level, loss(hi) not.
  double lo = 0.0, hi = opt.initial_step;
  while (!reached(hi, nan)) {
    if (nan) return kNaN;
    if (hi >= opt.max_distance) return std::numeric_limits<double>::infinity();
    lo = hi;
    hi = std::min(2.0 * hi, opt.max_distance);
  }
  if (nan) return kNaN;
  while (hi - lo > opt.rel_tolerance * hi) {
    const double mid = 0.5 * (lo + hi);
    if (reached(mid, nan)) {
      if (nan) return kNaN;
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return 0.5 * (lo + hi);
}

Flatness flatness(LayerSplit& split, const torch::Tensor& inputs,
                  const torch::Tensor& labels, const torch::Tensor& basis, const torch::Tensor& ranked_basis_index,
                  const torch::Tensor& ranked_lambda, const torch::Tensor& ranked_sigma_g, int64_t top) {
  torch::NoGradGuard no_grad;
  const int64_t K = std::min<int64_t>(top, ranked_basis_index.numel());
  Flatness f;
  f.basis_index = ranked_basis_index.slice(0, 0, K).clone();
  f.lambda = ranked_lambda.slice(0, 0, K).clone();
  f.sigma_g = ranked_sigma_g.slice(0, 0, K).clone();
  f.direction = basis.index_select(1, f.basis_index).t().contiguous();
  f.t_plus = torch::empty({K}, torch::kDouble);
  f.t_minus = torch::empty({K}, torch::kDouble);
  const auto W = split.weight();
  const int64_t m = W.size(0), n = W.size(1);
  const auto x = split.activity(inputs);
  const auto z = split.preactivation(x);  // bias included: the move changes W only
  LineSearchOptions opt;
  // v_i has unit norm, so t is measured in the units of ||W||: the search
  // scales with the layer instead of assuming a size.
  const double w_norm = W.norm().item<double>();
  opt.initial_step = 1e-3 * w_norm;
  opt.max_distance = 1e4 * w_norm;
  for (int64_t r = 0; r < K; ++r) {
    const auto V = f.direction[r].reshape({m, n});
    const auto dz = x.matmul(V.t());  // z(t) = (W + t V) x = z + t V x
    auto along = [&](double sign) -> LineLoss {
      return [&, sign](double t) {
        const auto logits = split.head(z + (sign * t) * dz);
        return torch::nn::functional::cross_entropy(logits, labels).item<double>();
      };
    };
    f.t_plus[r] = loss_multiple_distance(along(+1.0), opt);
    f.t_minus[r] = loss_multiple_distance(along(-1.0), opt);
  }
  f.F = f.t_plus + f.t_minus;
  return f;
}

}  // namespace awd::duality
