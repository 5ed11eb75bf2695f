// Flatness of the sharpest directions (paper Fig. S6; Feng & Tu 2021).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "awd/duality/layer_split.h"

namespace awd::duality {

/// A loss as a function of the distance t >= 0 travelled along one line in
/// weight space from the solution (t = 0).
using LineLoss = std::function<double(double)>;

/// How loss_multiple_distance searches.
struct LineSearchOptions {
  double factor = 2.0;         ///< the loss level sought, as a multiple of L(0)
  double initial_step = 1e-3;  ///< first trial distance; doubled until the level is passed
  double max_distance = 1e4;   ///< give up (+inf) if the level is not reached by here
  double rel_tolerance = 1e-6; ///< bisection stops when the bracket is this narrow relative to t
};

/// The distance t at which `loss` first reaches factor * loss(0): the
/// bracket [t/2, t] is found by doubling t from `initial_step` (starting from
/// [0, initial_step] when that step already passes the level), then bisected
/// to `rel_tolerance`. "First" up to the sampling: a loss that rises above the
/// level and falls back between two trial points is not seen.
/// +inf when loss(max_distance) is still below the level; NaN when the loss
/// evaluates to NaN; 0 when loss(0) = 0 (every t reaches 0).
double loss_multiple_distance(const LineLoss& loss, const LineSearchOptions& opt = {});

/// Flatness of the top-K directions, each tensor [K] (rank 1 = index 0).
struct Flatness {
  torch::Tensor basis_index;       ///< int64 column of the basis
  torch::Tensor lambda, sigma_g;   ///< float64, copied from the decomposition
  torch::Tensor direction;         ///< v_i [K, m*n], the sign the distances refer to
  torch::Tensor t_plus, t_minus;   ///< distances along +v_i and -v_i to 2 L(S_train); +inf if never
  torch::Tensor F;                 ///< F_i = t_+ + t_-
};

/// F_i for the first `top` ranked directions (paper Fig. S6): the loss is the
/// mean cross-entropy of `inputs`/`labels` (float64) with the layer's weights
/// moved W -> W + t v_i, v_i = column basis_index_i of `basis` reshaped m x n.
/// The loss depends on W only through z = W x (+ b), so
/// z(t) = z + t x V_i^T and the layers above run on z(t); the weights are
/// never touched. The search runs over t up to 1e4 ||W||_F, starting at
/// 1e-3 ||W||_F, to a relative tolerance of 1e-6.
Flatness flatness(LayerSplit& split, const torch::Tensor& inputs,
                  const torch::Tensor& labels, const torch::Tensor& basis, const torch::Tensor& ranked_basis_index,
                  const torch::Tensor& ranked_lambda, const torch::Tensor& ranked_sigma_g, int64_t top);

}  // namespace awd::duality
