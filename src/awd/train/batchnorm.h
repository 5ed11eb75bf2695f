// BatchNorm statistics of a trained solution (SPEC §9): the analysis runs in
// eval mode, so the running statistics are part of the solution analysed.
#pragma once
#include <torch/types.h>

#include <cstdint>

namespace awd::models {
class Classifier;
}

namespace awd::train {

/// Whether the model has any BatchNorm layer.
bool has_batchnorm(models::Classifier& model);

/// Recomputes every BatchNorm layer's running mean and variance from
/// `inputs` in one pass without gradients, in batches of `batch`: train-mode
/// forward passes with the cumulative average over the batches (momentum
/// None, as torch.optim.swa_utils.update_bn does), so each layer ends with
/// the mean over batches of its batch means and of its unbiased batch
/// variances. The model's mode and momenta are restored.
///
/// This is how the reported solution gets its statistics: the mean weights
/// of n learners (SSGD's w_bar or DPSGD's average) were never run as such,
/// so no learner's running statistics belong to them.
void recalibrate_batchnorm(models::Classifier& model, const torch::Tensor& inputs, int64_t batch = 500);

}  // namespace awd::train
