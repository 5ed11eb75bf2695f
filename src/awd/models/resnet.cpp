#include "awd/models/resnet.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/options/conv.h>

#include <string>

namespace awd::models {
namespace {

/// ResNet-18's BasicBlocks per layer ([2, 2, 2, 2]).
constexpr int64_t kBlocksPerLayer = 2;

/// Every ResNet convolution is followed by BatchNorm, whose shift makes a bias redundant (as in torchvision).
torch::nn::Conv2d resnet_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride)
    : in_planes_(in_planes), planes_(planes), stride_(stride) {
  reset();
}

void BasicBlockImpl::reset() {
  // Registration order is torchvision's, so parameters list (and are
  // initialised) in the same order as its state_dict.
  conv1 = register_module("conv1", resnet_conv(in_planes_, planes_, 3, stride_));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes_));
  conv2 = register_module("conv2", resnet_conv(planes_, planes_, 3, 1));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes_));
  downsample = nullptr;
  if (stride_ != 1 || in_planes_ != planes_) {
    torch::nn::Sequential shortcut(resnet_conv(in_planes_, planes_, 1, stride_), torch::nn::BatchNorm2d(planes_));
    downsample = register_module("downsample", shortcut);
  }
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(bn1(conv1(x)));
  out = bn2(conv2(out));
  return torch::relu(out + (downsample.is_empty() ? x : downsample->forward(x)));
}

ResNetLayerImpl::ResNetLayerImpl(int64_t blocks, int64_t in_planes, int64_t planes, int64_t stride)
    : blocks_(blocks), in_planes_(in_planes), planes_(planes), stride_(stride) {
  reset();
}

void ResNetLayerImpl::reset() {
  block_list_.clear();
  for (int64_t i = 0; i < blocks_; ++i)
    block_list_.push_back(register_module(std::to_string(i), BasicBlock(i == 0 ? in_planes_ : planes_, planes_,
                                                                           i == 0 ? stride_ : 1)));
}

torch::Tensor ResNetLayerImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (auto& block : block_list_) h = block(h);
  return h;
}

torch::nn::Sequential resnet18_stages(int64_t width, int64_t num_classes, bool bias) {
  torch::nn::Sequential seq;
  seq->push_back("conv1", resnet_conv(3, width, 3, 1));
  seq->push_back("bn1", torch::nn::BatchNorm2d(width));
  seq->push_back("relu", torch::nn::ReLU());
  int64_t in_planes = width;
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t planes = width << i;
    seq->push_back("layer" + std::to_string(i + 1), ResNetLayer(kBlocksPerLayer, in_planes, planes, i == 0 ? 1 : 2));
    in_planes = planes;
  }
  seq->push_back("avgpool", torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(1)));
  seq->push_back("flatten", torch::nn::Flatten());
  seq->push_back("fc", torch::nn::Linear(torch::nn::LinearOptions(in_planes, num_classes).bias(bias)));
  return seq;
}

}  // namespace awd::models
