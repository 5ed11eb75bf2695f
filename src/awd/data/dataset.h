// Classification data read from disk (SPEC §7): MNIST-format IDX files (raw
// or gzip), CIFAR-10 binary batches, and any labelled data as .npy files.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "awd/io/file_record.h"

namespace awd::data {

/// A file a data set was read from, recorded for reproducibility (io/file_record.h).
using io::FileRecord;
using io::record_file;

/// A whole split: inputs float32 [N, ...] (images [N, C, H, W] scaled to [0, 1]), labels int64 [N].
struct Dataset {
  torch::Tensor images;
  torch::Tensor labels;
  int64_t num_classes = 10;
  std::vector<FileRecord> files;
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  /// The shape of one sample ([C, H, W]): what a network of this data takes.
  std::vector<int64_t> sample_shape() const {
    auto shape = images.sizes().vec();
    shape.erase(shape.begin());
    return shape;
  }
};

/// A data folder: a training and a test split. When the folder holds a single
/// split (like the MNIST test split alone) `train` is empty and callers draw
/// both sets from `test`; `test` is always there, so its sample shape and
/// classes are the folder's.
struct DataFolder {
  std::string format;  ///< "idx", "cifar10" or "npy"
  Dataset train;
  Dataset test;
  bool single_split() const { return train.size() == 0; }
};

/// Reads an IDX image file (magic 0x00000803) and its label file (0x00000801).
/// Throws std::runtime_error naming the file on a wrong magic, a truncated
/// file, an image/label count mismatch or a label >= num_classes.
Dataset read_idx(const std::string& images_path, const std::string& labels_path,
                 int64_t num_classes = 10);

/// Reads CIFAR-10 binary batches (records of 1 label byte + 3072 pixel bytes).
Dataset read_cifar10(const std::vector<std::string>& batch_paths);

/// Reads a .npy folder: x_train.npy, y_train.npy, x_test.npy, y_test.npy.
/// Inputs of any shape [N, ...], uint8 (scaled to [0, 1] like the image
/// readers) or float32 (as given); labels integer [N] (uint8, int32, int64),
/// classes 0 .. max(y_train), at most 2^20. Throws std::runtime_error naming the file on a
/// missing file, another dtype, a NaN or infinite input (its first index), an
/// empty split, x and y of different lengths, train and test inputs of
/// different shapes, or a label out of range.
DataFolder read_npy_folder(const std::string& dir);

/// Finds and reads the splits in `dir` (MNIST/Fashion-MNIST names such as
/// train-images-idx3-ubyte[.gz] and t10k-..., data_batch_*.bin and
/// test_batch.bin, or the .npy files of read_npy_folder).
DataFolder load_folder(const std::string& dir);

}  // namespace awd::data
