#include "awd/models/classifier.h"

#include <cmath>
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

size_t Classifier::stage_index(const std::string& name) const {
  std::string dense;
  for (const auto& n : dense_layer_names()) dense += (dense.empty() ? "" : ", ") + n;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] != name) continue;
    if (!stages_->ptr(i)->as<torch::nn::Linear>())
      throw std::invalid_argument("layer '" + name + "' is not dense (dense layers: " + dense + ")");
    return i;
  }
  throw std::invalid_argument("no layer named '" + name + "' (dense layers: " + dense + ")");
}

torch::nn::Linear Classifier::dense_layer(const std::string& name) const {
  return torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(stages_->ptr(stage_index(name))));
}

torch::Tensor Classifier::activity(const torch::Tensor& inputs, const std::string& name) {
  const size_t stop = stage_index(name);
  torch::Tensor h = inputs;
  auto it = stages_->begin();
  for (size_t i = 0; i < stop; ++i, ++it) h = it->forward(h);
  return h;
}

torch::Tensor Classifier::logits_from_preactivation(const torch::Tensor& z, const std::string& name) {
  const size_t start = stage_index(name) + 1;
  torch::Tensor h = z;
  auto it = stages_->begin() + static_cast<std::ptrdiff_t>(start);
  for (; it != stages_->end(); ++it) h = it->forward(h);
  return h;
}

namespace {

/// SPEC §7 initialisation of one weight tensor with the given fans.
void init_weight(torch::Tensor& w, int64_t fan_in, int64_t fan_out, const ModelConfig& cfg,
                 torch::Generator& gen) {
  const double bound = cfg.init == "torch" ? cfg.init_scale / std::sqrt(double(fan_in))
                                           : cfg.init_scale * std::sqrt(6.0 / double(fan_in + fan_out));
  w.uniform_(-bound, bound, gen);
}

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

}  // namespace

std::shared_ptr<Classifier> make_classifier(const ModelConfig& cfg, std::vector<int64_t> input_shape,
                                            int64_t num_classes, uint64_t seed) {
  int64_t inputs = 1;
  for (auto d : input_shape) inputs *= d;
  torch::nn::Sequential seq;
  if (cfg.arch == "mlp") {
    seq = build_mlp(cfg, inputs, num_classes);
  } else {
    throw std::invalid_argument("unknown model architecture '" + cfg.arch + "' (known: mlp)");
  }
  auto model = std::make_shared<Classifier>(seq);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  for (const auto& child : seq->children()) {
    if (auto* lin = child->as<torch::nn::Linear>()) {
      const int64_t in = lin->options.in_features(), out = lin->options.out_features();
      init_weight(lin->weight, in, out, cfg, gen);
      if (lin->bias.defined()) {
        const double b = (cfg.init == "torch" ? cfg.init_scale : 1.0) / std::sqrt(double(in));
        lin->bias.uniform_(-b, b, gen);
      }
    }
  }
  return model;
}

std::vector<torch::Tensor> weight_tensors(Classifier& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.named_parameters())
    if (p.key().size() >= 6 && p.key().compare(p.key().size() - 6, 6, "weight") == 0) out.push_back(p.value());
  return out;
}

}  // namespace awd::models
