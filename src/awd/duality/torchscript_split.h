// A network trained elsewhere, saved as TorchScript, cut open at one of its
// Linear layers (SPEC §11).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "awd/duality/activity_pass.h"
#include "awd/duality/layer_split.h"

namespace awd::duality {

/// The split of the TorchScript module in `model_path` at its Linear
/// submodule `layer` (a path such as fc, classifier or layers.3), on a
/// float64 copy in eval mode (activities: ActivityPass). The module must have two methods besides
/// forward (python/awd_export.py adds them):
///
///   awd_features(u) -> x   the activity entering the layer
///   awd_head(z) -> logits  the rest of the network from the pre-activation
///
/// W and b are read from the Linear submodule. Before anything is analysed,
/// forward(u) is checked against awd_head(W awd_features(u) + b) on
/// `check_inputs` (relative 1e-5, float32 rounding): a head that is not the
/// rest of the network would make every number of the analysis wrong.
///
/// Throws std::runtime_error, one line naming the file, for a missing,
/// corrupt or too new file (a newer file format than this LibTorch reads), a
/// missing method, a layer that is not a Linear submodule (listing those the
/// module has), activities of the wrong width, or a failed check.
std::unique_ptr<LayerSplit> torchscript_split(const std::string& model_path, const std::string& layer,
                                              const torch::Tensor& check_inputs, const ActivityPass& pass = {});

}  // namespace awd::duality
