// The step rule of SGD as the large networks are trained (SPEC §9): momentum,
// Nesterov's variant, and a learning rate that warms up and then steps down.
// With the defaults (no momentum, no schedule) it is the paper's plain SGD.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "awd/config.h"

namespace awd::train {

/// The learning rate of step `step` (0-based) of epoch `epoch` (1-based) with
/// `steps` steps per epoch: alpha t / T over the first T = warmup_epochs *
/// steps steps (t = 1..T), then alpha times lr_factor for every entry of
/// lr_steps below `epoch` (lr_steps 160,240: epochs 161-240 at 0.1 alpha,
/// 241 on at 0.01 alpha; PyTorch's MultiStepLR stepped once per epoch).
double learning_rate(const TrainConfig& cfg, int64_t epoch, int64_t step, int64_t steps);

/// Momentum as torch::optim::SGD applies it (no dampening): the velocity
/// v <- mu v + g (v = g at the first step), and the direction v, or
/// g + mu v with Nesterov; without momentum the direction is g itself.
class MomentumSgd {
 public:
  MomentumSgd(double momentum, bool nesterov) : momentum_(momentum), nesterov_(nesterov) {}
  explicit MomentumSgd(const TrainConfig& cfg) : MomentumSgd(cfg.momentum, cfg.nesterov) {}

  /// The direction d of this step for gradients g (updates the velocity).
  std::vector<torch::Tensor> direction(const std::vector<torch::Tensor>& grads);
  /// w <- w - lr d, in place (no autograd).
  void step(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads, double lr);

 private:
  double momentum_;
  bool nesterov_;
  std::vector<torch::Tensor> velocity_;
};

}  // namespace awd::train
