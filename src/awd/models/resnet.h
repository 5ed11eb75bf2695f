// ResNet-18 for CIFAR-10 (paper Sec. 2.5, SPEC §9): torchvision's resnet18
// with its module names (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0,
// fc, ...) and the CIFAR stem, so weights move between awd and PyTorch by name.
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

/// torchvision's BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
/// two 3x3 convolutions (the first with the block's stride); the shortcut is
/// the identity, or a 1x1 convolution + BatchNorm (`downsample`) where the
/// stride or the width changes.
class BasicBlockImpl : public torch::nn::Cloneable<BasicBlockImpl> {
 public:
  BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride);
  /// Builds every submodule from the block's shape (Cloneable::clone calls it).
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};  ///< null for the identity shortcut

 private:
  int64_t in_planes_, planes_, stride_;
};
TORCH_MODULE(BasicBlock);

/// torchvision's layer1..layer4: BasicBlocks named 0, 1, ..., the first with
/// the layer's stride. A module of its own because a Sequential cannot be a
/// stage of a Sequential (its forward is a template).
class ResNetLayerImpl : public torch::nn::Cloneable<ResNetLayerImpl> {
 public:
  ResNetLayerImpl(int64_t blocks, int64_t in_planes, int64_t planes, int64_t stride);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t blocks_, in_planes_, planes_, stride_;
  std::vector<BasicBlock> block_list_;
};
TORCH_MODULE(ResNetLayer);

/// The stages of CIFAR ResNet-18 for 3-channel images: conv1 (3x3, stride 1,
/// 3 -> w, no bias), bn1, relu (no max-pool), layer1..layer4 of two
/// BasicBlocks each with widths w, 2w, 4w, 8w (strides 1, 2, 2, 2), avgpool
/// (global), flatten, fc (8w -> num_classes, bias if `bias`). Nothing skips
/// over a stage: the shortcuts live inside the blocks.
torch::nn::Sequential resnet18_stages(int64_t width, int64_t num_classes, bool bias);

}  // namespace awd::models
