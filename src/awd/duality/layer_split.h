// The analysed layer: a network cut open at one dense layer (SPEC §1).
#pragma once
#include <torch/types.h>

#include <string>

namespace awd::duality {

/// A classifier seen from one dense layer with weights W [m, n] (and bias b):
///
///   logits(u) = h(z),   z = W x(u) + b,
///
/// where x(u) is the activity entering the layer and h the rest of the
/// network above it. Nothing but z carries the input past the layer, so the
/// loss depends on W only through z: that is all the duality analysis, the
/// layer Hessian, the flatness search and the noise record need to know of a
/// network. A split is resolved once from a layer name and runs in float64,
/// in eval mode (dropout off, normalisation statistics frozen), on a copy that
/// training never touches.
///
/// Implementations: sequential_split.h (awd's own MLP and CNN),
/// torchscript_split.h (a user's scripted model) and given_activities.h (a
/// bare last layer given as arrays, h = identity).
class LayerSplit {
 public:
  virtual ~LayerSplit() = default;
  /// The layer's name (e.g. fc2).
  virtual const std::string& name() const = 0;
  /// W [m, n] (a view of the network's own weights).
  virtual torch::Tensor weight() const = 0;
  /// b [m], or an undefined tensor for a layer without bias.
  virtual torch::Tensor bias() const = 0;
  /// x(u): the activity entering the layer, flattened to [N, n].
  virtual torch::Tensor activity(const torch::Tensor& inputs) = 0;
  /// h(z): the logits [N, C] from the pre-activation z [N, m].
  virtual torch::Tensor head(const torch::Tensor& z) = 0;

  /// z = W x + b (SPEC §1).
  torch::Tensor preactivation(const torch::Tensor& x) const { return torch::linear(x, weight(), bias()); }
  /// h(W x + b): the logits from the activity.
  torch::Tensor logits_from_activity(const torch::Tensor& x) { return head(preactivation(x)); }
};

}  // namespace awd::duality
