// A network trained elsewhere, saved as TorchScript, cut open at one of its
// Linear layers (SPEC §11).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "awd/duality/activity_pass.h"
#include "awd/duality/layer_split.h"

namespace awd::duality {

/// The split of the TorchScript module in `model_path` at its Linear
/// submodule `layer` (a path such as fc, classifier or layers.3; empty: the
/// module's only Linear, named by the split's name()), on a
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
/// Every method gets a copy of its argument, so a model that works in place
/// (ReLU(inplace=True) after the cut) runs as it does in PyTorch.
///
/// Throws std::runtime_error, one line naming the file, for a missing,
/// corrupt or too new file (a newer file format than this LibTorch reads), a
/// module without a Linear layer, an empty `layer` with several (listing
/// them), a layer that is not a Linear submodule (listing those the module
/// has), a missing method, a non-finite W or b, logits that are not floating
/// [samples, classes >= 2] or not finite, activities of the wrong width, a
/// failed check, and any method that fails (the first line of the error as
/// Python would report it, never the interpreter's tracebacks).
/// The paths of the Linear submodules of the TorchScript module in
/// `model_path`, in module order: the layers torchscript_split may be asked
/// for (whether the model can be cut at each is that function's check).
/// std::runtime_error, one line naming the file, as torchscript_split for a
/// file it cannot load or a module without a Linear layer.
std::vector<std::string> torchscript_linear_layers(const std::string& model_path);

std::unique_ptr<LayerSplit> torchscript_split(const std::string& model_path, const std::string& layer,
                                              const torch::Tensor& check_inputs, const ActivityPass& pass = {});

}  // namespace awd::duality
