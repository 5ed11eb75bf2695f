// The partner set S_p (SPEC §2).
#pragma once
#include <torch/types.h>

namespace awd::duality {

/// p(k) = argmin over training samples j with y_j = y_k of ||u'_k - u_j||_2,
/// on the raw inputs as fed to the network (SPEC §2). Distances within a
/// relative 1e-12 of the minimum count as tied and the lowest training index
/// wins. Returns int64 [K] indices into `train_inputs`. Throws
/// std::invalid_argument when a test label has no training sample.
torch::Tensor partner_set(const torch::Tensor& test_inputs, const torch::Tensor& test_labels,
                          const torch::Tensor& train_inputs, const torch::Tensor& train_labels);

}  // namespace awd::duality
