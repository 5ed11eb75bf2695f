#include "awd/models/training_view.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/serialize.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "awd/models/classifier.h"

namespace awd::models {
namespace {

/// SPEC §7 initialisation of a layer's weight and bias. The bias bound is
/// PyTorch's default 1/sqrt(fan_in), scaled by s only for Init::kTorch.
void init_layer(torch::Tensor& weight, torch::Tensor& bias, int64_t fan_in, int64_t fan_out, const ModelConfig& cfg,
                torch::Generator& gen) {
  const bool torch_init = cfg.init == Init::kTorch;
  const double bound = torch_init ? cfg.init_scale / std::sqrt(double(fan_in))
                                  : cfg.init_scale * std::sqrt(6.0 / double(fan_in + fan_out));
  weight.uniform_(-bound, bound, gen);
  if (bias.defined()) {
    const double b = (torch_init ? cfg.init_scale : 1.0) / std::sqrt(double(fan_in));
    bias.uniform_(-b, b, gen);
  }
}

}  // namespace

void initialize(Classifier& model, const ModelConfig& cfg, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    if (auto* lin = module->as<torch::nn::Linear>()) {
      init_layer(lin->weight, lin->bias, lin->options.in_features(), lin->options.out_features(), cfg, gen);
    } else if (auto* conv = module->as<torch::nn::Conv2d>()) {
      // A conv weight [out, in, k, k]: each output sees in*k*k inputs and
      // each input reaches out*k*k outputs (the fans torch's Xavier uses).
      const auto& o = conv->options;
      const int64_t area = (*o.kernel_size())[0] * (*o.kernel_size())[1];
      init_layer(conv->weight, conv->bias, o.in_channels() * area, o.out_channels() * area, cfg, gen);
    }
  }
}

std::vector<torch::Tensor> decayed_weights(Classifier& model) {
  std::vector<torch::Tensor> out;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    if (auto* lin = module->as<torch::nn::Linear>()) out.push_back(lin->weight);
    if (auto* conv = module->as<torch::nn::Conv2d>()) out.push_back(conv->weight);
  }
  return out;
}

namespace {
/// A name without the Classifier's own "stages." prefix: the stage names are the network's.
std::string stage_name(const std::string& name) { return name.rfind("stages.", 0) == 0 ? name.substr(7) : name; }
}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> named_weights(Classifier& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model.named_parameters()) out.emplace_back(stage_name(p.key()), p.value());
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> named_state(Classifier& model) {
  auto out = named_weights(model);
  for (const auto& b : model.named_buffers()) out.emplace_back(stage_name(b.key()), b.value());
  return out;
}

std::string checkpoint_bytes(const Classifier& model) {
  std::ostringstream out;
  torch::save(model.stages(), out);
  return out.str();
}

void load_checkpoint(Classifier& model, const std::string& path) {
  auto stages = model.stages();
  try {
    torch::load(stages, path);
  } catch (const c10::Error&) {
    throw std::runtime_error(path + ": cannot load the checkpoint (corrupt, or another architecture)");
  }
}

}  // namespace awd::models
