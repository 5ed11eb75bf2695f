// A dense layer whose activities were computed elsewhere (SPEC §11): by
// PyTorch on the user's own device (the Python package) or by any framework
// into .npy files (the features route). From the activities up, everything
// runs here in float64.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
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

/// How an error message names an array, given its field name ("a_train"):
/// the Python package names the field, the features route its file.
/// Empty: the field name.
using ArrayNames = std::function<std::string(const std::string& field)>;

/// Checks the arrays against each other, the inputs and partners aside.
/// std::invalid_argument, one line naming the array (`names`), for a missing
/// array, a wrong dimension or dtype, no values, rows that disagree, a W
/// that does not take the activities (a transposed one said so), a last
/// layer of fewer than 2 outputs, a label outside 0..C-1, or a non-finite
/// value (with its first index).
void check_given_arrays(const GivenLayer& layer, const ArrayNames& names = {});

/// The partners (int64 [T]) of a layer check_given_arrays accepted: those
/// given, checked, or found by the search on the inputs. The same errors for
/// missing inputs without partners (both alternatives named), inputs that do
/// not fit, or a partner out of range or of another class.
torch::Tensor given_partners(const GivenLayer& layer, const ArrayNames& names = {});

/// check_given_arrays, then given_partners.
torch::Tensor check_given_layer(const GivenLayer& layer, const ArrayNames& names = {});

/// The analysis of a layer check_given_layer accepted, with its partners.
duality::AnalysisResult analyze_checked_layer(const GivenLayer& layer, const torch::Tensor& partners,
                                              const AnalysisConfig& cfg);

/// check_given_layer, then analyze_checked_layer.
duality::AnalysisResult analyze_given_layer(const GivenLayer& layer, const AnalysisConfig& cfg);

}  // namespace awd::experiments
