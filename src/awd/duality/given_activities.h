// The last dense layer of a network awd never runs: its activities, W and b
// given as arrays (the features route, SPEC §11).
#pragma once
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>

#include "awd/duality/layer_split.h"

namespace awd::duality {

/// The rest of a network above the layer, h(z): logits [K, C] from
/// pre-activations [K, m], float64, differentiable (the Hessian takes its
/// Jacobian). An empty Head is the identity: the layer's output is the logits.
using Head = std::function<torch::Tensor(const torch::Tensor&)>;

/// A split over sample indices: the "inputs" are ids [N, 1] (float64, as the
/// analysis casts inputs), row i of `activities` is x(sample i), and
///
///   logits(i) = h(W activities[i] + b),
///
/// h the identity unless `head` is given (a caller that can run the rest of
/// the network, such as the Python package, passes it).
/// awd cannot recompute activities it was not given, so the partner search
/// (which compares inputs) happens outside: analyze() with given partners.
/// `activities` [S, n] and `weight` [m, n] are cast to float64; `bias` [m]
/// may be undefined.
std::unique_ptr<LayerSplit> given_activities(const std::string& name, const torch::Tensor& activities,
                                             const torch::Tensor& weight, const torch::Tensor& bias,
                                             Head head = {});

/// The ids [count, 1] of samples first .. first + count - 1: the inputs of such a split.
torch::Tensor sample_ids(int64_t first, int64_t count);

}  // namespace awd::duality
