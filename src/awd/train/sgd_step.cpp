#include "awd/train/sgd_step.h"

#include <torch/autograd.h>

namespace awd::train {

double learning_rate(const TrainConfig& cfg, int64_t epoch, int64_t step, int64_t steps) {
  const int64_t warmup = cfg.warmup_epochs * steps, t = (epoch - 1) * steps + step + 1;
  if (t <= warmup) return cfg.lr * double(t) / double(warmup);
  double lr = cfg.lr;
  for (int64_t s : cfg.lr_steps)
    if (epoch > s) lr *= cfg.lr_factor;
  return lr;
}

std::vector<torch::Tensor> MomentumSgd::direction(const std::vector<torch::Tensor>& grads) {
  if (momentum_ == 0) return grads;
  torch::NoGradGuard no_grad;
  if (velocity_.empty()) {
    for (const auto& g : grads) velocity_.push_back(g.clone());
  } else {
    for (size_t k = 0; k < grads.size(); ++k) velocity_[k].mul_(momentum_).add_(grads[k]);
  }
  if (!nesterov_) return velocity_;
  std::vector<torch::Tensor> d;
  for (size_t k = 0; k < grads.size(); ++k) d.push_back(grads[k].add(velocity_[k], momentum_));
  return d;
}

void MomentumSgd::step(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads, double lr) {
  const auto d = direction(grads);
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < params.size(); ++k)
    if (d[k].defined()) params[k].add_(d[k], -lr);  // a parameter the loss does not reach has no gradient
}

}  // namespace awd::train
