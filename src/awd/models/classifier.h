// Classifiers whose dense layers the duality analysis can open up.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <memory>
#include <string>
#include <vector>

#include "awd/config.h"

namespace awd::models {

/// A feed-forward classifier built as a named sequence of stages. For any
/// dense stage X it exposes the two halves the analysis needs (SPEC §1):
/// the activity x entering X, and the logits as a function of X's
/// pre-activation z = W x (+ b). Nothing skips over X, so the loss depends
/// on the input only through z. The MLP and the CIFAR-10 CNN are both such
/// sequences; later models (ResNet, TorchScript) implement the same three calls.
class Classifier : public torch::nn::Module {
 public:
  explicit Classifier(torch::nn::Sequential stages);

  /// Logits for inputs [N, C, H, W] (or already flattened).
  torch::Tensor forward(const torch::Tensor& inputs);
  /// Names of the dense layers, input to output (e.g. fc1, fc2, fc3).
  std::vector<std::string> dense_layer_names() const;
  /// The dense layer called `name`; std::invalid_argument if there is none
  /// or the stage is not dense.
  torch::nn::Linear dense_layer(const std::string& name) const;
  /// x: the activity entering dense layer `name` (SPEC §1), [N, n].
  torch::Tensor activity(const torch::Tensor& inputs, const std::string& name);
  /// Logits as a function of the pre-activation z [N, m] of layer `name`.
  torch::Tensor logits_from_preactivation(const torch::Tensor& z, const std::string& name);

  /// A deep copy (for analysing in float64 without touching the original).
  std::shared_ptr<Classifier> copy() const;

  const torch::nn::Sequential& stages() const { return stages_; }

 private:
  size_t stage_index(const std::string& name) const;
  torch::nn::Sequential stages_;
  std::vector<std::string> names_;
};

/// Builds the network of `cfg` for inputs of shape [C, H, W] and initialises it
/// (SPEC §7: Xavier uniform times s, or PyTorch's default Linear init times s;
/// for a conv layer fan_in = in_channels k^2, fan_out = out_channels k^2),
/// seeded by `seed`. Throws std::invalid_argument for an unknown arch, or for
/// arch "cnn" with inputs other than [3, 32, 32].
std::shared_ptr<Classifier> make_classifier(const ModelConfig& cfg, std::vector<int64_t> input_shape,
                                            int64_t num_classes, uint64_t seed);

/// The weights (not biases) of every layer, for the weight-decay penalty and ||w||.
std::vector<torch::Tensor> weight_tensors(Classifier& model);

}  // namespace awd::models
