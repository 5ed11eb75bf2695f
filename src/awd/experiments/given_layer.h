// A dense layer whose activities were computed elsewhere (SPEC §11): by
// PyTorch on the user's own device (the Python package) or by any framework
// into .npy files (the features route). From the activities up, everything
// runs here in float64.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>

#include "awd/config.h"
#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/duality/given_activities.h"

namespace awd::experiments {

/// The arrays of one layer. Error messages name them by these field names
/// (they are also the features route's file stems).
struct GivenLayer {
  std::string name = "W";         ///< the layer's name in the results
  torch::Tensor a_train, a_test;  ///< [S, n], [T, n] activities entering the layer (floating point)
  torch::Tensor y_train, y_test;  ///< [S], [T] integer labels 0..C-1
  torch::Tensor W, b;             ///< [m, n]; [m] or undefined
  /// The partners of SPEC §2 are searched on the inputs as fed to the network
  /// (x_train [S, ...], x_test [T, ...]) unless `partners` (integer [T], rows of
  /// a_train of the same label) gives them.
  torch::Tensor x_train, x_test, partners;
  duality::Head head;  ///< h(z); empty: the identity (the layer's output is the logits)
};

/// Every training sample (none corrupted) and every test sample, in order:
/// the subset that names rows of the given arrays in pairs.csv.
data::Subset whole_subset(int64_t train, int64_t test);

/// The number of classes C: the width of h(z) (m for the identity).
int64_t given_num_classes(const GivenLayer& layer);

/// Checks the arrays against each other, finds the partners when they are not
/// given, and analyses the layer. std::invalid_argument, one line naming the
/// array, for a wrong dimension or dtype, rows that disagree, a label outside
/// 0..C-1, a non-finite value (with its first index), or a partner out of
/// range or of another class.
duality::AnalysisResult analyze_given_layer(const GivenLayer& layer, const AnalysisConfig& cfg);

}  // namespace awd::experiments
