#include "awd/models/classifier.h"

#include "awd/models/densenet.h"
#include "awd/models/resnet.h"
#include "awd/models/training_view.h"

#include <algorithm>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <sstream>
#include <stdexcept>

namespace awd::models {

Classifier::Classifier(torch::nn::Sequential stages) : stages_(register_module("stages", stages)) {
  for (const auto& item : stages_->named_children()) names_.push_back(item.key());
}

std::shared_ptr<Classifier> Classifier::copy() const {
  // SequentialImpl::clone() drops the stage names, so copy stage by stage.
  torch::nn::Sequential seq;
  auto it = stages_->begin();
  for (size_t i = 0; i < names_.size(); ++i, ++it) seq->push_back(names_[i], it->clone());
  return std::make_shared<Classifier>(seq);
}

torch::Tensor Classifier::forward(const torch::Tensor& inputs) { return stages_->forward(inputs); }

std::vector<std::string> Classifier::dense_layer_names() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < names_.size(); ++i)
    if (stages_->ptr(i)->as<torch::nn::Linear>()) out.push_back(names_[i]);
  return out;
}

DenseStage Classifier::find_dense(const std::string& name) const {
  std::string dense;
  for (const auto& n : dense_layer_names()) dense += (dense.empty() ? "" : ", ") + n;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] != name) continue;
    if (!stages_->ptr(i)->as<torch::nn::Linear>())
      throw std::invalid_argument("layer '" + name + "' is not dense (dense layers: " + dense + ")");
    return {name, i};
  }
  throw std::invalid_argument("no layer named '" + name + "' (dense layers: " + dense + ")");
}

torch::nn::Linear Classifier::dense_layer(const DenseStage& layer) const {
  return torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(stages_->ptr(layer.stage)));
}

namespace {

torch::nn::Sequential build_mlp(const ModelConfig& cfg, int64_t inputs, int64_t num_classes) {
  torch::nn::Sequential seq;
  seq->push_back("flatten", torch::nn::Flatten());
  int64_t width = inputs;
  for (size_t i = 0; i < cfg.hidden.size(); ++i) {
    const auto name = std::to_string(i + 1);
    seq->push_back("fc" + name, torch::nn::Linear(torch::nn::LinearOptions(width, cfg.hidden[i]).bias(cfg.bias)));
    seq->push_back("relu" + name, torch::nn::ReLU());
    if (i == 0 && cfg.dropout > 0) seq->push_back("dropout", torch::nn::Dropout(cfg.dropout));
    width = cfg.hidden[i];
  }
  seq->push_back("fc" + std::to_string(cfg.hidden.size() + 1),
                 torch::nn::Linear(torch::nn::LinearOptions(width, num_classes).bias(cfg.bias)));
  return seq;
}

/// The input shape of the paper's CIFAR-10 CNN: its dense head starts at
/// 16 x 5 x 5 = 400 features only for 3 x 32 x 32 images.
const std::vector<int64_t> kCnnInput = {3, 32, 32};

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream ss;
  ss << '[';
  for (size_t i = 0; i < shape.size(); ++i) ss << (i ? ", " : "") << shape[i];
  ss << ']';
  return ss.str();
}

/// The CIFAR-10 CNN of the paper (SPEC §7): two conv + ReLU + 2x2 max-pool
/// stages (32 -> 28 -> 14 -> 10 -> 5), then dense 400-120-25-10 with ReLU.
/// Its dense layers are named fc1..fc3 like the MLP's, so fc2 is the 120->25
/// layer the paper analyses, and dropout sits after the first hidden dense
/// layer as in the MLP. The dense widths are the paper's; `hidden` is ignored.
torch::nn::Sequential build_cnn(const ModelConfig& cfg, const std::vector<int64_t>& input_shape,
                                int64_t num_classes) {
  if (input_shape != kCnnInput)
    throw std::invalid_argument("arch cnn needs CIFAR-10 inputs of shape " + shape_str(kCnnInput) + ", but the data are " +
                                shape_str(input_shape) + " (for MNIST-like data use arch mlp)");
  auto conv = [&](int64_t in, int64_t out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 5).bias(cfg.bias));
  };
  auto pool = [] { return torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)); };
  auto dense = [&](int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(cfg.bias));
  };
  torch::nn::Sequential seq;
  seq->push_back("conv1", conv(3, 6));
  seq->push_back("relu_c1", torch::nn::ReLU());
  seq->push_back("pool1", pool());
  seq->push_back("conv2", conv(6, 16));
  seq->push_back("relu_c2", torch::nn::ReLU());
  seq->push_back("pool2", pool());
  seq->push_back("flatten", torch::nn::Flatten());
  seq->push_back("fc1", dense(16 * 5 * 5, 120));
  seq->push_back("relu1", torch::nn::ReLU());
  if (cfg.dropout > 0) seq->push_back("dropout", torch::nn::Dropout(cfg.dropout));
  seq->push_back("fc2", dense(120, 25));
  seq->push_back("relu2", torch::nn::ReLU());
  seq->push_back("fc3", dense(25, num_classes));
  return seq;
}

