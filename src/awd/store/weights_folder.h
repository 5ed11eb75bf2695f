// A model's numbers as a folder of NAME.npy files, one per parameter and
// buffer, named as in PyTorch's state_dict of the same network: what a run
// writes into RUN_DIR/weights/, and what --init-from reads into a model.
#pragma once
#include <string>
#include <vector>

#include "awd/data/dataset.h"

namespace awd::models {
class Classifier;
}

namespace awd::store {

/// Writes DIR/NAME.npy for every parameter and buffer of `model`
/// (models::named_state; dtypes as they are) and removes any other .npy file
/// in DIR, left by an earlier run, so that the folder describes this model alone.
void write_weights_folder(const std::string& dir, models::Classifier& model);

/// Sets every parameter and buffer of `model` from DIR/NAME.npy: float32 or
/// float64 files for floating-point tensors, int64 for integer ones (BatchNorm's
/// num_batches_tracked), each of the tensor's shape. The folder must hold
/// exactly these files. Throws std::runtime_error, one line naming the file
/// and the problem, for a missing file, a file the model has no tensor for, a
/// corrupt .npy, another dtype or another shape, or a NaN or infinite value
/// (the first index); the model is then unchanged.
/// Returns the files read (path, size, CRC-32), in name order.
std::vector<data::FileRecord> read_weights_folder(const std::string& dir, models::Classifier& model);

}  // namespace awd::store
