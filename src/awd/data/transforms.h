// What happens to the inputs on their way into a network: per-channel
// normalisation (training and analysis) and the CIFAR augmentation (training).
#pragma once
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <vector>

#include "awd/data/subset.h"

namespace awd::data {

/// (x - mean_c) / std_c over dimension 1 (the channels); x itself when
/// `mean` is empty. std::invalid_argument when x has another channel count.
torch::Tensor normalized(const torch::Tensor& x, const std::vector<double>& mean, const std::vector<double>& std);

/// The samples with training and test inputs normalised by (mean, std), recorded in them.
Samples normalized(Samples samples, const std::vector<double>& mean, const std::vector<double>& std);

/// The usual CIFAR augmentation (SPEC §9) of images [N, C, H, W]: each image
/// is cropped back to H x W at a random offset of its 4-pixel padding and
/// flipped horizontally with probability 1/2. The padding has the value
/// `fill_c` per channel (that of a black pixel after normalisation, so that
/// it pads as torchvision's RandomCrop does before Normalize). Every draw
/// comes from `gen`: the same generator state gives the same images.
torch::Tensor augmented(const torch::Tensor& images, at::Generator& gen, const std::vector<double>& fill);

/// The fill of `augmented` for inputs normalised by (mean, std): -mean_c / std_c (0 without).
std::vector<double> black_pixel(const std::vector<double>& mean, const std::vector<double>& std, int64_t channels);

}  // namespace awd::data
