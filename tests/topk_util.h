// Shared by the matrix-free tests: a trained small solution seen from one layer.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "awd/duality/hessian.h"
#include "awd/duality/sequential_split.h"
#include "test_util.h"

namespace topk_util {

/// A layer of a trained small MNIST MLP with its float64 split, the clean
/// training activities, labels and the linearisation.
struct LayerCase {
  test_util::Solution solution;
  std::unique_ptr<awd::duality::LayerSplit> split;
  torch::Tensor train_x, train_y, activity;
  awd::duality::LayerLinearization lin;
};

inline std::unique_ptr<LayerCase> layer_case(const std::vector<int64_t>& hidden, const std::string& layer) {
  auto c = std::make_unique<LayerCase>();
  c->solution = test_util::small_solution(hidden);
  const auto& s = c->solution.samples;
  c->split = awd::duality::sequential_split(*c->solution.model, layer);
  c->train_x = s.train_inputs.index({s.clean_mask}).to(torch::kDouble);
  c->train_y = s.train_labels.index({s.clean_mask});
  {
    torch::NoGradGuard no_grad;
    c->activity = c->split->activity(c->train_x);
  }
  c->lin = awd::duality::linearize_activity(*c->split, c->activity);
  return c;
}

/// The paper's shape on a small budget: fc2 of 784-30-30-10 (N = 900), trained once per test binary.
inline LayerCase& fc2_case() {
  static auto c = layer_case({30, 30}, "fc2");
  return *c;
}

/// ||a - b|| / ||b||.
inline double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm()).item<double>();
}

}  // namespace topk_util
