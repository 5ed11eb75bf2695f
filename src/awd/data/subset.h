// The samples of one run (SPEC §7): M correctly labelled training samples per
// class, extra training samples with wrong labels for label noise rho, and a
// class-balanced test set disjoint from the training set.
#pragma once
#include "awd/config.h"
#include "awd/data/dataset.h"

namespace awd::data {

struct Subset {
  std::vector<int64_t> train_indices;  ///< into the training source split
  std::vector<int64_t> train_labels;   ///< labels trained on (wrong where corrupted)
  std::vector<bool> corrupted;         ///< per training sample
  std::vector<int64_t> test_indices;   ///< into the test source split
  bool single_split = false;           ///< both drawn from one split
};

/// Draws the subset, seeded by cfg.seed. Throws std::invalid_argument saying
/// how many samples exist when M or n_test asks for more.
Subset draw_subset(const DataFolder& folder, const DataConfig& cfg);

/// The tensors of a subset.
struct Samples {
  torch::Tensor train_inputs, train_labels;  ///< everything trained on
  torch::Tensor clean_mask;                  ///< bool [N_train]: label is correct
  torch::Tensor test_inputs, test_labels;
  int64_t num_classes = 10;
  /// The per-channel normalisation the inputs went through (empty: none; data/transforms.h).
  std::vector<double> mean, std;
};

Samples materialize(const DataFolder& folder, const Subset& subset);

}  // namespace awd::data
