// awd's own networks (models::Classifier) cut open at a dense layer.
#pragma once
#include <memory>
#include <string>

#include "awd/duality/layer_split.h"

namespace awd::models {
class Classifier;
}

namespace awd::duality {

/// The split of `model` at its dense layer `layer`, on a float64 copy in eval
/// mode (the model itself is left unchanged). x(u) runs the stages below the
/// layer, h(z) those above it. std::invalid_argument listing the dense
/// layers when `layer` is not one of them.
std::unique_ptr<LayerSplit> sequential_split(const models::Classifier& model, const std::string& layer);

}  // namespace awd::duality
