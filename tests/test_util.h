// Helpers shared by the tests: this header for the tests of the LibTorch
// layers; the torch-free helpers (temporary folders, files, fake run
// directories) are in test_files.h, which it includes and which the
// torch-free tests include alone.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "test_files.h"

#include "awd/config.h"
#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/duality/sequential_split.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"

namespace test_util {

/// A small MNIST run that trains in well under a second.
inline awd::RunConfig small_mnist_config(int64_t per_class = 20, int64_t n_test = 100) {
  awd::RunConfig cfg;
  cfg.data.path = mnist_dir();
  cfg.data.per_class = per_class;
  cfg.data.n_test = n_test;
  return cfg;
}

/// A float64 copy in eval mode: what the analysis itself looks at.
inline std::shared_ptr<awd::models::Classifier> float64_copy(const awd::models::Classifier& model) {
  auto copy = model.copy();
  copy->to(torch::kDouble);
  copy->eval();
  return copy;
}

/// The paper's CIFAR-10 CNN (SPEC §7), otherwise the defaults.
inline awd::ModelConfig cnn_config() {
  awd::ModelConfig mc;
  mc.arch = awd::Arch::kCnn;
  return mc;
}

/// The samples of a run configuration.
inline awd::data::Samples samples_of(const awd::RunConfig& cfg) {
  const auto folder = awd::data::load_folder(cfg.data.path);
  return awd::data::materialize(folder, awd::data::draw_subset(folder, cfg.data));
}

/// The analysis of `model` at cfg.layer, as awd runs it: on a float64 split.
inline awd::duality::AnalysisResult analyze(const awd::models::Classifier& model, const awd::data::Samples& samples,
                                            const awd::AnalysisConfig& cfg) {
  const auto split = awd::duality::sequential_split(model, cfg.layer);
  return awd::duality::analyze(*split, samples, cfg);
}

/// x(u): the activity entering dense layer `layer`, in float64 (a fresh split of the model as it is now).
inline torch::Tensor activity(const awd::models::Classifier& model, const std::string& layer,
                              const torch::Tensor& inputs) {
  return awd::duality::sequential_split(model, layer)->activity(inputs.to(torch::kDouble));
}

/// A trained small MNIST solution, in float32 as training leaves it.
struct Solution {
  std::shared_ptr<awd::models::Classifier> model;
  awd::data::Samples samples;
};
inline Solution small_solution(std::vector<int64_t> hidden = {30, 30}, int64_t per_class = 20,
                               int64_t max_epoch = 60) {
  auto cfg = small_mnist_config(per_class, 100);
  cfg.model.hidden = hidden;
  cfg.train.max_epoch = max_epoch;
  const auto folder = awd::data::load_folder(cfg.data.path);
  Solution s;
  s.samples = awd::data::materialize(folder, awd::data::draw_subset(folder, cfg.data));
  s.model = awd::models::make_classifier(cfg.model, {1, 28, 28}, 10, 7);
  awd::train::train_sgd(*s.model, s.samples, cfg.train);
  return s;
}

/// Rows `rows` of the Hessian of the mean loss w.r.t. the weights of dense
/// layer `layer`, by autograd double backward: one backward pass per row (the
/// slow, obvious way, independent of the Kronecker form under test).
inline torch::Tensor hessian_rows_by_double_backward(awd::models::Classifier& model, const std::string& layer,
                                                     const torch::Tensor& x, const torch::Tensor& y,
                                                     const std::vector<int64_t>& rows) {
  auto W = model.dense_layer(layer)->weight;
  auto loss = torch::nn::functional::cross_entropy(model.forward(x), y);
  auto grad = torch::autograd::grad({loss}, {W}, {}, true, true)[0].flatten();
  std::vector<torch::Tensor> out;
  for (auto i : rows) out.push_back(torch::autograd::grad({grad[i]}, {W}, {}, true)[0].flatten());
  return torch::stack(out);
}

/// The whole Hessian that way (N backward passes: keep N small).
inline torch::Tensor hessian_by_double_backward(awd::models::Classifier& model, const std::string& layer,
                                                const torch::Tensor& x, const torch::Tensor& y) {
  std::vector<int64_t> rows(model.dense_layer(layer)->weight.numel());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = int64_t(i);
  return hessian_rows_by_double_backward(model, layer, x, y, rows);
}

}  // namespace test_util
