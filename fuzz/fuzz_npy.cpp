// Fuzz target: read_npy through read_npy_folder, the input's four parts
// (x_train, y_train, x_test, y_test, between AWDSPLIT separators) as the
// folder's files. Missing parts are empty files.
#include <c10/util/Exception.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "awd/data/dataset.h"
#include "fuzz_files.h"

namespace {

/// What read_npy_folder promises of one split.
void check_npy_split(const awd::data::Dataset& split) {
  using awd::fuzz::finding;
  if (split.images.dim() < 2 || split.images.scalar_type() != torch::kFloat32) finding("npy inputs are not float32 [N, ...]");
  if (split.labels.dim() != 1 || split.labels.size(0) != split.images.size(0)) finding("npy labels and inputs differ in count");
  if (split.num_classes < 1) finding("fewer than one class");
  if (split.labels.numel() > 0 &&
      (split.labels.min().item<int64_t>() < 0 || split.labels.max().item<int64_t>() >= split.num_classes))
    finding("an npy label out of range was accepted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kNames[] = {"x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"};
  const auto parts = awd::fuzz::split_input(data, size, 4);
  std::vector<std::string> paths;
  for (size_t i = 0; i < 4; ++i) paths.push_back(awd::fuzz::write_scratch(kNames[i], i < parts.size() ? parts[i] : ""));
  try {
    const auto folder = awd::data::read_npy_folder(awd::fuzz::scratch_dir());
    check_npy_split(folder.train);
    check_npy_split(folder.test);
  } catch (const c10::Error& e) {
    awd::fuzz::finding(std::string("a LibTorch error escaped read_npy_folder: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    awd::fuzz::require_clean_refusal(e, paths);
  }
  return 0;
}
