// Fuzz target: read_idx, an IDX image file and its label file (raw or gzip).
// The input is IMAGES AWDSPLIT LABELS; without a separator the labels are empty.
#include <c10/util/Exception.h>

#include <cstdint>
#include <exception>
#include <string>

#include "awd/data/dataset.h"
#include "fuzz_files.h"

namespace {

/// What read_idx promises of what it returns.
void check_idx_result(const awd::data::Dataset& ds) {
  using awd::fuzz::finding;
  if (ds.images.dim() != 4 || ds.images.size(1) != 1) finding("IDX images are not [N, 1, H, W]");
  if (ds.labels.dim() != 1 || ds.labels.size(0) != ds.images.size(0)) finding("IDX labels and images differ in count");
  if (ds.labels.numel() > 0 && (ds.labels.min().item<int64_t>() < 0 || ds.labels.max().item<int64_t>() >= ds.num_classes))
    finding("an IDX label out of range was accepted");
  if (ds.images.numel() > 0 && (ds.images.min().item<float>() < 0 || ds.images.max().item<float>() > 1))
    finding("IDX pixels outside [0, 1]");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = awd::fuzz::split_input(data, size, 2);
  const auto images = awd::fuzz::write_scratch("images-idx3-ubyte", parts[0]);
  const auto labels = awd::fuzz::write_scratch("labels-idx1-ubyte", parts.size() > 1 ? parts[1] : std::string());
  try {
    check_idx_result(awd::data::read_idx(images, labels));
  } catch (const c10::Error& e) {
    awd::fuzz::finding(std::string("a LibTorch error escaped read_idx: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    awd::fuzz::require_clean_refusal(e, {images, labels});
  }
  return 0;
}
