// awd's own networks (models::Classifier) cut open at a dense layer.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "awd/duality/activity_pass.h"
#include "awd/duality/layer_split.h"

namespace awd::models {
class Classifier;
struct DenseStage;
}  // namespace awd::models

namespace awd::duality {

/// The split of `model` at its dense layer `layer`, on a float64 copy in eval
/// mode (the model itself is left unchanged). x(u) runs the stages below the
/// layer, h(z) those above it.
///
/// Without `pass` the activities run through the float64 copy, all inputs at
/// once (the exact path the MLP and CNN analyses use); with one, in its
/// batches and, if pass->float32, through a float32 copy (the large
/// networks: ResNet-18, DenseNet-121).
std::unique_ptr<LayerSplit> sequential_split(const models::Classifier& model, const models::DenseStage& layer,
                                             const std::optional<ActivityPass>& pass = std::nullopt);
/// The split at the layer called `name` (std::invalid_argument listing the
/// dense layers when it is not one of them).
std::unique_ptr<LayerSplit> sequential_split(const models::Classifier& model, const std::string& name,
                                             const std::optional<ActivityPass>& pass = std::nullopt);

}  // namespace awd::duality