/// The paper's ResNet-18 base width and DenseNet-121 growth rate (SPEC §9).
constexpr int64_t kResnetWidth = 64;
constexpr int64_t kDensenetGrowth = 32;

/// ResNet-18 or DenseNet-121 (models/resnet.h, densenet.h). Their global
/// average pool takes any image size, but the stem needs 3 channels and
/// DenseNet's three 2x2 pools need 8 pixels each way.
torch::nn::Sequential build_torchvision_net(const ModelConfig& cfg, const std::vector<int64_t>& input_shape,
                                           int64_t num_classes) {
  const bool resnet = cfg.arch == Arch::kResnet18;
  const int64_t min_side = resnet ? 1 : 8;
  if (input_shape.size() != 3 || input_shape[0] != 3 || input_shape[1] < min_side || input_shape[2] < min_side)
    throw std::invalid_argument("arch " + to_string(cfg.arch) + " needs 3-channel images [3, H, W]" +
                                (resnet ? std::string() : " with H, W >= 8") + ", but the data are " +
                                shape_str(input_shape));
  if (resnet) return resnet18_stages(cfg.width > 0 ? cfg.width : kResnetWidth, num_classes, cfg.bias);
  return densenet121_stages(cfg.width > 0 ? cfg.width : kDensenetGrowth, num_classes, cfg.bias);
}

torch::nn::Sequential build_stages(const ModelConfig& cfg, const std::vector<int64_t>& input_shape,
                                   int64_t num_classes) {
  switch (cfg.arch) {
    case Arch::kCnn: return build_cnn(cfg, input_shape, num_classes);
    case Arch::kResnet18:
    case Arch::kDensenet121: return build_torchvision_net(cfg, input_shape, num_classes);
    case Arch::kMlp: break;
  }
  int64_t inputs = 1;
  for (auto d : input_shape) inputs *= d;
  return build_mlp(cfg, inputs, num_classes);
}

}  // namespace

double parameter_estimate(const ModelConfig& cfg, const std::vector<int64_t>& input_shape, int64_t num_classes) {
  // ResNet-18 at w = 64 and DenseNet-121 at k = 32 (torchvision, 10 classes);
  // their parameters grow with the square of the width.
  constexpr double kResnet18 = 11.2e6, kDensenet121 = 7.0e6;
  const auto scaled = [](double base, int64_t width, double paper) {
    const double r = width > 0 ? double(width) / paper : 1.0;
    return base * std::max(1.0, r * r);
  };
  switch (cfg.arch) {
    case Arch::kResnet18: return scaled(kResnet18, cfg.width, 64);
    case Arch::kDensenet121: return scaled(kDensenet121, cfg.width, 32);
    case Arch::kCnn: break;
    case Arch::kMlp: {
      double inputs = 1, total = 0;
      for (auto d : input_shape) inputs *= double(d);
      for (auto h : cfg.hidden) {
        total += (inputs + 1) * double(h);
        inputs = double(h);
      }
      return total + (inputs + 1) * double(num_classes);
    }
  }
  double n = 0;  // the CNN is small and fixed: build it and count
  for (const auto& p : build_stages(cfg, input_shape, num_classes)->parameters()) n += double(p.numel());
  return n;
}

std::shared_ptr<Classifier> make_classifier(const ModelConfig& cfg, std::vector<int64_t> input_shape,
                                            int64_t num_classes, uint64_t seed) {
  auto model = std::make_shared<Classifier>(build_stages(cfg, input_shape, num_classes));
  initialize(*model, cfg, seed);
  return model;
}

}  // namespace awd::models
