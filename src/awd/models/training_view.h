// The model as training and the run directory see it, apart from the
// analysed layer: initialisation, the weights weight decay acts on, and the
// checkpoint.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "awd/config.h"

namespace awd::models {

class Classifier;

/// SPEC §7 initialisation of every Linear and Conv2d layer, found over all
/// submodules in registration order and drawn from one generator seeded by
/// `seed`, so the seed alone fixes every weight: Xavier uniform times s
/// (U(+-s sqrt(6/(fan_in+fan_out)))) or PyTorch's default Linear init times s
/// (U(+-s/sqrt(fan_in))); for a conv layer fan_in = in_channels k^2 and
/// fan_out = out_channels k^2. Biases: U(+-1/sqrt(fan_in)), times s for "torch".
void initialize(Classifier& model, const ModelConfig& cfg, uint64_t seed);

/// The weights of every Linear and Conv2d layer (not biases, nor the scale
/// of a normalisation layer): w of the weight-decay penalty and ||w||.
std::vector<torch::Tensor> decayed_weights(Classifier& model);

/// Every parameter by its name in the run directory's weights/ folder
/// (fc1.weight, conv2.bias, ...).
std::vector<std::pair<std::string, torch::Tensor>> named_weights(Classifier& model);

/// Every parameter, then every buffer (BatchNorm's running_mean, running_var,
/// num_batches_tracked), by the names of named_weights: all a model's numbers,
/// named as in PyTorch's state_dict of the same network (weights/ holds these).
std::vector<std::pair<std::string, torch::Tensor>> named_state(Classifier& model);

/// The LibTorch checkpoint bytes of the model (RUN_DIR/model.pt).
std::string checkpoint_bytes(const Classifier& model);
/// Loads a checkpoint written by checkpoint_bytes into a model of the same
/// architecture; std::runtime_error naming `path` when it cannot.
void load_checkpoint(Classifier& model, const std::string& path);

}  // namespace awd::models
