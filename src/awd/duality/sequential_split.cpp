#include "awd/duality/sequential_split.h"

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <cstddef>
#include <iterator>

#include "awd/models/classifier.h"

namespace awd::duality {

namespace {

class SequentialSplit final : public LayerSplit {
 public:
  SequentialSplit(std::shared_ptr<models::Classifier> model, const std::string& layer)
      : model_(std::move(model)),
        stages_(model_->stages()),
        name_(layer),
        stage_(model_->dense_stage(layer)),
        fc_(model_->dense_layer(layer)) {}

  const std::string& name() const override { return name_; }
  torch::Tensor weight() const override { return fc_->weight.detach(); }
  torch::Tensor bias() const override { return fc_->bias.defined() ? fc_->bias.detach() : torch::Tensor(); }

  torch::Tensor activity(const torch::Tensor& inputs) override {
    torch::Tensor h = inputs;
    auto it = stages_->begin();
    for (size_t i = 0; i < stage_; ++i, ++it) h = it->forward(h);
    return h.reshape({inputs.size(0), -1});
  }

  torch::Tensor head(const torch::Tensor& z) override {
    torch::Tensor h = z;
    auto it = stages_->begin() + static_cast<std::ptrdiff_t>(stage_ + 1);
    for (; it != stages_->end(); ++it) h = it->forward(h);
    return h;
  }

 private:
  std::shared_ptr<models::Classifier> model_;  // owns the float64 copy
  torch::nn::Sequential stages_;
  std::string name_;
  size_t stage_;
  torch::nn::Linear fc_;
};

}  // namespace

std::unique_ptr<LayerSplit> sequential_split(const models::Classifier& model, const std::string& layer) {
  model.dense_stage(layer);  // refuse an unknown layer before copying anything
  auto copy = model.copy();
  copy->to(torch::kDouble);
  copy->eval();
  return std::make_unique<SequentialSplit>(std::move(copy), layer);
}

}  // namespace awd::duality
