#include "awd/models/densenet.h"

#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/options/conv.h>

#include <iterator>
#include <string>
#include <vector>

namespace awd::models {
namespace {

/// DenseNet-121's layers per block and bottleneck factor (torchvision's block_config and bn_size).
constexpr int64_t kDenseBlockLayers[] = {6, 12, 24, 16};
constexpr int64_t kBottleneck = 4;

/// Every DenseNet convolution is preceded by BatchNorm and has no bias (as in torchvision).
torch::nn::Conv2d dense_conv(int64_t in, int64_t out, int64_t kernel) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2).bias(false));
}

}  // namespace

DenseLayerImpl::DenseLayerImpl(int64_t in_channels, int64_t growth, int64_t bn_size)
    : in_channels_(in_channels), growth_(growth), bn_size_(bn_size) {
  reset();
}

void DenseLayerImpl::reset() {
  norm1 = register_module("norm1", torch::nn::BatchNorm2d(in_channels_));
  conv1 = register_module("conv1", dense_conv(in_channels_, bn_size_ * growth_, 1));
  norm2 = register_module("norm2", torch::nn::BatchNorm2d(bn_size_ * growth_));
  conv2 = register_module("conv2", dense_conv(bn_size_ * growth_, growth_, 3));
}

torch::Tensor DenseLayerImpl::forward(const torch::Tensor& x) {
  return conv2(torch::relu(norm2(conv1(torch::relu(norm1(x))))));
}

DenseBlockImpl::DenseBlockImpl(int64_t num_layers, int64_t in_channels, int64_t growth, int64_t bn_size)
    : num_layers_(num_layers), in_channels_(in_channels), growth_(growth), bn_size_(bn_size) {
  reset();
}

void DenseBlockImpl::reset() {
  layers_.clear();
  for (int64_t i = 0; i < num_layers_; ++i)
    layers_.push_back(register_module("denselayer" + std::to_string(i + 1),
                                      DenseLayer(in_channels_ + i * growth_, growth_, bn_size_)));
}

torch::Tensor DenseBlockImpl::forward(const torch::Tensor& x) {
  std::vector<torch::Tensor> maps{x};
  maps.reserve(layers_.size() + 1);
  for (auto& layer : layers_) maps.push_back(layer(torch::cat(maps, 1)));
  return torch::cat(maps, 1);
}

TransitionImpl::TransitionImpl(int64_t in_channels, int64_t out_channels)
    : in_channels_(in_channels), out_channels_(out_channels) {
  reset();
}

void TransitionImpl::reset() {
  norm = register_module("norm", torch::nn::BatchNorm2d(in_channels_));
  conv = register_module("conv", dense_conv(in_channels_, out_channels_, 1));
}

torch::Tensor TransitionImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::avg_pool2d(conv(torch::relu(norm(x))),
                                           torch::nn::functional::AvgPool2dFuncOptions(2).stride(2));
}

DenseFeaturesImpl::DenseFeaturesImpl(int64_t growth) : growth_(growth) { reset(); }

void DenseFeaturesImpl::reset() {
  blocks_.clear();
  transitions_.clear();
  int64_t channels = 2 * growth_;
  conv0_ = register_module("conv0", dense_conv(3, channels, 3));
  norm0_ = register_module("norm0", torch::nn::BatchNorm2d(channels));
  const int64_t n_blocks = std::size(kDenseBlockLayers);
  for (int64_t b = 0; b < n_blocks; ++b) {
    const auto index = std::to_string(b + 1);
    blocks_.push_back(
        register_module("denseblock" + index, DenseBlock(kDenseBlockLayers[b], channels, growth_, kBottleneck)));
    channels += kDenseBlockLayers[b] * growth_;
    if (b + 1 == n_blocks) break;
    // Compression 0.5: torchvision halves (rounding down) the channels at every transition.
    transitions_.push_back(register_module("transition" + index, Transition(channels, channels / 2)));
    channels /= 2;
  }
  norm5_ = register_module("norm5", torch::nn::BatchNorm2d(channels));
  out_channels_ = channels;
}

torch::Tensor DenseFeaturesImpl::forward(const torch::Tensor& x) {
  auto h = torch::relu(norm0_(conv0_(x)));
  for (size_t b = 0; b < blocks_.size(); ++b) {
    h = blocks_[b](h);
    if (b < transitions_.size()) h = transitions_[b](h);
  }
  return norm5_(h);
}

torch::nn::Sequential densenet121_stages(int64_t growth, int64_t num_classes, bool bias) {
  DenseFeatures features(growth);
  const int64_t channels = features->out_channels();
  torch::nn::Sequential seq;
  seq->push_back("features", features);
  seq->push_back("relu", torch::nn::ReLU());
  seq->push_back("avgpool", torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(1)));
  seq->push_back("flatten", torch::nn::Flatten());
  seq->push_back("classifier", torch::nn::Linear(torch::nn::LinearOptions(channels, num_classes).bias(bias)));
  return seq;
}

}  // namespace awd::models
