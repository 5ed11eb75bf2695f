// How the activities entering the analysed layer are computed for many
// samples: once, in batches, in float32 or float64.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace awd::duality {

/// x(u) in batches of `batch` samples, in float32 (a float32 copy of the
/// network below the layer; the activities are then cast to float64, as
/// everything after the layer is) or, with `float32` false, in float64
/// throughout (slower, bit-identical to a float64 network); a line on stderr
/// with the samples done, the time taken and the time left when `progress`.
///
/// Image batches of the float32 pass go in channels-last order: oneDNN's
/// convolutions then skip their layout conversions, 12-20 % faster for
/// ResNet-18 on this CPU (bench/activity_pass.py); the activities agree to
/// float32 rounding. A network that fails on them (a view that assumes NCHW
/// strides) gets NCHW batches. float64 convolutions have no such kernels and
/// stay NCHW.
struct ActivityPass {
  int64_t batch = 1024;
  bool float32 = true;
  bool progress = false;
  bool channels_last = true;
};

/// The features of one batch of inputs (already cast to the pass's dtype).
using Features = std::function<torch::Tensor(const torch::Tensor&)>;

/// x(u) of every input as float64 [S, width]: `features32` or `features64`
/// (as pass.float32 says) over batches, each flattened to [batch, -1] and
/// handed to `check` (which throws on a wrong width) before it is stored.
torch::Tensor batched_activities(const Features& features32, const Features& features64, const torch::Tensor& inputs,
                                 int64_t width, const std::string& layer, const ActivityPass& pass,
                                 const std::function<void(const torch::Tensor&)>& check = {});

}  // namespace awd::duality
