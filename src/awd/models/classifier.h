// The networks awd trains: feed-forward classifiers built as a named sequence
// of stages (the MLP and the paper's CIFAR-10 CNN, SPEC §7; ResNet-18 and
// DenseNet-121, SPEC §9, whose skip connections stay inside their stages).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "awd/config.h"

namespace awd::models {

/// A dense layer found once by name (Classifier::find_dense): its position
/// among the stages is the same in every network of one configuration (the
/// untrained one checked before training, the trained one, their copies).
struct DenseStage {
  std::string name;
  size_t stage = 0;
};

/// A classifier whose stages run one after the other: nothing skips over a
/// stage, so the loss depends on the input through any dense stage X only
/// via X's pre-activation. That is what lets the analysis cut it open at X
/// (duality/sequential_split.h); training sees it as a plain module.
class Classifier : public torch::nn::Module {
 public:
  explicit Classifier(torch::nn::Sequential stages);

  /// Logits for inputs [N, C, H, W] (or already flattened).
  torch::Tensor forward(const torch::Tensor& inputs);
  /// Names of the dense layers, input to output (e.g. fc1, fc2, fc3).
  std::vector<std::string> dense_layer_names() const;
  /// The dense layer called `name`; std::invalid_argument listing the dense
  /// layers if there is none or the stage is not dense.
  DenseStage find_dense(const std::string& name) const;
  /// The module of a layer this network's configuration found.
  torch::nn::Linear dense_layer(const DenseStage& layer) const;
  /// dense_layer(find_dense(name)), for code that starts from a name.
  torch::nn::Linear dense_layer(const std::string& name) const { return dense_layer(find_dense(name)); }

  /// A deep copy (for analysing in float64 without touching the original).
  std::shared_ptr<Classifier> copy() const;

  const torch::nn::Sequential& stages() const { return stages_; }

 private:
  torch::nn::Sequential stages_;
  std::vector<std::string> names_;
};

/// About how many parameters the network of `cfg` has, computed from the
/// configuration alone (nothing allocated): exact for the MLP and the CNN,
/// scaled from the paper's widths for ResNet-18 (w^2) and DenseNet-121 (k^2).
/// For the memory estimate made before a network is built.
double parameter_estimate(const ModelConfig& cfg, const std::vector<int64_t>& input_shape, int64_t num_classes);

/// Builds the network of `cfg` for inputs of shape [C, H, W] and initialises
/// it (models::initialize), seeded by `seed`. Throws std::invalid_argument
/// for arch cnn with inputs other than [3, 32, 32], and for resnet18 and
/// densenet121 with inputs other than [3, H, W].
std::shared_ptr<Classifier> make_classifier(const ModelConfig& cfg, std::vector<int64_t> input_shape,
                                            int64_t num_classes, uint64_t seed);

}  // namespace awd::models
