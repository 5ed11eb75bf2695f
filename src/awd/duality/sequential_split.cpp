#include "awd/duality/sequential_split.h"

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <cstddef>
#include <iterator>
#include <optional>

#include "awd/models/classifier.h"

namespace awd::duality {

namespace {

/// The stages before `stage` applied to `inputs`, flattened to [N, n].
torch::Tensor stages_below(torch::nn::Sequential stages, size_t stage, const torch::Tensor& inputs) {
  torch::Tensor h = inputs;
  auto it = stages->begin();
  for (size_t i = 0; i < stage; ++i, ++it) h = it->forward(h);
  return h.reshape({inputs.size(0), -1});
}

class SequentialSplit final : public LayerSplit {
 public:
  SequentialSplit(std::shared_ptr<models::Classifier> model, std::shared_ptr<models::Classifier> model32,
                  const models::DenseStage& layer, const std::optional<ActivityPass>& pass)
      : model_(std::move(model)),
        model32_(std::move(model32)),
        stages_(model_->stages()),
        name_(layer.name),
        stage_(layer.stage),
        fc_(model_->dense_layer(layer)),
        pass_(pass) {}

  const std::string& name() const override { return name_; }
  torch::Tensor weight() const override { return fc_->weight.detach(); }
  torch::Tensor bias() const override { return fc_->bias.defined() ? fc_->bias.detach() : torch::Tensor(); }

  torch::Tensor activity(const torch::Tensor& inputs) override {
    if (!pass_) return stages_below(stages_, stage_, inputs);
    return batched_activities([this](const torch::Tensor& u) { return stages_below(model32_->stages(), stage_, u); },
                              [this](const torch::Tensor& u) { return stages_below(stages_, stage_, u); }, inputs,
                              fc_->weight.size(1), name_, *pass_);
  }

  torch::Tensor head(const torch::Tensor& z) override {
    torch::Tensor h = z;
    auto it = stages_->begin() + static_cast<std::ptrdiff_t>(stage_ + 1);
    for (; it != stages_->end(); ++it) h = it->forward(h);
    return h;
  }

 private:
  std::shared_ptr<models::Classifier> model_;    // owns the float64 copy
  std::shared_ptr<models::Classifier> model32_;  // a float32 copy for the activities, or none
  torch::nn::Sequential stages_;
  std::string name_;
  size_t stage_;
  torch::nn::Linear fc_;
  std::optional<ActivityPass> pass_;
};

}  // namespace

std::unique_ptr<LayerSplit> sequential_split(const models::Classifier& model, const models::DenseStage& layer,
                                             const std::optional<ActivityPass>& pass) {
  auto copy = model.copy();
  copy->to(torch::kDouble);
  copy->eval();
  std::shared_ptr<models::Classifier> copy32;
  if (pass && pass->float32) {
    copy32 = model.copy();
    copy32->to(torch::kFloat);
    copy32->eval();
  }
  return std::make_unique<SequentialSplit>(std::move(copy), std::move(copy32), layer, pass);
}

std::unique_ptr<LayerSplit> sequential_split(const models::Classifier& model, const std::string& name,
                                             const std::optional<ActivityPass>& pass) {
  return sequential_split(model, model.find_dense(name), pass);
}

}  // namespace awd::duality
