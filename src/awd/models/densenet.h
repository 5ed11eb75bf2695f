// DenseNet-121 for CIFAR-10 (paper Sec. 2.5, SPEC §9): torchvision's
// densenet121 with its module names (features.conv0, features.denseblock1.
// denselayer1.norm1, features.transition1.conv, features.norm5, classifier)
// and the CIFAR stem, so weights move between awd and PyTorch by name.
#pragma once
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace awd::models {

/// torchvision's _DenseLayer (drop rate 0): from the concatenation of all
/// earlier feature maps of its block, conv2(relu(norm2(conv1(relu(norm1(x))))))
/// with a 1x1 bottleneck to bn_size * k channels and a 3x3 convolution to k.
class DenseLayerImpl : public torch::nn::Cloneable<DenseLayerImpl> {
 public:
  DenseLayerImpl(int64_t in_channels, int64_t growth, int64_t bn_size);
  void reset() override;
  /// The k new feature maps of `x` (all earlier maps, concatenated).
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::BatchNorm2d norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};

 private:
  int64_t in_channels_, growth_, bn_size_;
};
TORCH_MODULE(DenseLayer);

/// torchvision's _DenseBlock: denselayer1..L, each fed every map before it;
/// returns the input and all L new maps concatenated (in + L k channels).
class DenseBlockImpl : public torch::nn::Cloneable<DenseBlockImpl> {
 public:
  DenseBlockImpl(int64_t num_layers, int64_t in_channels, int64_t growth, int64_t bn_size);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t num_layers_, in_channels_, growth_, bn_size_;
  std::vector<DenseLayer> layers_;
};
TORCH_MODULE(DenseBlock);

/// torchvision's _Transition: norm, relu, 1x1 conv (compression), 2x2 average pool.
class TransitionImpl : public torch::nn::Cloneable<TransitionImpl> {
 public:
  TransitionImpl(int64_t in_channels, int64_t out_channels);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::BatchNorm2d norm{nullptr};
  torch::nn::Conv2d conv{nullptr};

 private:
  int64_t in_channels_, out_channels_;
};
TORCH_MODULE(Transition);

/// DenseNet-121's `features` with the CIFAR stem: conv0 (3x3, stride 1,
/// 3 -> 2k, no bias), norm0, relu (no pool0), denseblock1..4 of 6, 12, 24,
/// 16 layers with transition1..3 (compression 0.5) between them, norm5. A
/// module of its own rather than a Sequential, whose clone() forgets names.
class DenseFeaturesImpl : public torch::nn::Cloneable<DenseFeaturesImpl> {
 public:
  explicit DenseFeaturesImpl(int64_t growth);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  /// Channels leaving norm5 (1024 at k = 32).
  int64_t out_channels() const { return out_channels_; }

 private:
  int64_t growth_, out_channels_ = 0;
  torch::nn::Conv2d conv0_{nullptr};
  torch::nn::BatchNorm2d norm0_{nullptr}, norm5_{nullptr};
  std::vector<DenseBlock> blocks_;
  std::vector<Transition> transitions_;
};
TORCH_MODULE(DenseFeatures);

/// The stages of CIFAR DenseNet-121 for 3-channel images with growth rate k:
/// features, relu, avgpool (global), flatten, classifier (16 k -> num_classes,
/// bias if `bias`). Nothing skips over a stage: the dense connections live
/// inside `features`.
torch::nn::Sequential densenet121_stages(int64_t growth, int64_t num_classes, bool bias);

}  // namespace awd::models
