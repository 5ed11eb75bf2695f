#include "awd/train/batchnorm.h"

#include <torch/nn/modules/batchnorm.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "awd/models/classifier.h"

namespace awd::train {
namespace {

std::vector<torch::nn::BatchNorm2dImpl*> batchnorm_layers(models::Classifier& model) {
  std::vector<torch::nn::BatchNorm2dImpl*> out;
  for (const auto& m : model.modules(/*include_self=*/false))
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) out.push_back(bn);
  return out;
}

}  // namespace

bool has_batchnorm(models::Classifier& model) { return !batchnorm_layers(model).empty(); }

void recalibrate_batchnorm(models::Classifier& model, const torch::Tensor& inputs, int64_t batch) {
  const auto layers = batchnorm_layers(model);
  if (layers.empty()) return;
  std::vector<std::optional<double>> momenta;
  for (auto* bn : layers) {
    const auto m = bn->options.momentum();
    momenta.push_back(m ? std::optional<double>(*m) : std::nullopt);
    bn->reset_running_stats();
    bn->options.momentum(c10::nullopt);
  }
  const bool was_training = model.is_training();
  model.train();
  {
    torch::NoGradGuard no_grad;
    const int64_t n = inputs.size(0);
    for (int64_t lo = 0; lo < n; lo += batch) model.forward(inputs.slice(0, lo, std::min(n, lo + batch)));
  }
  model.train(was_training);
  for (size_t i = 0; i < layers.size(); ++i)
    layers[i]->options.momentum(momenta[i] ? c10::optional<double>(*momenta[i]) : c10::nullopt);
}

}  // namespace awd::train
